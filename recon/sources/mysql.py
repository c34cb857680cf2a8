"""MySQL and MariaDB sources through connectorx (arrow_stream), which gives every
DECIMAL as DECIMAL(38,10): the declared types are read first through PyMySQL (which
also fails fast on a wrong password or a missing table, where connectorx retries for
30 s), and each DECIMAL column is cast back to its declared DECIMAL(p,s). connectorx
opens its own connection, so both datasets are read by one statement (a UNION ALL of
the two, told apart by a column of its own) in a READ ONLY, REPEATABLE READ session:
InnoDB gives one statement one consistent snapshot. connectorx holds the GIL while it
reads, so the progress line stands still for that time."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote, urlsplit

from recon import queries
from recon.errors import InputError
from recon.sources.dbread import (
    BATCH_ROWS,
    CONNECT_TIMEOUT,
    check_biz_date,
    check_columns,
    number,
    registered,
)

DECIMAL_TYPES = (0, 246)   # MySQL's DECIMAL and NEWDECIMAL type codes
NULL_TYPE = 6              # a column with no type: a bare NULL in the SELECT
DATE_TYPES = (10, 14)      # DATE and NEWDATE
UNSIGNED = 32              # a column's UNSIGNED flag
DUPLICATE_NAME = re.compile(r"Duplicate column name '(.*)'")   # error 1060
MY_TYPES = {1: "TINYINT", 2: "SMALLINT", 3: "INT", 7: "TIMESTAMP", 8: "BIGINT",
            12: "DATETIME", 15: "VARCHAR", 252: "TEXT", 253: "VARCHAR", 254: "CHAR"}


def _columns(db, password: str | None, biz_date: date
             ) -> dict[str, list[tuple[str, tuple[int, int] | None]]]:
    """Each dataset's columns with, for a DECIMAL, its (precision, scale): read through
    PyMySQL, which fails at once on a wrong password, a server that is not there or a
    missing table or column. The precision is the display width less the point and,
    for a signed column, the sign: the declared precision."""
    import pymysql

    conn = mysql_connection(db.url, password)
    try:
        described = {}
        with conn.cursor() as cur:
            for dataset, (how, text) in db.reads.items():
                if how == "table":
                    cur.execute(f"SELECT * FROM {queries.table(text, db.quote)} LIMIT 0")
                    codes = [d[1] for d in cur.description]
                    check_biz_date(db, dataset, [d[0] for d in cur.description],
                                    [MY_TYPES.get(c, f"of MySQL type {c}") for c in codes],
                                    [c in DATE_TYPES for c in codes])
                try:
                    cur.execute(f"SELECT * FROM ({db.statement(dataset, biz_date)}) AS q "
                                f"LIMIT 0")
                except pymysql.MySQLError as exc:   # a derived table names each column once
                    twice = DUPLICATE_NAME.fullmatch(str(exc.args[-1]))
                    if exc.args[0] != 1060 or twice is None:
                        raise
                    check_columns(db, dataset, [twice[1]] * 2)
                check_columns(db, dataset, [d[0] for d in cur.description])
                for name, code, *_ in cur.description:
                    if code == NULL_TYPE:   # connectorx cannot read it (it panics)
                        raise InputError(f"{dataset}: column '{name}' has no type (a bare "
                                         f"NULL): write CAST(NULL AS CHAR) AS {name}",
                                         db.name)
                described[dataset] = [
                    (d[0], _declared(d, field.flags) if d[1] in DECIMAL_TYPES else None)
                    for d, field in zip(cur.description, cur._result.fields, strict=True)]
        return described
    finally:
        conn.close()


def _declared(description: tuple, flags: int) -> tuple[int, int]:
    """A DECIMAL's declared (precision, scale) from its display width, which counts the
    point (when there are decimals) and, unless UNSIGNED, the sign."""
    _, _, _, width, _, scale, _ = description
    return width - (1 if scale else 0) - (0 if flags & UNSIGNED else 1), scale


def read(con, db, secret, biz_date, column, temp):
    """Both datasets in one statement (one consistent read), staged in one temp table;
    each dataset's table is made from it, its columns renamed back and its DECIMALs
    cast to their declared types."""
    import connectorx as cx

    described = _columns(db, db.password(), biz_date)
    datasets = list(db.reads)
    aliases = {d: [f"c{i}_{j}" for j in range(len(described[d]))]
               for i, d in enumerate(datasets)}
    branches = []
    for i, dataset in enumerate(datasets):
        cells = []
        for other in datasets:
            for j, (name, _) in enumerate(described[other]):
                own = other == dataset
                cells.append(f"{'q.' + queries.ident(name, '`') if own else 'NULL'} "
                             f"AS {aliases[other][j]}")
        branches.append(f"SELECT {i} AS ds, {', '.join(cells)} "
                        f"FROM ({db.statement(dataset, biz_date)}) AS q")
    statement = " UNION ALL ".join(branches)
    stream = cx.read_sql(secret, statement, return_type="arrow_stream", batch_size=BATCH_ROWS,
                         pre_execution_query=["SET SESSION TRANSACTION READ ONLY",
                                              "SET SESSION TRANSACTION ISOLATION LEVEL "
                                              "REPEATABLE READ"])
    with registered(con, stream):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS SELECT * FROM db_stream")
    relations, rows = {}, {}
    for i, dataset in enumerate(datasets):
        selects = []
        for (name, decimal), alias in zip(described[dataset], aliases[dataset], strict=True):
            value = alias
            if decimal is not None:
                precision, scale = decimal
                # exact: connectorx's DECIMAL(38,10) holds every value of the column
                value = f"CAST({alias} AS DECIMAL({min(precision, 38)},{min(scale, 10)}))"
            selects.append(f"{value} AS {queries.ident(name)}")
        relations[dataset], rows[dataset] = number(
            con, f"{temp}_{dataset}", f"SELECT {', '.join(selects)} FROM {temp} WHERE ds = {i}",
            [n for n, _ in described[dataset]], dataset, column)
    con.execute(f"DROP TABLE {temp}")
    return relations, rows


def mysql_connection(url: str, password: str | None, **options):
    """A PyMySQL connection to the server and database of a mysql:// URL."""
    import pymysql

    parts = urlsplit(url)
    return pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                           user=unquote(parts.username or ""),
                           password=(password or "").encode("utf-8"),   # not latin-1
                           database=unquote(parts.path.lstrip("/")) or None,
                           connect_timeout=CONNECT_TIMEOUT, **options)
