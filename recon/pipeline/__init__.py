"""A date's way through recon: sources → load → match → classify → store → worklist →
audit → summarize → outputs → commit → publish.

`diff` runs dates in order under the run lock; `reconcile` runs one date as a loop over
the stages (one module each, with its SQL in recon/sql/<stage>/):

- COMPUTE: load (recon/sources/, load.py, rules.py), match, classify. The heavy work,
  on the run's engine and in temp tables only: nothing of the state is written, so a
  failure here (a file a reader cannot parse, a full disk) ends the date cleanly;
- RECORD, inside the run's transaction: store (the date's rows replace its earlier
  ones), worklist, audit (conservation: a failure is exit 5 and nothing is committed),
  summarize, outputs (written to a staging folder). Then the commit, and the staging
  folder is published in place of the date's folder.

A killed run leaves the state and the output folder as they were before it, or as
after it (recon/state/, recon/pipeline/publish.py's `recover`).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import uuid
from collections.abc import Callable
from datetime import date

import duckdb

from recon import queries
from recon.dates import utcnow
from recon.engines import engine_for
from recon.errors import InternalError, ReconError
from recon.pipeline import (
    audit,
    classify,
    load,
    match,
    publish,
    store,
    summarize,
    worklist,
)
from recon.pipeline.run import DateRun, DiffRequest
from recon.pipeline.stages import LiveProgress, Stages
from recon.result import DateResult
from recon.state import WorkingCopy, out_of_space, run_lock

__all__ = ["DiffRequest", "diff", "reconcile"]

COMPUTE = (load, match, classify)
RECORD = (store, worklist, audit, summarize, publish)


def diff(request: DiffRequest, dates: list[date], *, progress: LiveProgress | None = None,
         on_result: Callable[[DateResult], None] | None = None,
         on_stages: Callable[[DateResult, Stages], None] | None = None,
         on_state: Callable[[object], None] | None = None) -> list[DateResult]:
    """Reconcile `dates` in order under the run lock. Stops at the first error (dates
    before it stay committed) and raises it. `progress` sees each stage start and end;
    `on_stages` gets each date's timed stages (for --profile); `on_state` is told each
    time the state is published (the metrics file is rewritten from it)."""
    request.inputs.check()
    results = []
    with run_lock(request.db_path):
        state = WorkingCopy(request.db_path, request.config)
        con = state.con
        engine = None

        def publish_state() -> None:
            """Make the state readable, and tell `on_state`. A failure of `on_state`
            fails the run here, at its start, but never hides the error of a run
            that is failing."""
            failing = sys.exc_info()[0] is not None   # called while a run's error unwinds
            state.publish()
            if on_state is not None:
                try:
                    on_state(con)
                except ReconError:
                    if not failing:
                        raise

        try:
            publish.recover(con, request.out_dir)
            publish_state()
            engine = engine_for(con, request.config)
            for biz_date in dates:
                stages = Stages(on_start=progress.start if progress else None,
                                on_end=progress.end if progress else None)
                result = reconcile(con, request, biz_date, stages=stages, engine=engine,
                                   publish_state=publish_state)
                results.append(result)
                if on_stages:
                    on_stages(result, stages)
                if on_result:
                    on_result(result)
        finally:
            if engine is not None:
                engine.close()
            state.close()
    return results


def reconcile(con, request: DiffRequest, biz_date: date, *, stages: Stages, engine,
              publish_state: Callable[[], None] = lambda: None) -> DateResult:
    """One date, stage by stage (see the module). `publish_state` makes what is
    committed readable: the run's 'running' record, then its outcome."""
    started = utcnow()
    r = DateRun(con, engine, request, biz_date,
                f"{biz_date:%Y%m%d}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
                started, stages)
    queries.run(con, "state/run_started", {
        "run_id": r.run_id, "d": biz_date, "command": request.command, "started": started,
        "v1": request.inputs.described("v1"), "v2": request.inputs.described("v2"),
        "out_dir": str(request.out_dir)})
    publish_state()
    try:
        for stage in COMPUTE:
            stage.run(r)
        con.execute("BEGIN")
        for stage in RECORD:
            stage.run(r)
        with stages.stage("commit"):
            queries.run(con, "state/run_succeeded", {
                "run_id": r.run_id, "now": r.result.finished_at,
                "exit_code": r.result.exit_code(request.fail_on),
                "inputs": json.dumps(r.fingerprints()),
                "counts": json.dumps(r.result.summary())})
            con.execute("COMMIT")
            publish_state()
    except BaseException as exc:
        _failed(r, exc, publish_state)
        raise
    with stages.stage("publish"):
        publish.publish(r.staging, request.out_dir / biz_date.isoformat())
        queries.run(con, "state/run_published", {"run_id": r.run_id, "now": utcnow()})
        publish_state()
    return r.result


def _failed(r: DateRun, exc: BaseException, publish_state: Callable[[], None]) -> None:
    """Undo what the date did and record why it failed; a full disk is the user's to
    fix (exit 2), and nothing of the date is recorded then."""
    with contextlib.suppress(duckdb.Error):   # no transaction, or one a failed write ended
        r.con.execute("ROLLBACK")
    if r.staging is not None:
        shutil.rmtree(r.staging, ignore_errors=True)
    full = out_of_space(exc, r.request.db_path)
    if full is not None:
        raise full from None
    queries.run(r.con, "state/run_failed", {
        "run_id": r.run_id, "now": utcnow(),
        "exit_code": exc.exit_code if isinstance(exc, ReconError) else InternalError.exit_code,
        "message": exc.one_line() if isinstance(exc, ReconError) else repr(exc)})
    publish_state()
