"""[sources] of the config file: per system, its columns' names, its metastore tables,
or the database it is read from (docs/interface.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from recon import tomlcheck as check
from recon.contract import BALANCE_COLUMNS, ENTRY_COLUMNS, SYSTEMS
from recon.errors import ConfigError

DATABASE_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb")
BIZ_DATE_PARAMETER = re.compile(r"(?<![:\w]):biz_date\b")   # not a ::cast, not a:b


@dataclass(frozen=True)
class DatabaseConfig:
    """[sources.vN] with a url: the system is read from its database. `reads` gives per
    dataset ("table", name) or ("query", SELECT with :biz_date)."""

    url: str
    password_env: str | None
    reads: MappingProxyType


def table_names(database: str) -> dict[str, str]:
    """The entries and balances tables of a system's database (as --v1-table names it)."""
    return {"entries": f"{database}.entries", "balances": f"{database}.balances"}


def parse_sources(sources: dict, where: str) -> tuple[dict, dict, dict]:
    """[sources]: per system its column map, its metastore tables and, when it is read
    from a database, its DatabaseConfig."""
    maps: dict[str, MappingProxyType] = {}
    tables: dict[str, MappingProxyType] = {}
    databases: dict[str, DatabaseConfig] = {}
    check.no_unknown(sources, set(SYSTEMS), "sources.", where)
    for system in SYSTEMS:
        src = check.table(sources, system, where, f"sources.{system}")
        check.no_unknown(src, {"columns", "table", "entries_table", "balances_table", "url",
                               "password_env", "entries_query", "balances_query"},
                         f"sources.{system}.", where)
        database = check.opt_str(src, "table", where, f"sources.{system}.")
        named = table_names(database) if database else {}
        for dataset in ("entries", "balances"):
            table = check.opt_str(src, f"{dataset}_table", where, f"sources.{system}.")
            if table:
                named[dataset] = table
        tables[system] = MappingProxyType(named)
        if "url" in src or "entries_query" in src or "balances_query" in src:
            databases[system] = _database(src, named, f"sources.{system}.", where)
        cols = check.table(src, "columns", where, f"sources.{system}.columns")
        for contract_name, source_name in cols.items():
            if contract_name not in ENTRY_COLUMNS + BALANCE_COLUMNS:
                raise ConfigError(
                    f"sources.{system}.columns: '{contract_name}' is not a contract column", where
                )
            if not isinstance(source_name, str) or not source_name:
                raise ConfigError(
                    f"sources.{system}.columns.{contract_name} must be a column name", where
                )
        maps[system] = MappingProxyType(dict(cols))
    return maps, tables, databases


def _database(src: dict, tables: dict[str, str], prefix: str, where: str) -> DatabaseConfig:
    """A system read from its database: a url without password, and per dataset either
    a table (with a biz_date column) or a query with a :biz_date parameter."""
    url = check.opt_str(src, "url", where, prefix)
    if url is None:
        raise ConfigError(f"{prefix}entries_query and balances_query need {prefix}url, "
                          f"the database to run them on", where)
    parts = urlsplit(url)
    if parts.scheme not in DATABASE_SCHEMES:
        raise ConfigError(f"{prefix}url: '{parts.scheme or url}' is not a database URL "
                          f"(postgresql://… or mysql://…)", where)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(f"{prefix}url: the port is not a number", where) from None
    if not parts.hostname:
        raise ConfigError(f"{prefix}url names no host", where)
    if parts.password is not None:
        raise ConfigError(f"{prefix}url holds a password: put it in an environment "
                          f"variable and name that in {prefix}password_env", where)
    reads = {}
    for dataset in ("entries", "balances"):
        query = check.opt_str(src, f"{dataset}_query", where, prefix)
        table = tables.get(dataset)
        if query and table:
            raise ConfigError(f"{prefix}{dataset}: give a table or a query, not both", where)
        if query is not None and not BIZ_DATE_PARAMETER.search(query):
            raise ConfigError(f"{prefix}{dataset}_query has no :biz_date parameter (the "
                              f"date to read)", where)
        if query is None and table is None:
            raise ConfigError(f"{prefix}url: no {dataset}: give {prefix}{dataset}_table "
                              f"or {prefix}{dataset}_query", where)
        reads[dataset] = ("query", query) if query else ("table", table)
    return DatabaseConfig(url, check.opt_str(src, "password_env", where, prefix),
                          MappingProxyType(reads))
