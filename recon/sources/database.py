"""Database sources: a system's datasets read straight from PostgreSQL or MySQL
(docs/interface.md §1, "Database sources").

A system's entries and balances of one date are read in one consistent snapshot and
streamed as Arrow record batches into two DuckDB temp tables; from there every row is
typed and checked by recon/load.py exactly as a file's rows are. A row's "file" is the
source's name and its table or query, its row number its position in the result, which
is ordered by the source's key: account_id, serial_no (for balances account_id), then
every other column, NULLs first. recon sorts (DuckDB, byte order), not the server: the
numbering does not depend on the server's plan or collation.

The drivers, chosen by measurement (10M-row figures in BENCHMARKS.md) and exactness:

- PostgreSQL through ADBC (adbc-driver-postgresql): binary COPY, streamed; NUMERIC
  arrives as its exact text, cast here to the column's declared DECIMAL(p,s) (an
  unconstrained `numeric` stays text and is checked row by row, as a CSV amount is).
  Both datasets are read in one READ ONLY REPEATABLE READ transaction.
- MySQL / MariaDB through connectorx (arrow_stream), which gives every DECIMAL as
  DECIMAL(38,10): the declared types are read first through PyMySQL (which also fails
  fast on a wrong password or a missing table, where connectorx retries for 30 s), and
  each DECIMAL column is cast back to its declared DECIMAL(p,s). connectorx opens its
  own connection, so both datasets are read by one statement (a UNION ALL of the two,
  told apart by a column of its own) in a READ ONLY, REPEATABLE READ session: InnoDB
  gives one statement one consistent snapshot. connectorx holds the GIL while it reads,
  so the progress line stands still for that time.

Money never passes through a float: a FLOAT or DOUBLE money column reaches load.py as
DOUBLE and is refused there, as it is in a Parquet file.

The password is read from the environment variable the config names and is put only
into the URL handed to the driver; every message from a driver is scrubbed of it (and
of the URL holding it) before it is shown. The run log names a source by its URL
without password, its table or query, the rows read and the snapshot's time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote, unquote, urlsplit

import pyarrow as pa

from recon import queries
from recon.config import BIZ_DATE_PARAMETER
from recon.errors import ConfigError, InputError, first_line
from recon.sources import SourceFile
from recon.sources.files import missing_partition

SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql",
           "mariadb": "mysql"}
KEYS = {"entries": ("account_id", "serial_no"), "balances": ("account_id",)}
CONNECT_TIMEOUT = 10      # seconds before an unreachable server is an input error
BATCH_ROWS = 65536


@dataclass(frozen=True)
class Database:
    """One system's database source (a Location): where it is, how to log in, and
    what to read per dataset: ("table", name) or ("query", text with :biz_date)."""

    system: str
    url: str                          # without a password
    password_env: str | None
    reads: Mapping[str, tuple[str, str]]

    @property
    def kind(self) -> str:
        return SCHEMES[urlsplit(self.url).scheme]

    @property
    def name(self) -> str:
        """The source as messages and the run log name it: system and URL."""
        return f"{self.system} {self.url}"

    def label(self, dataset: str) -> str:
        """The "file" of a row of `dataset`: the source's URL and its table or query."""
        how, text = self.reads[dataset]
        return f"{self.url} {how} {text if how == 'table' else dataset + '_query'}"

    def statement(self, dataset: str, biz_date: date) -> str:
        """The SELECT of one dataset of one date (not yet ordered)."""
        how, text = self.reads[dataset]
        day = f"DATE '{biz_date.isoformat()}'"
        if how == "table":
            return f"SELECT * FROM {text} WHERE biz_date = {day}"
        return BIZ_DATE_PARAMETER.sub(day, text.strip().rstrip(";"))

    def password(self) -> str | None:
        if self.password_env is None:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(f"{self.system} password: environment variable "
                              f"{self.password_env} is not set", self.name)
        return value

    def secret_url(self, password: str | None) -> str:
        """The URL handed to the driver: with the password, when there is one."""
        return url_with_password(self.url, password)


def url_with_password(url: str, password: str | None) -> str:
    """`url` with `password` (percent-encoded) after its user, when there is one."""
    if password is None:
        return url
    parts = urlsplit(url)
    user, host = parts.netloc.rsplit("@", 1) if "@" in parts.netloc else ("", parts.netloc)
    return parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}").geturl()


def mysql_connection(url: str, password: str | None, **options):
    """A PyMySQL connection to the server and database of a mysql:// URL."""
    import pymysql

    parts = urlsplit(url)
    return pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                           user=unquote(parts.username or ""), password=password or "",
                           database=unquote(parts.path.lstrip("/")) or None,
                           connect_timeout=CONNECT_TIMEOUT, **options)


@dataclass(frozen=True)
class Snapshot:
    """What one system's snapshot of one date left in DuckDB: per dataset its source
    (as a SourceFile) and the relation of its rows (every column, plus
    file_row_number, the row's place in the result counted from 0)."""

    sources: Mapping[str, SourceFile]
    relations: Mapping[str, str]


def read_snapshot(con, db: Database, biz_date: date, column: Callable[[str], str],
                  temp: str) -> Snapshot:
    """Read both datasets of `db` for `biz_date` in one snapshot into DuckDB temp tables
    named `temp`_<dataset> (the MySQL path stages both in `temp` first).
    `column(contract_name)` is the source's name of a contract column."""
    password = db.password()
    secret = db.secret_url(password)
    started = datetime.now(UTC).replace(tzinfo=None)
    reader = _read_postgres if db.kind == "postgresql" else _read_mysql
    try:
        relations, rows = reader(con, db, secret, biz_date, column, temp)
    except (ConfigError, InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:   # each driver raises its own types, DuckDB wraps them,
        # and connectorx panics (pyo3's PanicException is a BaseException) on a type it
        # does not know
        raise InputError(f"cannot read: {_scrub(first_line(exc), password, secret)}",
                         db.name) from None
    if not any(rows.values()):
        raise missing_partition(db.system, "entries or balances", biz_date, db.name)
    snapshot_at = started.isoformat(timespec="seconds") + "Z"
    sources = {dataset: SourceFile(db.label(dataset), "database", 0, 0,
                                   query=db.statement(dataset, biz_date),
                                   snapshot_at=snapshot_at)
               for dataset in db.reads}
    return Snapshot(sources, relations)


def _scrub(message: str, password: str | None, secret: str) -> str:
    """A driver's message without the password (nor the URL holding it, nor its
    percent-encoded form)."""
    for text in (secret, password, password and quote(password, safe="")):
        if text:
            message = message.replace(text, "***")
    return message


def _order(columns: list[str], dataset: str, column: Callable[[str], str]) -> list[str]:
    """The columns to ORDER BY: the source's key, then every other column (the rows'
    numbering)."""
    keys = [column(k) for k in KEYS[dataset] if column(k) in columns]
    return keys + [c for c in columns if c not in keys]


def _number(con, table: str, select: str, names: list[str], dataset: str,
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
    order = ", ".join(f"{queries.ident(c)} NULLS FIRST" for c in _order(names, dataset, column))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT *, row_number() OVER () - 1 AS file_row_number "
                f"FROM (SELECT * FROM ({select}) AS q ORDER BY {order})")
    return table, con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


@contextmanager
def _registered(con, stream: pa.RecordBatchReader) -> Iterator[None]:
    """`stream` as the view db_stream while the caller's statement reads it: DuckDB
    pulls its batches as it goes (memory holds a few batches, not the day)."""
    con.complete()   # no unfinished result may stand while registering
    con.register("db_stream", stream)
    try:
        yield
    finally:
        con.unregister("db_stream")


# -- PostgreSQL (ADBC) ---------------------------------------------------------------


def _postgres_uri(secret: str) -> str:
    parts = urlsplit(secret)
    query = parts.query
    if "connect_timeout" not in query:
        query = "&".join(q for q in (query, f"connect_timeout={CONNECT_TIMEOUT}") if q)
    return parts._replace(scheme="postgresql", query=query).geturl()


def _pg_casts(schema: pa.Schema) -> list[str]:
    """The select list turning each column as ADBC gives it into its DuckDB type: a
    NUMERIC(p,s) arrives as text and is cast to DECIMAL(p,s) (exact); an unconstrained
    numeric, or one wider than DuckDB's 38 digits, stays text."""
    selects = []
    for field in schema:
        name = queries.ident(field.name)
        meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        typmod = int(meta.get("POSTGRESQL:typmod", "-1"))
        if meta.get("POSTGRESQL:type") == "numeric" and typmod >= 4:
            precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
            if precision <= 38:
                selects.append(f"CAST({name} AS DECIMAL({precision},{scale})) AS {name}")
                continue
        if meta.get("POSTGRESQL:type") == "numeric":
            selects.append(f"CAST({name} AS VARCHAR) AS {name}")
            continue
        selects.append(name)
    return selects


def _read_postgres(con, db, secret, biz_date, column, temp):
    import adbc_driver_postgresql.dbapi as pg

    relations, rows = {}, {}
    with pg.connect(_postgres_uri(secret), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            for dataset in db.reads:
                cur.execute(db.statement(dataset, biz_date))
                stream = cur.fetch_record_batch()
                table = f"{temp}_{dataset}"
                with _registered(con, stream):
                    relations[dataset], rows[dataset] = _number(
                        con, table, f"SELECT {', '.join(_pg_casts(stream.schema))} "
                                    f"FROM db_stream", stream.schema.names, dataset, column)
        finally:
            cur.execute("COMMIT")
    return relations, rows


# -- MySQL / MariaDB (connectorx, PyMySQL for the session checks) ---------------------------

DECIMAL_TYPES = (0, 246)   # MySQL's DECIMAL and NEWDECIMAL type codes
NULL_TYPE = 6              # a column with no type: a bare NULL in the SELECT


def _my_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _mysql_columns(db: Database, password: str | None, biz_date: date
                   ) -> dict[str, list[tuple[str, tuple[int, int] | None]]]:
    """Each dataset's columns with, for a DECIMAL, its (precision, scale): read through
    PyMySQL, which fails at once on a wrong password, a server that is not there or a
    missing table or column. The precision comes from the display width, which counts
    the point and a signed column's sign: one more than declared for a signed column,
    enough for an exact cast, and a width of more than 16 integer digits makes the
    rules check the values' range."""
    conn = mysql_connection(db.url, password)
    try:
        described = {}
        with conn.cursor() as cur:
            for dataset in db.reads:
                cur.execute(f"SELECT * FROM ({db.statement(dataset, biz_date)}) AS q LIMIT 0")
                for name, code, *_ in cur.description:
                    if code == NULL_TYPE:   # connectorx cannot read it (it panics)
                        raise InputError(f"{dataset}: column '{name}' has no type (a bare "
                                         f"NULL): write CAST(NULL AS CHAR) AS {name}",
                                         db.name)
                described[dataset] = [
                    (name, (size - (1 if scale else 0), scale) if code in DECIMAL_TYPES
                     else None)
                    for name, code, _, size, _, scale, _ in cur.description]
        return described
    finally:
        conn.close()


def _read_mysql(con, db, secret, biz_date, column, temp):
    """Both datasets in one statement (one consistent read), staged in one temp table;
    each dataset's table is made from it, its columns renamed back and its DECIMALs
    cast to their declared types."""
    import connectorx as cx

    described = _mysql_columns(db, db.password(), biz_date)
    datasets = list(db.reads)
    aliases = {d: [f"c{i}_{j}" for j in range(len(described[d]))]
               for i, d in enumerate(datasets)}
    branches = []
    for i, dataset in enumerate(datasets):
        cells = []
        for other in datasets:
            for j, (name, _) in enumerate(described[other]):
                own = other == dataset
                cells.append(f"{'q.' + _my_ident(name) if own else 'NULL'} "
                             f"AS {aliases[other][j]}")
        branches.append(f"SELECT {i} AS ds, {', '.join(cells)} "
                        f"FROM ({db.statement(dataset, biz_date)}) AS q")
    statement = " UNION ALL ".join(branches)
    stream = cx.read_sql(secret, statement, return_type="arrow_stream", batch_size=BATCH_ROWS,
                         pre_execution_query=["SET SESSION TRANSACTION READ ONLY",
                                              "SET SESSION TRANSACTION ISOLATION LEVEL "
                                              "REPEATABLE READ"])
    with _registered(con, stream):
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
        relations[dataset], rows[dataset] = _number(
            con, f"{temp}_{dataset}", f"SELECT {', '.join(selects)} FROM {temp} WHERE ds = {i}",
            [n for n, _ in described[dataset]], dataset, column)
    con.execute(f"DROP TABLE {temp}")
    return relations, rows
