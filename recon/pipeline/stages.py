"""The stages of a run, timed: what `--profile` prints and what the progress display shows.

A run goes through fixed stages (load v1, load v2, match, classify, worklist, audit,
summarize, outputs, commit, publish). `Stages.stage(name)` times one and records the
rows it handled. Watchers see each stage start and end (recon/pipeline/watch.py): the
live progress line on a terminal, the JSON log, nothing under cron.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from recon.pipeline.watch import Watcher


@dataclass
class StageTime:
    name: str
    seconds: float = 0.0
    rows: int | None = None
    detail: str = ""
    failed: bool = False   # the stage raised: the date fails


@dataclass
class Stages:
    """Records the stages of one date's run, in order."""

    on_start: Callable[[str], None] | None = None
    on_end: Callable[[StageTime], None] | None = None
    times: list[StageTime] = field(default_factory=list)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[StageTime]:
        record = StageTime(name)
        if self.on_start:
            self.on_start(name)
        t0 = time.perf_counter()
        try:
            yield record
        except BaseException:
            record.failed = True
            raise
        finally:
            record.seconds = time.perf_counter() - t0
            if self.on_end:
                self.on_end(record)
            self._add(record)

    def _add(self, record: StageTime) -> None:
        """A stage entered twice (a backfill's dates share none: one Stages per date) is
        one row."""
        for seen in self.times:
            if seen.name == record.name:
                seen.seconds += record.seconds
                seen.rows = seen.rows if record.rows is None else record.rows
                return
        self.times.append(record)

    @property
    def total(self) -> float:
        return sum(t.seconds for t in self.times)

    def table(self, title: str = "") -> str:
        """The --profile table: stage, seconds, share of the total, rows, rows/s."""
        total = self.total or 1e-9
        lines = [title] if title else []
        lines.append(f"  {'stage':<10} {'seconds':>8} {'share':>6} {'rows':>13} {'rows/s':>12}")
        for t in self.times:
            rate = f"{t.rows / t.seconds:>12,.0f}" if t.rows and t.seconds > 0 else " " * 12
            rows = f"{t.rows:>13,}" if t.rows is not None else " " * 13
            lines.append(f"  {t.name:<10} {t.seconds:>8.3f} {t.seconds / total:>6.1%} "
                         f"{rows} {rate}")
        lines.append(f"  {'total':<10} {self.total:>8.3f}")
        return "\n".join(lines)


class LiveProgress(Watcher):
    """The per-stage progress display on a terminal: the running stage with its elapsed
    time, redrawn in place; a finished stage leaves one line (stage, rows, seconds)."""

    def __init__(self, stream=None, interval: float = 0.25):
        self.stream = stream or sys.stderr
        self.interval = interval
        self._stage: str | None = None
        self._t0 = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stage_started(self, name: str) -> None:
        with self._lock:
            self._stage, self._t0 = name, time.perf_counter()
        if self._thread is None:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    def stage_ended(self, record: StageTime) -> None:
        with self._lock:
            self._stage = None
            rows = f"{record.rows:>13,} rows" if record.rows is not None else " " * 18
            detail = f"  {record.detail}" if record.detail else ""
            self.stream.write(f"\r\x1b[K  {record.name:<10} {rows} {record.seconds:>7.1f}s"
                              f"{detail}\n")
            self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._stage is not None:
                    elapsed = time.perf_counter() - self._t0
                    self.stream.write(f"\r\x1b[K  {self._stage:<10} {'…':>18} {elapsed:>7.1f}s")
                    self.stream.flush()


@contextlib.contextmanager
def progress_on_terminal(log=None) -> Iterator[LiveProgress | None]:
    """The per-stage progress display on stderr when it is a terminal; none under cron,
    nor when the log is JSON (recon/ops/logs.py: its lines are the progress then)."""
    progress = LiveProgress() if sys.stderr.isatty() and not getattr(log, "json", False) \
        else None
    try:
        yield progress
    finally:
        if progress:
            progress.close()
