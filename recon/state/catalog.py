"""The catalog: the small, transactional part of the state, in SQLite (docs/state.md).

SQLite in WAL mode, because it does what this part needs and DuckDB's own files do not:
a reader in another process is never blocked by a writer (it reads the last committed
snapshot), a write changes rows in place (the worklist's few changed items, not a copy of
the whole), and a transaction commits whole or not at all, whatever kills the process.
recon talks to it through Python's own sqlite3 module: it imports in milliseconds (a
`recon status` run every ten minutes pays for every import), and the catalog's rows are
few (the run log, the worklist, its events): they cross to DuckDB as Arrow tables built
column by column.

One writer at a time (the run lock); every read in one snapshot (`snapshot`). Tables and
types: recon/state/schema.py.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from recon.state.schema import CATALOG_TABLES, TABLES, Table, sqlite_type, typed

BUSY_S = 30.0   # a writer waits this long for another writer's commit to end


class Catalog:
    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        uri = f"file:{self.path}{'?mode=ro' if read_only else ''}"
        # isolation_level None: no implicit transactions, each is begun and ended here
        self._conn = sqlite3.connect(uri, uri=True, timeout=BUSY_S, isolation_level=None,
                                     check_same_thread=False)
        self._cur = self._conn.cursor()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._cur.close()
        with contextlib.suppress(Exception):
            self._conn.close()

    # -- statements ---------------------------------------------------------------------

    def execute(self, sql: str, params: dict | Sequence = ()) -> None:
        text, values = _bound(sql, params)
        self._cur.execute(text, values)

    def rows(self, sql: str, params: dict | Sequence = ()) -> list[tuple]:
        self.execute(sql, params)
        return self._cur.fetchall()

    def arrow(self, sql: str, params: dict | Sequence = ()):
        """The result as an Arrow table, column by column (INTEGER and TEXT columns: a
        column of NULLs only is Arrow's null type, which a typed read CASTs)."""
        import pyarrow as pa

        self.execute(sql, params)
        rows = self._cur.fetchall()
        names = [d[0] for d in self._cur.description]
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        return pa.table({name: pa.array(list(values))
                         for name, values in zip(names, columns, strict=True)})

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Catalog]:
        """A write transaction (BEGIN IMMEDIATE: the write lock at once), committed at
        the end, rolled back on any error."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Catalog]:
        """A read transaction: every read inside sees one committed state."""
        self.execute("BEGIN")
        try:
            yield self
        finally:
            with contextlib.suppress(Exception):
                self.execute("COMMIT")

    # -- between the catalog and DuckDB -------------------------------------------------

    def pull(self, con, table: str, where: str = "", params: dict | Sequence = (),
             as_name: str | None = None) -> None:
        """The catalog table's rows (`where` filters them, in SQLite) as the DuckDB temp
        table `as_name` (default: the table's name), with its declared types."""
        spec = TABLES[table]
        rows = self.arrow(f"SELECT {_names(spec)} FROM {table} {where}", params)
        con.register("catalog_rows", rows)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {as_name or table} AS "
                        + typed(spec, "catalog_rows"))
        finally:
            con.unregister("catalog_rows")

    def write(self, con, table: str, source: str, *, upsert: bool = False) -> int:
        """Add the rows of the DuckDB relation `source` (the table's columns, by name) to
        the catalog table; with `upsert`, a row whose key is there replaces it. Inside
        the caller's transaction. Returns the rows written."""
        spec = TABLES[table]
        columns = ", ".join(
            f'CAST("{n}" AS VARCHAR) AS "{n}"' if sqlite_type(k) == "TEXT" else f'"{n}"'
            for n, k in spec.columns)
        con.complete()   # a relation cannot start while an earlier execute() is unfinished
        rows = con.sql(f"SELECT {columns} FROM {source}").fetchall()
        if not rows:
            return 0
        conflict = ""
        if upsert:
            updates = ", ".join(f"{n} = excluded.{n}" for n in spec.names if n not in spec.key)
            conflict = f" ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {updates}"
        marks = ", ".join("?" for _ in spec.names)
        self._cur.executemany(f"INSERT INTO {table} ({_names(spec)}) VALUES ({marks})"
                              f"{conflict}", rows)
        return len(rows)

    def keep_ids(self, name: str, ids: list[str]) -> None:
        """The temp table `name` (item_id) holding `ids`, for a pull to join with."""
        self.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (item_id TEXT PRIMARY KEY)")
        self.execute(f"DELETE FROM {name}")
        self._cur.executemany(f"INSERT OR IGNORE INTO {name} VALUES (?)",
                              [(i,) for i in ids])

    # -- the schema ----------------------------------------------------------------------

    def create(self) -> None:
        """The catalog's tables and indexes, where missing, in WAL mode; a column a
        later format added to a table is added to it (NULL in the rows before)."""
        self.execute("PRAGMA journal_mode = WAL")
        with self.transaction():
            for spec in CATALOG_TABLES:
                columns = ", ".join(f"{n} {sqlite_type(k)}" for n, k in spec.columns)
                key = f", PRIMARY KEY ({', '.join(spec.key)})" if spec.key else ""
                self.execute(f"CREATE TABLE IF NOT EXISTS {spec.name} ({columns}{key})")
                have = {row[1] for row in self.rows(f"PRAGMA table_info({spec.name})")}
                for name, kind in spec.columns:
                    if name not in have:
                        self.execute(f"ALTER TABLE {spec.name} ADD COLUMN {name} "
                                     f"{sqlite_type(kind)}")
                for index in spec.indexes:
                    name = f"{spec.name}_{'_'.join(index)}"
                    self.execute(f"CREATE INDEX IF NOT EXISTS {name} "
                                 f"ON {spec.name} ({', '.join(index)})")

    def meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM meta WHERE key = :key", {"key": key})
        return found[0][0] if found else None


def _names(table: Table) -> str:
    return ", ".join(table.names)


def _bound(sql: str, params: dict | Sequence) -> tuple[str, list]:
    """`:name` parameters as SQLite's positional ones, and every value as SQLite keeps
    it: dates, times and money as their exact text."""
    if isinstance(params, dict):
        names = re.findall(r"(?<!:):([a-z_][a-z0-9_]*)", sql)
        values = [params[n] for n in names]
        sql = re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", "?", sql)
    else:
        values = list(params)
    return sql, [_value(v) for v in values]


def _value(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal):
        return str(value)
    return value
