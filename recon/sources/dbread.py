"""The steps every database source shares (recon/sources/database.py): checking a
result's columns, and numbering its rows in the order of the source's key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa

from recon import queries
from recon.errors import InputError

KEYS = {"entries": ("account_id", "serial_no"), "balances": ("account_id",)}
CONNECT_TIMEOUT = 10      # seconds before an unreachable server is an input error
BATCH_ROWS = 65536


def check_columns(db, dataset: str, names: list[str]) -> None:
    """A dataset's result names each column once (a query giving two `amount` columns
    is refused, not read by its first)."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            how, _ = db.reads[dataset]
            raise InputError(f"{dataset}: the {how} gives column '{name}' twice", db.name)
        seen.add(name.lower())


def check_biz_date(db, dataset: str, names: list[str], types: list[str],
                   is_date: list[bool]) -> None:
    """A table is read by its DATE column biz_date: a TIMESTAMP, DATETIME or text
    biz_date is refused, naming it and its type (a time part would drop rows without a
    word; text would be compared by the server's rules)."""
    _, table = db.reads[dataset]
    lowered = [n.lower() for n in names]
    if "biz_date" not in lowered:
        raise InputError(f"{dataset}: table {table} has no column biz_date", db.name)
    at = lowered.index("biz_date")
    if not is_date[at]:
        raise InputError(f"{dataset}: table {table} column biz_date is {types[at]}, not "
                         f"DATE: read it with an {dataset}_query that selects the date, "
                         f"e.g. WHERE CAST(biz_date AS DATE) = :biz_date", db.name)


def key_order(columns: list[str], dataset: str, column: Callable[[str], str]) -> list[str]:
    """The columns to ORDER BY: the source's key, then every other column (the rows'
    numbering)."""
    keys = [column(k) for k in KEYS[dataset] if column(k) in columns]
    return keys + [c for c in columns if c not in keys]


def number(con, table: str, select: str, names: list[str], dataset: str,
           column: Callable[[str], str]) -> tuple[str, int]:
    """Store `select` (its columns `names`) as temp table `table` with file_row_number,
    each row's place (from 0) in the order of the source's key, then every other
    column, NULLs first; return the table and its rows.

    Sorted here, by DuckDB, not by the server: an OLTP server is spared a sort of the
    day's rows (a MariaDB filesort of 10M rows took longer than reading them), and the
    order does not hang on a server's collation, so both databases number the same rows
    alike. The rows are sorted, then numbered in that order by row_number() OVER ()
    (which keeps its input's order): 5.7 s at 10M rows, against 7.4 s for row_number()
    OVER (ORDER BY ...)."""
    order = ", ".join(f"{queries.ident(c)} NULLS FIRST" for c in key_order(names, dataset, column))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT *, row_number() OVER () - 1 AS file_row_number "
                f"FROM (SELECT * FROM ({select}) AS q ORDER BY {order})")
    return table, con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


@contextmanager
def registered(con, stream: pa.RecordBatchReader) -> Iterator[None]:
    """`stream` as the view db_stream while the caller's statement reads it: DuckDB
    pulls its batches as it goes (memory holds a few batches, not the day)."""
    con.complete()   # no unfinished result may stand while registering
    con.register("db_stream", stream)
    try:
        yield
    finally:
        con.unregister("db_stream")
