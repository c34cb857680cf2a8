"""The commands, one function per verb, and the Python API.

Each verb opens the state database (read-only where it only reads), takes the run lock
where it writes, runs its transaction and returns a result; it never prints. The CLI
(recon/cli.py), the nightly job (`recon nightly`, jobs/nightly.py) and notebooks all
call these:

    import recon

    state = recon.open("recon.duckdb")
    state.worklist(status="open")                  # polars DataFrame, worst first
    state.findings("2026-11-02")                   # the findings of one date
    state.explain("2026-11-02", "AC0000100").entries_frame()
    state.month_end("2026-11").flows_frame()
    state.status().code                            # 0 healthy .. 7 the last run failed
    state.diff("2026-11-03", v1="data/v1", v2="data/v2", out="out")

Tabular results are polars DataFrames with money as Decimal(18,2) columns, never floats.
Errors are `recon.errors.ReconError`s carrying the exit code the CLI would use.
"""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from recon.config import Config, load_config
from recon.contract import KINDS, SEVERITIES, STATUSES, SYSTEMS
from recon.dates import as_date, utcnow, yesterday
from recon.errors import LockHeld, NotFound, ReconError, UsageError
from recon.ops import metrics, schedule
from recon.ops.status import current as read_status
from recon.state import Store, reading, reconciled, run_lock
from recon.state.store import NO_DATES
from recon.views import worklist
from recon.views.month_end import Month

# What only some verbs use is imported by them (a `recon status` from cron pays for
# what it uses only: the pipeline, the reports and polars are not among it).
if TYPE_CHECKING:
    import polars as pl

    from recon.ops.logs import Log
    from recon.ops.status import Status
    from recon.pipeline.stages import Stages
    from recon.pipeline.watch import Watcher
    from recon.result import DateResult
    from recon.views.explain import Explanation
    from recon.views.month_end import MonthEnd
    from recon.views.period import Summary
    from recon.views.readiness import Readiness


def open(db_path: str | Path = "recon.duckdb", config: Config | str | Path | None = None
         ) -> State:
    """The state database at `db_path`, with a Config or the path of a TOML config
    (default: the built-in settings). Nothing is opened until a verb runs."""
    if not isinstance(config, Config):
        config = load_config(config)
    return State(Path(db_path), config)


@dataclass(frozen=True)
class State:
    db_path: Path
    config: Config

    # -- reading --------------------------------------------------------------------

    @contextmanager
    def reading(self, first: date | None = None, last: date | None = None,
                worklist: str = "open") -> Iterator:
        """A DuckDB connection with the state laid out on it (recon/state/store.py):
        the date tables of the dates from `first` to `last` (None: every date), the run
        log, and the worklist (`open`, `all` or `none`). Never blocked by a run."""
        with reading(self.db_path, self.config, first, last, worklist=worklist) as con:
            yield con

    def frame(self, query: str, params: dict | None = None) -> pl.DataFrame:
        """Any query on the state (every date, the whole worklist) as a DataFrame."""
        with self.reading(worklist="all") as con:
            return worklist.frame(con, query, params or {})

    def worklist(self, *, status: str | Iterable[str] = (), kind: str | Iterable[str] = (),
                 severity: str | Iterable[str] = (), fix_side: str | None = None,
                 account: str | None = None, date: date | str | None = None,
                 min_impact: Decimal | str | None = None, in_transit: bool = False
                 ) -> pl.DataFrame:
        """Worklist items, worst first: unresolved before resolved and accepted, then by
        severity and |amount_impact|. Filters combine; each of status and kind may be
        one value or several. `in_transit`: only the MISSING_IN_* items still open within
        the timing window of the last date reconciled (they may yet arrive). days_open
        counts to the last date reconciled (to last_seen for a resolved item)."""
        filters = worklist.Filters(
            statuses=_names(status, "status", STATUSES),
            kinds=_names(kind, "kind", KINDS),
            severities=_names(severity, "severity", SEVERITIES),
            fix_side=_names(fix_side, "fix_side", SYSTEMS)[0] if fix_side else None,
            account_id=account,
            biz_date=as_date(date, "--date") if date is not None else None,
            min_impact=_amount(min_impact),
            in_transit_days=self.config.timing_window_days if in_transit else None)
        everything = not filters.statuses or set(filters.statuses) & {"resolved"}
        with self.reading(*NO_DATES, worklist="all" if everything else "open") as con:
            return worklist.items(con, filters)

    def findings(self, biz_date: date | str) -> pl.DataFrame:
        """The findings of one reconciled date (the rows of its worklist.csv)."""
        d = as_date(biz_date)
        with self.reading(d, d) as con:
            reconciled(con, d)
            return worklist.for_date(con, d)

    def explain(self, biz_date: date | str, account_id: str) -> Explanation:
        """One account's waterfall on one date, and its entries side by side."""
        from recon.views.explain import explain as explain_account

        d = as_date(biz_date, "--date")
        with self.reading(d, d, worklist="none") as con:
            return explain_account(con, d, account_id)

    def nightly_plan(self, now: datetime | None = None) -> tuple[list[date], dict | None]:
        """The dates the nightly job runs (yesterday in Asia/Shanghai, after the dates
        missed since the last success, at most [nightly] catch_up_days of them), and
        the log line of the missed dates it does not run, if any."""
        last, target = self.last_success(), yesterday(now)
        days = self.config.catch_up_days
        return schedule.plan(last, target, days), schedule.gap(last, target, days)

    def last_success(self) -> date | None:
        """The latest business date reconciled successfully, if any."""
        if not self.db_path.exists():
            return None
        store = Store(self.db_path, self.config)
        try:
            return store.last_success()
        finally:
            store.close()

    def status(self, now: datetime | None = None) -> Status:
        """Did the reconciliation run, is it late, is it clean (recon/status.py); with
        `[metrics] textfile` in the config, the metrics file is rewritten from it, so a
        killed run or a date falling due shows there between runs too."""
        current = read_status(self.db_path, self.config, now)
        metrics.write(self.config, current)
        return current

    def month_end(self, month: Month | str, out_dir: str | Path | None = None) -> MonthEnd:
        """The finance month-end check of `month` (YYYY-MM); with `out_dir`, its files
        are written to OUT/month-end-YYYY-MM/ (see `MonthEnd.folder`)."""
        from recon.reports import month_end as month_end_files
        from recon.views import month_end as monthend

        target = month if isinstance(month, Month) else Month.parse(month)
        with self.reading(None, target.last) as con:
            result = monthend.check(con, target, self.config.timing_window_days)
        if out_dir is not None:
            month_end_files.write(result, Path(out_dir))
        self._record_month_end(result)
        return result

    def readiness(self, cohort: str | None = None) -> Readiness:
        """Each cut-over cohort and `shadow` (the accounts not cut over): its clean dates
        counted back from the last date reconciled, and whether it is ready for the next
        wave ([readiness] days). `cohort` shows one (an unknown name is a usage error,
        naming the cohorts). `.frame()` gives the rows as a DataFrame."""
        from recon.ops import cohorts

        result = cohorts.readiness(self.db_path, self.config)
        if cohort is None:
            return result
        names = [c.cohort for c in result.cohorts]
        if cohort not in names:
            raise UsageError(f"no cohort {cohort!r}: the cohorts are {', '.join(names)}")
        return result.only(cohort)

    def summary(self, start: date | str, end: date | str) -> Summary:
        """The period from `start` to `end` as the team's weekly report needs it
        (recon/views/period.py); `.frames()` gives its tables as DataFrames."""
        from recon.ops import period

        return period.summary(self.db_path, self.config, as_date(start, "--from"),
                              as_date(end, "--to"))

    def _record_month_end(self, result: MonthEnd) -> None:
        """Keep the check's verdict in the catalog, for `recon status` (the metrics):
        under the run lock; when a run holds it, the run's own check will be kept."""
        from recon.views import month_end as monthend

        try:
            with run_lock(self.db_path):
                store = Store(self.db_path, self.config, write=True)
                try:
                    monthend.record(store, result, utcnow())
                finally:
                    store.close()
        except LockHeld:
            return

    # -- writing --------------------------------------------------------------------

    def diff(self, dates: date | str | Iterable[date | str], *,
             v1: str | Path | None = None, v2: str | Path | None = None,
             out: str | Path = "out", command: str = "diff", fail_on: str = "any",
             force: bool = False, watch: Watcher | None = None, log: Log | None = None,
             on_result: Callable[[DateResult], None] | None = None,
             on_stages: Callable[[DateResult, Stages], None] | None = None
             ) -> list[DateResult]:
        """Reconcile one date or several, in order, under the run lock; the first error
        stops (the dates before it stay committed) and is raised. A date whose inputs
        and settings did not change since its last successful run is not recomputed
        (an `Unchanged` in the list; recon/pipeline/unchanged.py) unless `force`.
        `watch` is told each date's and stage's start and end (e.g. the progress
        display); `log` gets the run's log lines (default: warnings on stderr); with
        `[lineage]` in the config each date's run sends its OpenLineage events."""
        from recon import pipeline
        from recon.ops import lineage
        from recon.ops.logs import Log
        from recon.pipeline.watch import Watchers

        days = [as_date(dates)] if isinstance(dates, date | str) else [
            as_date(d) for d in dates]
        request = pipeline.DiffRequest(
            v1_dir=Path(v1) if v1 is not None else None,
            v2_dir=Path(v2) if v2 is not None else None,
            out_dir=Path(out), db_path=self.db_path, config=self.config, command=command,
            fail_on=fail_on, force=force)
        log = log or Log(self.config.log_format)
        watchers = Watchers(watch, log, lineage.for_config(self.config, log.warning))
        return pipeline.diff(request, days, watch=watchers, on_result=on_result,
                             on_stages=on_stages,
                             on_state=lambda: metrics.refresh(self.db_path, self.config))

    def accept(self, item_id: str, reason: str, by: str | None = None) -> dict:
        """Waive worklist item `item_id`, with a reason (by: default the OS user)."""
        who = by or getpass.getuser()
        if not self.db_path.exists():   # never create a database (or lock) to accept in
            raise NotFound("state database not found (run `recon diff` first)",
                           str(self.db_path))
        with run_lock(self.db_path):
            store = Store(self.db_path, self.config, write=True)
            try:
                done = worklist.accept(store.catalog, item_id, reason, who, utcnow())
            finally:
                store.close()
            metrics.refresh(self.db_path, self.config)
            return done

    def nightly(self, dates: list[date], *, v1: str | Path, v2: str | Path,
                out: str | Path, log: Callable[[str], None], fail_on: str = "any",
                watch: Watcher | None = None, run_log: Log | None = None,
                month_end: bool = True, force: bool = False) -> int:
        """Run `dates` in order, one JSON line per date to `log`; return the worst exit
        code (`watch` and `run_log` are as diff's `watch` and `log`). The first error
        stops the run (its date is logged as failed) and is raised. A date that is the
        last of its month is followed by that month's month-end check (one more JSON
        line; a FAIL counts as exit 1 unless fail_on is never)."""
        worst = 0
        for biz_date in dates:
            t0 = time.perf_counter()
            try:
                (result,) = self.diff(biz_date, v1=v1, v2=v2, out=out, command="nightly",
                                      fail_on=fail_on, force=force, watch=watch,
                                      log=run_log)
            except ReconError as exc:
                log(json.dumps({"biz_date": biz_date.isoformat(), "status": "failed",
                                "exit_code": exc.exit_code, "message": exc.one_line(),
                                "duration_s": round(time.perf_counter() - t0, 3)}))
                raise
            code = result.exit_code(fail_on)
            worst = max(worst, code)
            log(json.dumps({**result.log_line(), "exit_code": code,
                            "duration_s": round(time.perf_counter() - t0, 3)}))
            if month_end and (biz_date + timedelta(days=1)).day == 1:
                t0 = time.perf_counter()
                check = self.month_end(Month(biz_date.year, biz_date.month), out)
                log(json.dumps({"month": str(check.month), "check": "month-end",
                                "verdict": check.verdict, "reasons": list(check.reasons),
                                "report": str(check.folder(out) / "report.md"),
                                "duration_s": round(time.perf_counter() - t0, 3)},
                               ensure_ascii=False))
                worst = max(worst, 0 if fail_on == "never" else check.exit_code())
        return worst


def _names(value: str | Iterable[str], what: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """One name or several, each one of `known`: an unknown one is a usage error naming
    the choices, never a filter that silently matches nothing."""
    names = (value,) if isinstance(value, str) else tuple(value)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"{what} '{unknown[0]}' is not one of {', '.join(known)}")
    return names


def _amount(value: Decimal | str | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(value)
    except ArithmeticError:
        raise UsageError(f"--min-impact '{value}' is not an amount") from None
