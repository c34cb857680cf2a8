"""The DuckDB connection a command works on: in memory (the state itself is the catalog
and the date files, recon/state/store.py), with the config's threads, memory limit and
temp directory, where it spills what does not fit."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from recon import queries
from recon.config import Config
from recon.errors import ConfigError

DEFAULT_GB_PER_THREAD = 1.5


def connect(config: Config, temp_directory: Path | None = None):
    """A DuckDB connection in memory, with the config's settings; it spills to the
    config's temp directory, else to `temp_directory`."""
    con = duckdb.connect()
    apply_settings(con, config, temp_directory)
    return con


def apply_settings(con, config: Config, temp_directory: Path | None = None) -> None:
    # Business dates and timestamps are Asia/Shanghai (docs/interface.md).
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    where = config.source or "settings"
    try:
        if config.threads:
            con.execute(f"SET threads = {int(config.threads)}")
        con.execute(f"SET memory_limit = {queries.literal(memory_limit(config))}")
        if config.temp_directory:   # made now, so a directory that cannot be is said
            Path(config.temp_directory).mkdir(parents=True, exist_ok=True)
        spill = config.temp_directory or temp_directory
        if spill:   # DuckDB makes it when it first spills, and removes what it made
            con.execute(f"SET temp_directory = {queries.literal(str(spill))}")
    except (duckdb.Error, OSError) as exc:
        con.close()
        raise ConfigError(f"bad DuckDB setting: {str(exc).splitlines()[0]}", where) from None


def memory_limit(config: Config) -> str:
    """The configured limit, else DEFAULT_GB_PER_THREAD per DuckDB thread (at most 80 %
    of RAM). recon's joins and aggregations spill gracefully; DuckDB's own default (80 %
    of RAM) only lets it hold more in memory, on a machine the job may share. Measured at
    10M entries a side: 3 GB costs 3 % in time against the default and needs less than
    half the memory."""
    if config.memory_limit:
        return config.memory_limit
    threads = config.threads or os.cpu_count() or 1
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = min(DEFAULT_GB_PER_THREAD * threads * 2**30, 0.8 * ram)
    return f"{int(limit // 2**20)}MiB"
