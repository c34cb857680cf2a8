"""The state: a folder (`--db`, default recon.duckdb) holding the catalog and the date
files (docs/state.md).

    <db>/catalog.sqlite     the run log, the worklist and its history, the timing
                            matches, and which run's files are each date's (SQLite, WAL:
                            recon/state/catalog.py)
    <db>/dates/...          each date's findings, evidence, balances, rejects and daily
                            aggregates, one Parquet file a table (recon/state/files.py)

A command works on an in-memory DuckDB connection on which the store lays out the state
as the SQL expects it: a view per date table over the files of the dates it needs, and
temp tables of the catalog rows it needs, read in one snapshot. So a reader is never
blocked (SQLite's WAL, immutable files) and a run reads only its date's share of the
history: its cost does not grow with the dates the state holds.

A run commits a date in two steps: its files go to a folder of their own, then one
catalog transaction names that folder as the date's and records the worklist's changes,
the timing matches and the run's outcome. A run killed before that transaction leaves
the state as before (its folder is removed later); after it, as after.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from recon import cutover, queries
from recon.config import Config
from recon.errors import NotFound, UsageError, first_line
from recon.state import files, migrate
from recon.state.catalog import Catalog
from recon.state.schema import CATALOG_TABLES, DATE_TABLES, EVIDENCE_TABLES, STATE_FORMAT, empty
from recon.state.settings import connect

OPEN = "status <> 'resolved'"   # the open worklist: new, open and accepted items
NO_DATES = (date.max, date.min)   # a span of no dates: the catalog alone


class Store:
    """The state folder at `db_path`, opened to read (`write=False`: it must exist) or to
    write (under the run lock: a missing state is made, an older one migrated)."""

    def __init__(self, db_path: str | Path, config: Config, *, write: bool = False):
        self.root = Path(db_path)
        self.config = config
        self.write = write
        if write:
            _writable(self.root)
            migrate.to_current(self.root, config)
        elif not self.root.exists():
            raise NotFound("state database not found (run `recon diff` first)", str(self.root))
        elif self.root.is_file() or not (self.root / "catalog.sqlite").exists():
            # an older recon's single-file state: converted on first use, by a reader
            # too (under the run lock: a run holding it is exit 4, try again after it)
            from recon.state.lock import run_lock

            with run_lock(self.root):
                migrate.to_current(self.root, config)
        path = self.root / "catalog.sqlite"
        self.catalog = None
        try:
            self.catalog = Catalog(path, read_only=not write)
            if write:
                self.catalog.create()
            stored = self.catalog.meta("state_format")
        except Exception as exc:   # the SQLite driver's own error types
            if self.catalog is not None:
                self.catalog.close()
            raise UsageError(f"cannot open the state: {first_line(exc)}", str(path)) from None
        if stored is None or not stored.isdigit():
            self.catalog.close()
            raise UsageError("not a recon state (its catalog has no format)", str(self.root))
        if int(stored) > STATE_FORMAT:
            self.catalog.close()
            raise UsageError(f"the state database has schema version {stored}, newer than "
                             f"this recon reads (1 to {STATE_FORMAT}): use the recon that "
                             f"wrote it, or a newer one", str(self.root))
        if int(stored) < STATE_FORMAT:   # a folder of an earlier format: columns added
            self.catalog.close()
            if write:
                migrate.upgrade(path)
            else:
                from recon.state.lock import run_lock

                with run_lock(self.root):
                    migrate.upgrade(path)
            self.catalog = Catalog(path, read_only=not write)

    def close(self) -> None:
        self.catalog.close()

    def connect(self):
        """An in-memory DuckDB connection with the config's settings, spilling to the
        config's temp directory or `<db>.tmp`, with the cut-over (the temp table
        `cutover`, recon/cutover.py)."""
        con = connect(self.config, Path(f"{self.root}.tmp"))
        cutover.register(con, self.config.cutover.rows if self.config.cutover else None)
        return con

    # -- laying out the state on a connection --------------------------------------------

    def read(self, con, first: date | None = None, last: date | None = None, *,
             worklist: str = "open", overlay: dict[str, str] | None = None,
             skip: date | None = None) -> None:
        """Lay out the state on `con`, read in one snapshot: views of the date tables
        over the dates from `first` to `last` (None: no bound), less `skip`, plus the
        `overlay` relations; the catalog's runs, dates, timing matches, month-end checks
        and meta; and the worklist: `open` (items not resolved, and every item the
        dates' findings name), `unresolved` (those not resolved only), `all`, or `none`
        (left empty: the caller pulls it)."""
        with self.catalog.snapshot() as catalog:
            stored = [(d, run, tables) for d, run, tables in _dates(catalog)
                      if (first is None or d >= first) and (last is None or d <= last)
                      and d != skip]
            files.views(con, self.root, stored, overlay)
            for table in ("runs", "dates", "month_end", "meta"):
                catalog.pull(con, table, "ORDER BY rowid")
            for table in ("timing_matches", "worklist_events"):   # a run's own, if any
                con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS " + empty(_table(table)))
            if worklist == "all":
                for table in ("worklist", "worklist_events", "timing_matches"):
                    catalog.pull(con, table, "ORDER BY rowid")
            elif worklist == "open":
                catalog.pull(con, "worklist", f"WHERE {OPEN}")
                self._pull_named(con, "SELECT DISTINCT item_id FROM findings")
            elif worklist == "unresolved":   # new, open and accepted items only
                catalog.pull(con, "worklist", f"WHERE {OPEN}")
            else:
                con.execute("CREATE OR REPLACE TEMP TABLE worklist AS "
                            + empty(_table("worklist")))

    def read_date(self, con, biz_date: date, window: int) -> None:
        """The state as a run of `biz_date` needs it: the dates of the timing window
        before it, the date itself from the run's own staged tables (date_<table>), the
        open worklist and the items the timing matches of the date name."""
        overlay = {t.name: f"date_{t.name}" for t in DATE_TABLES}
        for table in DATE_TABLES:   # the run's staged rows of its date, empty to start
            con.execute(f"CREATE OR REPLACE TEMP TABLE date_{table.name} AS " + empty(table))
        self.read(con, biz_date - timedelta(days=window), biz_date, worklist="open",
                  overlay=overlay, skip=biz_date)
        with self.catalog.snapshot() as catalog:
            catalog.pull(con, "timing_matches", "WHERE biz_date = :d", {"d": biz_date})
        self._pull_named(con, "SELECT earlier_item_id FROM timing_matches")

    def pull_found(self, con) -> None:
        """Add to the worklist on `con` the items the date's findings name that it
        does not hold yet (resolved ones, which the run may reopen)."""
        self._pull_named(con, "SELECT item_id FROM date_findings")

    def _pull_named(self, con, ids_sql: str) -> None:
        """Add to the worklist on `con` the catalog's items whose ids `ids_sql` (a
        DuckDB query) gives and that it does not hold."""
        ids = [i for (i,) in con.execute(
            f"SELECT DISTINCT item_id FROM ({ids_sql}) AS i(item_id) "
            f"WHERE item_id NOT IN (SELECT item_id FROM worklist)").fetchall()]
        if not ids:
            return
        catalog = self.catalog
        catalog.keep_ids("wanted", ids)
        catalog.pull(con, "worklist", "WHERE item_id IN (SELECT item_id FROM temp.wanted)",
                     as_name="worklist_more")
        catalog.execute("DROP TABLE temp.wanted")
        con.execute("INSERT INTO worklist SELECT * FROM worklist_more")
        con.execute("DROP TABLE worklist_more")

    # -- a run's commit ----------------------------------------------------------------

    def commit(self, con, run_id: str, biz_date: date, outcome: dict) -> None:
        """Store the run's date: its staged tables (date_<table>) as its files, then in
        one catalog transaction the date's pointer, the worklist items and events the
        run changed, its timing matches, and `outcome` (the run's record)."""
        keep = [t.name for t in DATE_TABLES
                if t.name != "entries" or self.config.keep_entries == "all"]
        stored = files.write(con, self.root, biz_date, run_id,
                             {table: f"date_{table}" for table in keep})
        with self.catalog.transaction() as catalog:
            before = catalog.rows("SELECT run_id FROM dates WHERE biz_date = :d",
                                  {"d": biz_date})
            catalog.execute("INSERT INTO dates (biz_date, run_id, stored) "
                            "VALUES (:d, :run, :stored) ON CONFLICT (biz_date) DO UPDATE "
                            "SET run_id = excluded.run_id, stored = excluded.stored",
                            {"d": biz_date, "run": run_id, "stored": stored})
            catalog.write(con, "worklist", f"(SELECT * FROM worklist WHERE last_run_id = "
                                           f"{queries.literal(run_id)})", upsert=True)
            catalog.write(con, "worklist_events", "worklist_events")
            catalog.execute("DELETE FROM timing_matches WHERE biz_date = :d", {"d": biz_date})
            catalog.write(con, "timing_matches", "timing_matches")
            catalog.execute(RUN_SUCCEEDED, {"run_id": run_id, **outcome})
        if before and before[0][0] != run_id:   # superseded: the grace period starts now
            with contextlib.suppress(OSError):
                os.utime(files.folder(self.root, biz_date, before[0][0]))

    def tidy(self, keep: set[str] = frozenset()) -> None:
        """Remove the date folders no catalog row names (superseded, or left by runs that
        did not commit), once past their grace period."""
        with self.catalog.snapshot() as catalog:
            current = {d: run for d, run, _ in _dates(catalog)}
        files.remove_unlisted(self.root, current, keep)

    def retain(self, latest: date, days: int) -> int:
        """Drop the evidence, rejects and kept entries of the dates more than `days`
        before `latest` ([state] keep_evidence_days): the catalog first, then the files.
        Returns the dates it dropped them from."""
        cutoff = latest - timedelta(days=days)
        with self.catalog.transaction() as catalog:
            old = [(d, run, tables) for d, run, tables in _dates(catalog)
                   if d < cutoff and set((tables or "").split(",")) & set(EVIDENCE_TABLES)]
            for d, _, tables in old:
                left = ",".join(t for t in tables.split(",") if t not in EVIDENCE_TABLES)
                catalog.execute("UPDATE dates SET stored = :s WHERE biz_date = :d",
                                {"s": left, "d": d})
        for d, run, _ in old:
            files.drop(self.root, d, run, EVIDENCE_TABLES)
        return len(old)

    # -- the run log ---------------------------------------------------------------------

    def last_success(self) -> date | None:
        """The latest business date reconciled successfully, if any."""
        (last,) = self.catalog.rows("SELECT max(biz_date) FROM runs "
                                    "WHERE status = 'succeeded'")[0]
        return date.fromisoformat(last) if last else None

    def record(self, statement: str, params: dict) -> None:
        """One statement on the run log (RUN_STARTED, RUN_FAILED, RUN_PUBLISHED), in a
        transaction of its own."""
        with self.catalog.transaction() as catalog:
            catalog.execute(statement, params)


RUN_STARTED = ("INSERT INTO runs (run_id, biz_date, command, started_at, status, v1_dir, "
               "v2_dir, out_dir) VALUES (:run_id, :d, :command, :started, 'running', :v1, "
               ":v2, :out_dir)")
RUN_SUCCEEDED = ("UPDATE runs SET status = 'succeeded', finished_at = :finished_at, "
                 "exit_code = :exit_code, inputs = :inputs, counts = :counts, "
                 "fingerprint = :fingerprint WHERE run_id = :run_id")
RUN_FAILED = ("UPDATE runs SET status = 'failed', finished_at = :now, exit_code = :exit_code, "
              "message = :message WHERE run_id = :run_id")
RUN_PUBLISHED = "UPDATE runs SET published_at = :now WHERE run_id = :run_id"


def _dates(catalog: Catalog) -> list[tuple[date, str, str]]:
    return [(date.fromisoformat(d), run, tables) for d, run, tables in
            catalog.rows("SELECT biz_date, run_id, stored FROM dates ORDER BY biz_date")]


def _table(name: str):
    return next(t for t in CATALOG_TABLES if t.name == name)


def _writable(root: Path) -> None:
    """A state nobody may write (no write bit: a person made it read-only) is the
    user's to fix, never replaced: exit 2."""
    for path in (root, root / "catalog.sqlite"):
        if path.exists() and not path.stat().st_mode & 0o222:
            raise UsageError("the state database is read-only (no write permission): it "
                             "cannot be written", str(path))


@contextlib.contextmanager
def reading(db_path: str | Path, config: Config, *args, **kwargs) -> Iterator:
    """An in-memory DuckDB connection with the state laid out on it (Store.read), for a
    command that only reads; the catalog is closed again at once."""
    store = Store(db_path, config)
    try:
        con = store.connect()
        store.read(con, *args, **kwargs)
    finally:
        store.close()
    try:
        yield con
    finally:
        con.close()
