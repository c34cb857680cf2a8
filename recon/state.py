"""The state database: opening it, its schema version, and the one-run-at-a-time lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from recon import queries
from recon.config import Config
from recon.errors import ConfigError, InternalError, LockHeld, NotFound, UsageError, first_line

# (version, script): applied in order to bring a database up to SCHEMA_VERSION.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, "schema_v1"), (2, "schema_v2"),
                                         (3, "schema_v3"), (4, "schema_v4"),
                                         (5, "schema_v5"))
SCHEMA_VERSION = MIGRATIONS[-1][0]
DEFAULT_GB_PER_THREAD = 1.5


def connect(db_path: str | Path, config: Config, *, read_only: bool = False):
    """Open the state database, apply settings, and bring its schema up to date.

    A read-only open of a database that does not exist is a NotFound error.
    """
    db_path = str(db_path)
    if read_only and not Path(db_path).exists():
        raise NotFound("state database not found (run `recon diff` first)", db_path)
    try:
        con = duckdb.connect(db_path, read_only=read_only)
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            raise LockHeld(f"the state database is in use by another process ({message})",
                           db_path) from None
        # The file or its folder cannot be written or read: the user's to fix (exit 2).
        raise UsageError(f"cannot open the state database: {first_line(exc)}",
                         db_path) from None
    apply_settings(con, config)
    if not read_only:
        migrate(con)
    else:
        version = schema_version(con)
        if version != SCHEMA_VERSION:
            raise InternalError(
                f"state database has schema version {version}, this recon needs "
                f"{SCHEMA_VERSION}: run any write command (e.g. recon diff) to migrate",
                db_path,
            )
    return con


def apply_settings(con, config: Config) -> None:
    # Business dates and timestamps are Asia/Shanghai (docs/interface.md).
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    where = config.source or "settings"
    try:
        if config.threads:
            con.execute(f"SET threads = {int(config.threads)}")
        con.execute(f"SET memory_limit = {queries.literal(memory_limit(config))}")
        if config.temp_directory:
            Path(config.temp_directory).mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory = {queries.literal(config.temp_directory)}")
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


def schema_version(con) -> int:
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if not has_meta:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con) -> None:
    """Apply every migration newer than the database's version, each in one transaction."""
    current = schema_version(con)
    for version, script in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN")
        try:
            for statement in queries.statements(script):
                con.execute(statement)
            con.execute("DELETE FROM meta WHERE key = 'schema_version'")
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(version)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


@contextlib.contextmanager
def run_lock(db_path: str | Path) -> Iterator[None]:
    """Hold `<db>.lock` for the duration of a run, or raise LockHeld naming the holder.

    The lock is an flock on the file, so the kernel releases it when the holder dies:
    a lock file left by a killed process is stale by construction and is taken over.
    """
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(f"cannot create the run lock next to the state database: "
                         f"{exc.strerror or exc}", str(exc.filename or lock_path)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"another run holds the lock: {_describe_holder(fd)}",
                           str(db_path)) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _describe_holder(fd: int) -> str:
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        holder = {}
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"


def reconciled(con, biz_date) -> dict:
    """The summary (summary.json) of the date's last successful run; NotFound when the
    date has none."""
    row = con.execute(
        "SELECT counts FROM runs WHERE biz_date = ? AND status = 'succeeded' "
        "ORDER BY started_at DESC LIMIT 1", [biz_date]).fetchone()
    if row is None:
        raise NotFound(f"no successful reconciliation of {biz_date} in the state database")
    return json.loads(row[0])


class WorkingCopy:
    """The state database as a run writes it: a copy beside it (`<db>.run`), opened
    read-write, while `<db>` itself is only ever replaced whole. `publish()` checkpoints
    the copy and moves a copy of it into place atomically (write, then rename), so that
    the readers (`explain`, `worklist`, `month-end`, notebooks), which open `<db>`
    read-only, are never blocked by a run (DuckDB lets no other process open a file
    one process writes) and always see the last published state. Only under the run
    lock: one writer at a time.

    A run killed after a commit but before its publication leaves `<db>.run`: DuckDB
    replays only committed transactions from its WAL, so it holds the latest committed
    state, and the next run starts from it (and publishes it)."""

    def __init__(self, db_path: str | Path, config: Config):
        self.db = Path(db_path)
        self.work = self.db.with_name(self.db.name + ".run")
        try:
            self.db.parent.mkdir(parents=True, exist_ok=True)
            if not self.work.exists() and self.db.exists():
                part = self.db.with_name(self.db.name + ".run.part")
                shutil.copyfile(self.db, part)
                if _wal(self.db).exists():   # left by a writer that was killed
                    shutil.copyfile(_wal(self.db), _wal(self.work))
                os.replace(part, self.work)
        except OSError as exc:
            raise UsageError(f"cannot write the state database: {exc.strerror or exc}",
                             str(exc.filename or self.db)) from None
        self.con = connect(self.work, config)

    def publish(self) -> None:
        self.con.execute("CHECKPOINT")
        part = self.db.with_name(self.db.name + ".publish")
        try:
            shutil.copyfile(self.work, part)
            os.replace(part, self.db)
            _wal(self.db).unlink(missing_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot write the state database: {exc.strerror or exc}",
                             str(exc.filename or self.db)) from None

    def close(self) -> None:
        self.con.close()
        for leftover in (self.work, _wal(self.work)):
            leftover.unlink(missing_ok=True)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")
