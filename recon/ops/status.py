"""`recon status`: did last night's reconciliation run, is it late, is it clean.

Everything is read from the published state database (read-only: a running diff never
blocks it), in a few small queries over `runs`, `findings` and `worklist`; nothing is
recomputed from entries. A run is *in progress* when its record says running and the
run lock (`<db>.lock`, an flock) is held; a record that says running with the lock free
was killed (or its machine went down) and counts as a failed run.

The health code (docs/interface.md §6), worst first:

- 7: the latest finished run failed or was killed (a run in progress does not hide
  it until it succeeds);
- 6: behind: a date that should be reconciled by now is not (the due date, or an
  earlier date of its month);
- 1: healthy, with open work (worklist items new or open, or an unexplained balance
  difference on the last date);
- 0: healthy and clean.

A date D is due once it is `[status] due_hour` o'clock (default 6) on D + 1 in
Asia/Shanghai: the nightly job runs after midnight, and a date is not late before the
hour it should be done by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from recon.config import Config
from recon.dates import SHANGHAI
from recon.money import plain
from recon.ops.cohorts import readiness
from recon.state import lock_held, reading
from recon.state.store import NO_DATES, Store
from recon.views import readiness as gate
from recon.views.month_end import Month
from recon.views.worklist import in_transit

HEALTHY, OPEN_WORK, BEHIND, FAILED = 0, 1, 6, 7
KILLED_EXIT_CODE = -1   # a run that ended without recording an exit code


@dataclass(frozen=True)
class Run:
    run_id: str
    biz_date: date
    command: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str            # succeeded | failed | running | killed
    exit_code: int | None
    message: str | None
    summary: dict = field(default_factory=dict, repr=False)   # a success's summary.json
    published_at: datetime | None = None   # when its outputs were in place: its end
    lineage_errors: int = 0    # its OpenLineage events that were not sent

    @property
    def duration_s(self) -> float | None:
        """From start to the outputs published (else to the outcome recorded); the
        state keeps whole seconds."""
        end = self.published_at or self.finished_at
        return None if end is None else (end - self.started_at).total_seconds()

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "biz_date": self.biz_date.isoformat(),
                "command": self.command, "status": self.status,
                "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
                "published_at": _iso(self.published_at),
                "duration_s": self.duration_s, "exit_code": self.exit_code,
                "message": self.message}


@dataclass(frozen=True)
class Status:
    now: datetime                      # UTC
    due: date                          # the latest date that should be done by now
    last_date: date | None             # the latest business date reconciled
    last_success: Run | None           # the latest run that succeeded (any date)
    latest: Run | None                 # the latest run, whatever its outcome
    finished: Run | None               # the latest run that is not in progress
    in_progress: bool
    failed_since_success: tuple[Run, ...]
    missing: tuple[date, ...]          # dates of the due date's month not reconciled
    open_by_severity: dict[str, int]
    open_by_kind: dict[str, int]
    in_transit: tuple[tuple[str, int, Decimal], ...]   # (currency, items, Σ impact)
    unexplained: dict[str, Decimal]    # last date: unexplained |difference| per currency
    findings: dict[tuple[str, str], int]   # last date: (kind, severity) -> findings
    rows: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    # (system, dataset) -> (rows read, rows rejected), over every successful run
    month_end: dict | None = None      # the previous month's check: month, verdict, reasons
    cohorts: tuple = ()                # each cut-over cohort's readiness, and shadow's
    lineage_errors: int = 0            # OpenLineage events not sent, over every run

    @property
    def behind_days(self) -> int:
        if self.last_date is None:
            return (self.due - self.due.replace(day=1)).days + 1
        return max((self.due - self.last_date).days, 0)

    @property
    def code(self) -> int:
        if self.finished is not None and self.finished.status in ("failed", "killed"):
            return FAILED
        if self.missing or (self.last_date is None or self.last_date < self.due):
            return BEHIND
        if sum(self.open_by_severity.values()) or any(self.unexplained.values()):
            return OPEN_WORK
        return HEALTHY

    @property
    def verdict(self) -> str:
        return {FAILED: "FAILED", BEHIND: "BEHIND", OPEN_WORK: "OPEN WORK",
                HEALTHY: "HEALTHY"}[self.code]

    def as_dict(self) -> dict:
        return {
            "status": self.verdict, "code": self.code, "now": _iso(self.now),
            "due_date": self.due.isoformat(),
            "last_reconciled_date": self.last_date and self.last_date.isoformat(),
            "behind_days": self.behind_days,
            "last_success": self.last_success and self.last_success.as_dict(),
            "latest_run": self.latest and self.latest.as_dict(),
            "in_progress": self.in_progress,
            "failed_since_success": [r.as_dict() for r in self.failed_since_success],
            "missing_dates": [d.isoformat() for d in self.missing],
            "open_items": {"by_severity": self.open_by_severity,
                           "by_kind": self.open_by_kind},
            "in_transit": {c: {"items": n, "amount": plain(t)}
                           for c, n, t in self.in_transit},
            "unexplained": {c: plain(v) for c, v in self.unexplained.items()},
            "month_end": self.month_end,
            "cohorts": [c.as_data() for c in self.cohorts],
        }


def current(db_path: Path, config: Config, now: datetime | None = None) -> Status:
    """The status of the state at `db_path` (see `status`), read from the catalog and
    the files of the last month of dates (for the cohorts' clean dates; the rest is the
    latest date's)."""
    store = Store(db_path, config)
    try:
        last = store.last_success()
    finally:
        store.close()
    first = gate.window(last)   # the cohorts' clean dates are counted back over these
    span = (first, last) if last else NO_DATES
    with reading(db_path, config, *span, worklist="unresolved") as con:
        cohorts, cut_short = gate.check(con, config.readiness_days, last, first)
        return status(con, db_path, config, now,
                      cohorts=None if cut_short else cohorts.cohorts)


def status(con, db_path: Path, config: Config, now: datetime | None = None,
           cohorts: tuple | None = None) -> Status:
    """The status of the state database `con` (opened from `db_path`), by `config`'s
    [status] due_hour and timing window."""
    window = config.timing_window_days
    now = (now or datetime.now(UTC)).astimezone(UTC)
    local = now.astimezone(SHANGHAI)
    due = local.date() - timedelta(days=1 if local.hour >= config.due_hour else 2)
    runs = read_runs(con, running_now=lock_held(db_path))
    latest = runs[-1] if runs else None
    successes = [r for r in runs if r.status == "succeeded"]
    last_success = successes[-1] if successes else None
    after = runs[runs.index(last_success) + 1:] if last_success else runs
    failed = tuple(r for r in after if r.status in ("failed", "killed"))
    done = {r.biz_date for r in successes}
    last_date = max(done) if done else None
    first = due.replace(day=1)
    missing = tuple(d for d in (first + timedelta(days=i) for i in range((due - first).days + 1))
                    if d not in done)
    open_items = con.execute(
        "SELECT severity, kind, count(*) FROM worklist WHERE status IN ('new', 'open') "
        "GROUP BY ALL").fetchall()
    by_severity: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for severity, kind, n in open_items:
        by_severity[severity] = by_severity.get(severity, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
    unexplained, findings, transit = {}, {}, ()
    if last_date is not None:
        counts = _summary(successes, last_date)   # the date's summary.json
        unexplained = {c: Decimal(v) for c, v in
                       counts.get("balances", {}).get("unexplained_abs", {}).items()}
        findings = {(k, s): n for k, s, n in con.execute(
            "SELECT kind, severity, count(*) FROM findings WHERE biz_date = ? GROUP BY ALL",
            [last_date]).fetchall()}
        transit = in_transit(con, last_date, window)
    rows: dict[tuple[str, str], tuple[int, int]] = {}
    for run in successes:
        for system, counted in run.summary.get("systems", {}).items():
            for dataset, (read, rejected) in {
                    "entries": ("rows_read", "rows_rejected"),
                    "balances": ("balance_rows_read", "balance_rows_rejected")}.items():
                before = rows.get((system, dataset), (0, 0))
                rows[(system, dataset)] = (before[0] + counted.get(read, 0),
                                           before[1] + counted.get(rejected, 0))
    return Status(now=now, due=due, last_date=last_date, last_success=last_success,
                  latest=latest,
                  finished=next((r for r in reversed(runs) if r.status != "running"), None),
                  in_progress=bool(latest and latest.status == "running"),
                  failed_since_success=failed, missing=missing,
                  open_by_severity=dict(sorted(by_severity.items())),
                  open_by_kind=dict(sorted(by_kind.items())), in_transit=transit,
                  unexplained=unexplained, findings=findings, rows=rows,
                  month_end=_month_end(con, due, done),
                  lineage_errors=sum(r.lineage_errors for r in runs),
                  cohorts=readiness(db_path, config).cohorts if cohorts is None else cohorts)


def read_runs(con, running_now: bool) -> list[Run]:
    """Every run, oldest first; a 'running' record is the run in progress only if it is
    the latest and the lock is held, else it was killed."""
    rows = con.execute(
        "SELECT run_id, biz_date, command, started_at, finished_at, status, exit_code, "
        "message, counts, published_at, lineage_errors FROM runs "
        "ORDER BY started_at, rowid"   # as inserted
    ).fetchall()
    runs = []
    for i, (run_id, biz_date, command, started, finished, state, code, message,
            counts, published, lineage_errors) in enumerate(rows):
        if state == "running" and not (running_now and i == len(rows) - 1):
            state, code = "killed", KILLED_EXIT_CODE
            message = message or "the run ended without recording its outcome (killed?)"
        runs.append(Run(run_id, biz_date, command, started, finished, state, code, message,
                        json.loads(counts) if counts else {}, published,
                        lineage_errors or 0))
    return runs


def _summary(successes: list[Run], biz_date: date) -> dict:
    """The summary of the latest successful run of `biz_date`."""
    return [r for r in successes if r.biz_date == biz_date][-1].summary


def _month_end(con, due: date, done: set[date]) -> dict | None:
    """The month-end check of the month before the due date's, as it was last made
    (`recon month-end`, or the nightly job after the month's last date), when any of the
    month's dates was reconciled. A month not checked since its dates last ran is NOT
    CHECKED: the check reads the whole month, which status does not do every ten
    minutes."""
    before = due.replace(day=1) - timedelta(days=1)
    month = Month(before.year, before.month)
    if not any(month.first <= d <= month.last for d in done):
        return None
    check = con.execute(
        "SELECT verdict, reasons FROM month_end WHERE month = $m AND checked_at >= ("
        "  SELECT max(finished_at) FROM runs WHERE status = 'succeeded' "
        "  AND biz_date BETWEEN $first AND $last)",
        {"m": str(month), "first": month.first, "last": month.last}).fetchone()
    if check is None:
        return {"month": str(month), "verdict": "NOT CHECKED",
                "reasons": [f"run recon month-end --month {month}"]}
    return {"month": str(month), "verdict": check[0], "reasons": json.loads(check[1])}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
