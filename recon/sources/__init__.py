"""Where a system's datasets are read from (docs/interface.md §1), and what an engine
makes of them.

A dataset of a system is at one *location*: a directory holding Hive-style partitions
of files (`files.py`), a metastore table partitioned by biz_date (`metastore.py`,
read by the Spark engine), or a table or query of the system's PostgreSQL or
MySQL database (`database.py`, read by the DuckDB engine). `locate` picks it from the
command line and the config and checks, once, that the engine can read it. The engines
list a partition's files (`SourceFile`s) and open them as relations (`OpenedFile`s);
recon/load.py types and checks every row of those relations the same way whatever the
source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recon.config import Config
from recon.errors import ConfigError, UsageError

DATASETS = ("entries", "balances")


@dataclass(frozen=True)
class SourceFile:
    """One input of a partition: a file (format parquet or csv), or a whole metastore
    table (format table; its name in `path`)."""

    path: Path | str          # a database source: its URL and table (str, not a path)
    format: str
    size: int
    mtime_ns: int
    query: str | None = None         # a database source: the SELECT it was read by
    snapshot_at: str | None = None   # ... and when its snapshot was taken (UTC)

    def fingerprint(self, rows: int | None = None) -> dict:
        """What the run log keeps of an input (docs/interface.md §4): path, size, modification
        time and the rows read from it; for a database source, its URL (without password)
        and table or query, the rows read and the snapshot's time."""
        if self.format == "database":
            return {"source": str(self.path), "query": self.query, "rows": rows,
                    "snapshot_at": self.snapshot_at}
        return {"path": str(self.path), "size": self.size, "mtime_ns": self.mtime_ns,
                "rows": rows}


@dataclass(frozen=True)
class Table:
    """A metastore table holding one system's dataset, with a biz_date column (its
    partition column). Read by the spark engine."""

    name: str


Location = Path | Table   # or a database.Database (a system read from its database)


@dataclass(frozen=True)
class OpenedFile:
    """One input file as an engine exposes it: the relation to select from (every
    column of the file plus `file_row_number`), its {column: DuckDB type name}, and for
    CSV the table of lines that could not be split into the header's columns (columns
    line, error_type, csv_line), else None."""

    source: SourceFile
    relation: str
    columns: dict[str, str]
    malformed: str | None
    # A relation may span many files: the relation's column giving each row's file
    # number, and either the relation (file_index, source_file) naming those files (a
    # table) or the files themselves with their numbers. Else the file is `source`,
    # numbered by its place in the partition.
    file_index_column: str | None = None
    files: str | None = None
    covers: tuple[tuple[int, SourceFile], ...] = ()


@dataclass(frozen=True)
class Inputs:
    """Where each system is read from: its dataset directory (--v1 / --v2), or None
    when both its datasets are metastore tables (config or --v1-table / --v2-table)."""

    v1_dir: Path | None
    v2_dir: Path | None
    config: Config

    def directory(self, system: str) -> Path | None:
        return self.v1_dir if system == "v1" else self.v2_dir

    def locate(self, system: str, dataset: str) -> Location:
        """Where `system`'s `dataset` is read from: its database, its table, else its
        directory. The one check of the inputs: each is named, and tables need the spark
        engine."""
        database = self.config.databases.get(system)
        if database is not None:
            from recon.sources.database import Database

            if self.directory(system) is not None:
                raise UsageError(f"{system} is read from its database ([sources.{system}] "
                                 f"url in the config): leave out --{system}")
            found = Database(system, database.url, database.password_env, database.reads)
            if self.config.engine == "spark" and found.kind != "postgresql":
                raise ConfigError(f"{system} is read from {found.kind} (sources.{system}.url): "
                                  f"on the spark engine a database is read in parallel "
                                  f"partitions that must share one snapshot, which only "
                                  f"PostgreSQL can export; read it with the duckdb engine",
                                  self.config.source)
            return found
        table = self.config.source_table(system, dataset)
        if table is not None:
            if self.config.engine != "spark":
                raise ConfigError(f"{system} {dataset} is a table ({table}); tables are "
                                  f"read by the spark engine (--engine spark)",
                                  self.config.source)
            return Table(table)
        directory = self.directory(system)
        if directory is None:
            raise ConfigError(f"no {system} {dataset}: give --{system} DIR, "
                              f"--{system}-table DATABASE or a database ([sources.{system}] "
                              f"url in the config)", self.config.source)
        return directory

    def check(self) -> None:
        for system in ("v1", "v2"):
            for dataset in DATASETS:
                self.locate(system, dataset)

    def described(self, system: str) -> str:
        """The system's inputs as the run log records them."""
        database = self.config.databases.get(system)
        if database is not None:
            return database.url
        directory = self.directory(system)
        tables = [self.config.source_table(system, d) for d in DATASETS]
        named = [f"table:{t}" for t in tables if t] + ([str(directory)] if directory else [])
        return ", ".join(named)
