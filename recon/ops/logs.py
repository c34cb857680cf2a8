"""What a run logs: `--log-format text` (the default) or `json` (`[log] format`).

text is the human line: warnings and errors as `recon: warning: …` on stderr, the
stages shown by the progress display on a terminal. json is one object per line, for a
log shipper to index: each stage of each date as it ends, each date's outcome, each
warning and the error that ends a command, with the fields

    ts (UTC, ISO 8601), level (info | warning | error), event (stage | date | warning |
    error), run_id, biz_date, stage, rows, seconds, message

(a field that does not apply is null) and, on a date's outcome, status, verdict,
findings, rejected and exit_code.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from recon.errors import ReconError
from recon.pipeline.watch import Watcher


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Log(Watcher):
    """A run's log in `fmt`, each line handed to `write` (default: stderr)."""

    def __init__(self, fmt: str = "text", write: Callable[[str], None] | None = None):
        self.json = fmt == "json"
        self.write = write or _stderr
        self.run_id: str | None = None
        self.biz_date: str | None = None
        self.t0 = time.perf_counter()

    def line(self, level: str, event: str, message: str, **fields) -> None:
        """One JSON line (json format only)."""
        if not self.json:
            return
        record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                  "level": level, "event": event, "run_id": self.run_id,
                  "biz_date": self.biz_date, "stage": None, "rows": None, "seconds": None,
                  "message": message, **fields}
        self.write(json.dumps(record, ensure_ascii=False, default=str))

    def warning(self, message: str) -> None:
        if self.json:
            self.line("warning", "warning", message)
        else:
            self.write(f"recon: warning: {message}")

    def error(self, error: ReconError) -> None:
        """The error that ends a command (json format: the CLI prints it as this line)."""
        self.line("error", "error", error.one_line(), exit_code=error.exit_code)

    # -- a run's moments ----------------------------------------------------------------

    def date_started(self, r) -> None:
        self.run_id, self.biz_date = r.run_id, r.biz_date.isoformat()
        self.t0 = time.perf_counter()
        self.line("info", "date", f"{self.biz_date}: run {r.run_id} started",
                  status="running")

    def stage_ended(self, record) -> None:
        self.line("error" if record.failed else "info", "stage",
                  f"{record.name} {'failed' if record.failed else 'done'}", stage=record.name,
                  rows=record.rows, seconds=round(record.seconds, 3))

    def date_finished(self, r) -> None:
        result = r.result
        self.line("info", "date", f"{self.biz_date}: {result.verdict}, "
                  f"{result.findings} finding(s), {result.rejected} rejected",
                  status="succeeded", verdict=result.verdict, findings=result.findings,
                  rejected=result.rejected, exit_code=result.exit_code(r.request.fail_on),
                  seconds=round(time.perf_counter() - self.t0, 3))
        self.run_id = self.biz_date = None

    def date_failed(self, r, error: BaseException) -> None:
        message = error.one_line() if isinstance(error, ReconError) else repr(error)
        code = error.exit_code if isinstance(error, ReconError) else 5
        self.line("error", "date", f"{self.biz_date}: failed: {message}", status="failed",
                  exit_code=code, seconds=round(time.perf_counter() - self.t0, 3))
        # the error line that ends the command still names the run and date

    def date_unchanged(self, same) -> None:
        self.line("info", "date", f"{same.biz_date}: unchanged since run {same.run_id}",
                  run_id=same.run_id, biz_date=same.biz_date.isoformat(),
                  status="unchanged", verdict=same.verdict,
                  findings=same.summary.get("findings_total"),
                  exit_code=same.exit_code())
