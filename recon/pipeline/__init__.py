"""A date's way through recon: sources → load → match → classify → worklist → audit →
summarize → outputs → commit → publish.

`diff` runs dates in order under the run lock; `reconcile` runs one date as a loop over
the stages (one module each, with its SQL in recon/sql/<stage>/):

- COMPUTE: load (recon/sources/, load.py, rules.py), match, classify. The heavy work,
  on the run's engine, into the date's staged tables (date_findings, date_evidence, ...);
- RECORD: worklist, audit (conservation: a failure is exit 5 and nothing is recorded),
  summarize, outputs (written to a staging folder). These read the state laid out on
  the run's connection (recon/state/store.py): the dates before, and this date from its
  staged tables;
- then the commit (the date's files, and one catalog transaction), and the staging
  folder is published in place of the date's folder.

Nothing of the state is written before the commit, so a run that fails or is killed
leaves the state and the output folder as they were before it, or as after it
(recon/state/, recon/pipeline/publish.py's `recover`).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import uuid
from collections.abc import Callable
from datetime import date

from recon.dates import utcnow
from recon.engines import engine_for
from recon.errors import InternalError, ReconError
from recon.pipeline import audit, classify, load, match, publish, summarize, worklist
from recon.pipeline import unchanged as changes
from recon.pipeline.run import DateRun, DiffRequest
from recon.pipeline.stages import Stages
from recon.pipeline.unchanged import Unchanged
from recon.pipeline.watch import Watcher
from recon.result import DateResult
from recon.state import Store, out_of_space, run_lock
from recon.state import files as date_files
from recon.state.store import RUN_FAILED, RUN_PUBLISHED, RUN_STARTED

__all__ = ["DiffRequest", "diff", "reconcile"]

COMPUTE = (load, match, classify)
RECORD = (worklist, audit, summarize, publish)


def diff(request: DiffRequest, dates: list[date], *, watch: Watcher | None = None,
         on_result: Callable[[DateResult | Unchanged], None] | None = None,
         on_stages: Callable[[DateResult, Stages], None] | None = None,
         on_state: Callable[[], None] | None = None) -> list[DateResult | Unchanged]:
    """Reconcile `dates` in order under the run lock. Stops at the first error (dates
    before it stay committed) and raises it. `watch` is told each date's and stage's
    start and end (recon/pipeline/watch.py); `on_stages` gets each date's timed stages
    (for --profile); `on_state` is told each time the state changes (the metrics file
    is rewritten from it)."""
    request.inputs.check()
    watch = watch or Watcher()
    results = []
    with run_lock(request.db_path):
        store = Store(request.db_path, request.config, write=True)
        con = store.connect()
        engine = None

        def changed() -> None:
            """Tell `on_state`. Its failure fails the run here, at its start, but never
            hides the error of a run that is failing."""
            failing = sys.exc_info()[0] is not None   # called while a run's error unwinds
            if on_state is not None:
                try:
                    on_state()
                except ReconError:
                    if not failing:
                        raise

        try:
            publish.recover(store, request.out_dir)
            store.tidy()
            changed()
            engine = engine_for(con, request.config)
            recomputed: set[date] = set()
            moved: set[date] = set()     # recomputed with other MISSING_IN_* items
            for biz_date in dates:
                print_ = None if request.force else changes.fingerprint(request, biz_date)
                same = changes.unchanged(store, request, biz_date, print_, moved)
                if same is not None:
                    if changes.outputs_missing(request.out_dir, biz_date, request.config.html):
                        changes.rerender(con, store, request, same)
                    results.append(same)
                    watch.date_unchanged(same)
                    if on_result:
                        on_result(same)
                    continue
                stages = Stages(on_start=watch.stage_started, on_end=watch.stage_ended)
                before = changes.missing_items(con, store, biz_date)
                result = reconcile(con, store, request, biz_date, stages=stages,
                                   engine=engine, changed=changed, fingerprint=print_,
                                   watch=watch)
                recomputed.add(biz_date)
                if changes.new_missing_items(con) != before:
                    moved.add(biz_date)
                results.append(result)
                if on_stages:
                    on_stages(result, stages)
                if on_result:
                    on_result(result)
            if recomputed:
                store.retain(max(recomputed), request.config.keep_evidence_days)
        finally:
            if engine is not None:
                engine.close()
            con.close()
            store.close()
    return results


def reconcile(con, store: Store, request: DiffRequest, biz_date: date, *, stages: Stages,
              engine, changed: Callable[[], None] = lambda: None,
              fingerprint: str | None = None, watch: Watcher | None = None) -> DateResult:
    """One date, stage by stage (see the module). `changed` is told each time the state
    changes: the run's 'running' record, then its outcome; `watch`, when the date
    starts, fails or is done."""
    watch = watch or Watcher()
    started = utcnow()
    r = DateRun(con, engine, request, biz_date,
                f"{biz_date:%Y%m%d}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
                started, stages, store=store, fingerprint=fingerprint)
    store.record(RUN_STARTED, {
        "run_id": r.run_id, "d": biz_date, "command": request.command, "started": started,
        "v1": request.inputs.described("v1"), "v2": request.inputs.described("v2"),
        "out_dir": str(request.out_dir)})
    watch.date_started(r)
    changed()
    try:
        engine.begin(biz_date)
        store.read_date(con, biz_date, request.config.timing_window_days)
        for stage in COMPUTE:
            stage.run(r)
        store.pull_found(con)
        for stage in RECORD:
            stage.run(r)
        with stages.stage("commit"):
            store.commit(con, r.run_id, biz_date, {
                "finished_at": r.result.finished_at,
                "exit_code": r.result.exit_code(request.fail_on),
                "inputs": json.dumps(r.fingerprints()),
                "counts": json.dumps(r.result.summary()),
                "fingerprint": r.fingerprint})
            changed()
    except BaseException as exc:
        _failed(r, exc, changed, watch)
        raise
    with stages.stage("publish"):
        publish.publish(r.staging, request.out_dir / biz_date.isoformat())
        store.record(RUN_PUBLISHED, {"run_id": r.run_id, "now": utcnow()})
    watch.date_finished(r)
    changed()
    return r.result


def _failed(r: DateRun, exc: BaseException, changed: Callable[[], None],
            watch: Watcher) -> None:
    """Undo what the date did and record why it failed; a full disk is the user's to
    fix (exit 2), and nothing of the date is recorded then."""
    if r.staging is not None:
        shutil.rmtree(r.staging, ignore_errors=True)
    shutil.rmtree(date_files.folder(r.store.root, r.biz_date, r.run_id), ignore_errors=True)
    full = out_of_space(exc, r.request.db_path)
    error = full or exc
    outcome = {"run_id": r.run_id, "now": utcnow(),
               "exit_code": error.exit_code if isinstance(error, ReconError)
               else InternalError.exit_code,
               "message": error.one_line() if isinstance(error, ReconError) else repr(error)}
    if full is not None:
        with contextlib.suppress(Exception):   # the disk may not take even that
            r.store.record(RUN_FAILED, outcome)
        watch.date_failed(r, full)
        raise full from None
    r.store.record(RUN_FAILED, outcome)
    watch.date_failed(r, error)
    changed()
