"""What watches a run: the progress display on a terminal, the JSON log, the lineage
events (recon/ops/logs.py, recon/ops/lineage.py). A `Watcher` is told each moment of
each date's run; its methods do nothing unless it says otherwise, and `Watchers` tells
several. A watcher never changes the run: what it does with a moment is its own affair
(the lineage watcher's failures are warnings, counted in the run log)."""

from __future__ import annotations

# The moments' arguments: `r` is the date's DateRun (recon/pipeline/run.py), `record` a
# stage's StageTime (recon/pipeline/stages.py), `same` an Unchanged
# (recon/pipeline/unchanged.py). Not imported here: this module sits below them all.


class Watcher:
    def date_started(self, r) -> None:
        """The date's run is recorded as running (r.run_id names it)."""

    def stage_started(self, name: str) -> None:
        """A stage begins."""

    def stage_ended(self, record) -> None:
        """A stage ended (its seconds and rows in `record`)."""

    def date_finished(self, r) -> None:
        """The date is committed and its outputs published (r.result)."""

    def date_failed(self, r, error: BaseException) -> None:
        """The date failed: nothing of it was committed."""

    def date_unchanged(self, same) -> None:
        """The date's inputs and settings did not change: it was not recomputed."""


class Watchers(Watcher):
    """Several watchers, told in order."""

    def __init__(self, *watchers: Watcher | None):
        self.watchers = tuple(w for w in watchers if w is not None)

    def date_started(self, r) -> None:
        for w in self.watchers:
            w.date_started(r)

    def stage_started(self, name: str) -> None:
        for w in self.watchers:
            w.stage_started(name)

    def stage_ended(self, record) -> None:
        for w in self.watchers:
            w.stage_ended(record)

    def date_finished(self, r) -> None:
        for w in self.watchers:
            w.date_finished(r)

    def date_failed(self, r, error: BaseException) -> None:
        for w in self.watchers:
            w.date_failed(r, error)

    def date_unchanged(self, same) -> None:
        for w in self.watchers:
            w.date_unchanged(same)
