"""The state database: opening it, its schema version, and the one-run-at-a-time lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from recon import queries
from recon.config import Config
from recon.errors import (
    ConfigError,
    InternalError,
    LockHeld,
    NotFound,
    ReconError,
    UsageError,
    first_line,
)

# (version, script): applied in order to bring a database up to SCHEMA_VERSION.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, "state/schema_v1"), (2, "state/schema_v2"),
                                         (3, "state/schema_v3"), (4, "state/schema_v4"),
                                         (5, "state/schema_v5"))
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
    try:
        version = schema_version(con)
        if version > SCHEMA_VERSION:
            raise UsageError(f"the state database has schema version {version}, newer than "
                             f"this recon reads (1 to {SCHEMA_VERSION}): use the recon that "
                             f"wrote it, or a newer one", db_path)
        if not read_only:
            migrate(con)
        elif version != SCHEMA_VERSION:
            raise InternalError(
                f"state database has schema version {version}, this recon needs "
                f"{SCHEMA_VERSION}: run any write command (e.g. recon diff) to migrate",
                db_path,
            )
    except BaseException:
        con.close()
        raise
    return con


def writable(db_path: Path) -> None:
    """A state file nobody may write (no write bit: a person made it read-only) is
    the user's to fix, never replaced: exit 2."""
    if db_path.exists() and not db_path.stat().st_mode & 0o222:
        raise UsageError("the state database is read-only (no write permission): it cannot "
                         "be written", str(db_path))


def out_of_space(exc: BaseException, fallback: Path) -> UsageError | None:
    """The usage error (exit 2) of a disk that is full (ENOSPC, as the OS or DuckDB
    says it), naming the file that could not be written (else `fallback`); None for
    any other error."""
    text = str(exc)
    if "no space left" not in text.lower() and getattr(exc, "errno", None) != errno.ENOSPC:
        return None
    named = re.search(r'Could not write file \\?"(.+?)\\?"', text)
    where = getattr(exc, "filename", None) or (named.group(1) if named else fallback)
    return UsageError("no space left on device: the date is not recorded and the state "
                      "is as before", str(where))


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
        writable(self.db)
        part = self.db.with_name(self.db.name + ".run.part")
        made = not self.work.exists()
        try:
            self.db.parent.mkdir(parents=True, exist_ok=True)
            if made and self.db.exists():
                shutil.copyfile(self.db, part)
                if _wal(self.db).exists():   # left by a writer that was killed
                    shutil.copyfile(_wal(self.db), _wal(self.work))
                os.replace(part, self.work)
        except OSError as exc:
            self._remove(part, *((self.work, _wal(self.work)) if made else ()))
            raise UsageError(f"cannot write the state database: {exc.strerror or exc}",
                             str(exc.filename or self.db)) from None
        try:
            self.con = connect(self.work, config)
        except ReconError as exc:
            # a refused state (not a database, a newer schema) leaves nothing behind:
            # the copy made here is removed, and the error names the state itself
            if made:
                self._remove(self.work, _wal(self.work))
            exc.where = str(self.db) if exc.where == str(self.work) else exc.where
            raise

    @staticmethod
    def _remove(*paths: Path) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def publish(self) -> None:
        part = self.db.with_name(self.db.name + ".publish")
        try:
            self.con.execute("CHECKPOINT")
            shutil.copyfile(self.work, part)
            os.replace(part, self.db)
            _wal(self.db).unlink(missing_ok=True)
        except (OSError, duckdb.Error) as exc:
            part.unlink(missing_ok=True)
            raise UsageError(f"cannot write the state database: "
                             f"{getattr(exc, 'strerror', None) or first_line(exc)}",
                             str(getattr(exc, 'filename', None) or self.db)) from None

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):   # a full disk: the copy goes all the same
            self.con.close()
        self._remove(self.work, _wal(self.work))


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")
