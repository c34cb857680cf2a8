"""The nightly run: yesterday in Asia/Shanghai, after catching up the dates missed since
the last successful run (at most `nightly.catch_up_days` of them), one date at a time,
through the same core as `recon diff`. One JSON line per date goes to the log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from recon import core, monthend, monthend_outputs
from recon.config import Config
from recon.errors import ReconError
from recon.monthend import Month
from recon.stages import LiveProgress
from recon.state import connect

SHANGHAI = ZoneInfo("Asia/Shanghai")


def yesterday(now: datetime | None = None) -> date:
    now = now.astimezone(SHANGHAI) if now else datetime.now(SHANGHAI)
    return now.date() - timedelta(days=1)


def last_success(db_path: Path, config: Config) -> date | None:
    if not Path(db_path).exists():
        return None
    con = connect(db_path, config, read_only=True)
    try:
        return con.execute(
            "SELECT max(biz_date) FROM runs WHERE status = 'succeeded'").fetchone()[0]
    finally:
        con.close()


def plan(last: date | None, target: date, catch_up_days: int) -> list[date]:
    """The dates to run, in order: every date after `last` up to `target`, but no more
    than `catch_up_days` before `target`. Nothing when `target` is already done."""
    if last is None:
        return [target]
    start = max(last + timedelta(days=1), target - timedelta(days=catch_up_days))
    return list(core.date_range(start, target))


def run(request: core.DiffRequest, dates: list[date], *, log: Callable[[str], None],
        fail_on: str = "any", progress: LiveProgress | None = None,
        month_end: bool = True) -> int:
    """Run `dates` in order; log one JSON line per date; return the worst exit code.
    The first error stops the run (its date is logged as failed) and is raised.

    With `month_end`, a date that is the last of its month is followed by the month-end
    check of that month (one more JSON line; a FAIL counts as exit 1 unless fail_on is
    never)."""
    worst = 0
    for biz_date in dates:
        t0 = time.perf_counter()
        try:
            (result,) = core.diff(request, [biz_date], progress=progress)
        except ReconError as exc:
            log(json.dumps({"biz_date": biz_date.isoformat(), "status": "failed",
                            "exit_code": exc.exit_code, "message": exc.one_line(),
                            "duration_s": round(time.perf_counter() - t0, 3)}))
            raise
        code = result.exit_code(fail_on)
        worst = max(worst, code)
        summary = result.summary()
        log(json.dumps({
            "biz_date": biz_date.isoformat(),
            "status": "succeeded",
            "exit_code": code,
            "verdict": result.verdict,
            "run_id": result.run_id,
            "rows_read": {s: summary["systems"][s]["rows_read"] for s in ("v1", "v2")},
            "rows_matched": result.v1.rows_matched,
            "rejected": result.rejected,
            "findings": result.findings,
            "abs_impact": f"{sum(k.abs_impact for k in result.kinds):.2f}",
            "unexplained": (f"{result.balances.unexplained:.2f}"
                            if result.balances is not None else None),
            "duration_s": round(time.perf_counter() - t0, 3),
        }))
        if month_end and (biz_date + timedelta(days=1)).day == 1:
            code = run_month_end(request, Month(biz_date.year, biz_date.month), log=log)
            worst = max(worst, 0 if fail_on == "never" else code)
    return worst


def run_month_end(request: core.DiffRequest, month: Month, *,
                  log: Callable[[str], None]) -> int:
    """The month-end check of `month`, written under the request's output folder."""
    t0 = time.perf_counter()
    con = connect(request.db_path, request.config, read_only=True)
    try:
        result = monthend.check(con, month)
    finally:
        con.close()
    folder = monthend_outputs.write(result, request.out_dir)
    log(json.dumps({"month": str(month), "check": "month-end", "verdict": result.verdict,
                    "reasons": list(result.reasons), "report": str(folder / "report.md"),
                    "duration_s": round(time.perf_counter() - t0, 3)}, ensure_ascii=False))
    return result.exit_code()
