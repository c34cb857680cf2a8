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
PostgreSQL through ADBC (recon/sources/postgres.py), MySQL and MariaDB through
connectorx, with PyMySQL for the declared types (recon/sources/mysql.py); the steps they
share are in recon/sources/dbread.py. A table named in the config is quoted as an
identifier (each part of "schema.table"), so it is spelled as the database spells it.

Money never passes through a float: a FLOAT or DOUBLE money column reaches load.py as
DOUBLE and is refused there, as it is in a Parquet file.

The password is read from the environment variable the config names and is put only
into the URL handed to the driver; every message from a driver is scrubbed of it (and
of the URL holding it) before it is shown. The run log names a source by its URL
without password, its table or query, the rows read and the snapshot's time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote, urlsplit

from recon import queries
from recon.config_sources import BIZ_DATE_PARAMETER
from recon.errors import ConfigError, InputError, first_line
from recon.sources import SourceFile, mysql, postgres
from recon.sources.files import missing_partition

SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql",
           "mariadb": "mysql"}



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
    def quote(self) -> str:
        """The dialect's identifier quote."""
        return '"' if self.kind == "postgresql" else "`"

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
            return (f"SELECT * FROM {queries.table(text, self.quote)} "
                    f"WHERE {queries.ident('biz_date', self.quote)} = {day}")
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
    started = datetime.now(UTC).replace(tzinfo=None)
    reader = postgres.read if db.kind == "postgresql" else mysql.read
    try:
        relations, rows = reader(con, db, db.secret_url(password), biz_date, column, temp)
    except (ConfigError, InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:   # each driver raises its own types, DuckDB wraps them,
        # and connectorx panics (pyo3's PanicException is a BaseException) on a type it
        # does not know
        raise read_failed(exc, db, password) from None
    return Snapshot(snapshot_sources(db, biz_date, started, rows), relations)


def read_failed(exc: BaseException, db: Database, password: str | None) -> InputError:
    """A driver's error as the input error it is, without the password."""
    return InputError(f"cannot read: {scrub(first_line(exc), password, db.secret_url(password))}",
                      db.name)


def snapshot_sources(db: Database, biz_date: date, started: datetime,
                     rows: Mapping[str, int]) -> dict[str, SourceFile]:
    """What the run log keeps of a snapshot's datasets (each labelled by the source and
    its table or query, with the SELECT and the snapshot's time, `started`); neither
    dataset having a row is a missing partition."""
    if not any(rows.values()):
        raise missing_partition(db.system, "entries or balances", biz_date, db.name)
    snapshot_at = started.isoformat(timespec="seconds") + "Z"
    return {dataset: SourceFile(db.label(dataset), "database", 0, 0,
                                query=db.statement(dataset, biz_date),
                                snapshot_at=snapshot_at)
            for dataset in db.reads}


def scrub(message: str, password: str | None, secret: str) -> str:
    """A driver's message without the password (nor the URL holding it, nor its
    percent-encoded form)."""
    for text in (secret, password, password and quote(password, safe="")):
        if text:
            message = message.replace(text, "***")
    return message
