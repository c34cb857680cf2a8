"""Metrics in the Prometheus text format (version 0.0.4), for node_exporter's textfile
collector: `[metrics] textfile = PATH` is rewritten atomically (a temp file beside it,
then a rename) when a run starts and when it ends, and `recon status --format
prometheus` prints the same text. Both are made from recon/status.py's Status, read from
the state database, so the file says what the state says.

Names follow the Prometheus conventions: a unit suffix (`_seconds`), counters end in
`_total`, every family has HELP and TYPE. Amounts are gauges of the currency's units:
a float, fine for a dashboard and an alert threshold (the exact figures are in
summary.json).
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path

from recon.dates import SHANGHAI
from recon.errors import UsageError
from recon.ops.status import Status


def render(status: Status) -> str:
    families: list[tuple[str, str, str, list[tuple[dict, float]]]] = []

    def add(name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> None:
        families.append((name, kind, help_text, samples))

    success = status.last_success
    add("recon_last_success_timestamp_seconds", "gauge",
        "When the latest successful run finished (Unix time).",
        [({}, _epoch(success.finished_at))] if success else [])
    add("recon_last_reconciled_date_timestamp_seconds", "gauge",
        "The latest business date reconciled, as its midnight in Asia/Shanghai (Unix time).",
        [({}, datetime.combine(status.last_date, time(0), SHANGHAI).timestamp())]
        if status.last_date else [])
    finished = status.finished
    add("recon_run_duration_seconds", "gauge",
        "How long the latest finished run took.",
        [({}, finished.duration_s)] if finished and finished.duration_s is not None else [])
    add("recon_run_exit_code", "gauge",
        "The exit code of the latest finished run (-1: it was killed or crashed without "
        "recording one).",
        [({}, finished.exit_code)] if finished and finished.exit_code is not None else [])
    add("recon_run_in_progress", "gauge", "1 while a run holds the state database's lock.",
        [({}, int(status.in_progress))])
    add("recon_status_code", "gauge",
        "recon status's health code: 0 healthy, 1 open work, 6 behind, 7 the last run failed.",
        [({}, status.code)])
    add("recon_dates_behind", "gauge",
        "Business dates from the latest reconciled to the latest due (Asia/Shanghai): a "
        "count of dates, not a duration.",
        [({}, status.behind_days)])
    add("recon_missing_dates", "gauge",
        "Dates of the due date's month up to it that are not reconciled.",
        [({}, len(status.missing))])
    add("recon_failed_runs_since_success", "gauge",
        "Runs that failed or were killed since the latest successful run.",
        [({}, len(status.failed_since_success))])
    add("recon_rows_read_total", "counter",
        "Input rows read by successful runs, by system and dataset.",
        [({"system": s, "dataset": d}, read) for (s, d), (read, _) in sorted(status.rows.items())])
    add("recon_rows_rejected_total", "counter",
        "Input rows rejected by successful runs, by system and dataset.",
        [({"system": s, "dataset": d}, rejected)
         for (s, d), (_, rejected) in sorted(status.rows.items())])
    add("recon_findings", "gauge",
        "Findings of the latest date reconciled, by kind and severity.",
        [({"kind": k, "severity": s}, n) for (k, s), n in sorted(status.findings.items())])
    add("recon_open_items", "gauge", "Worklist items new or open, by severity.",
        [({"severity": s}, n) for s, n in status.open_by_severity.items()])
    add("recon_in_transit_items", "gauge",
        "MISSING_IN_* items still within the timing window, by currency.",
        [({"currency": c}, n) for c, n, _ in status.in_transit])
    add("recon_unexplained_amount", "gauge",
        "Unexplained balance difference (sum of |difference|) on the latest date "
        "reconciled, by currency.",
        [({"currency": c}, float(v)) for c, v in sorted(status.unexplained.items())])
    add("recon_cohort_clean_dates", "gauge",
        "Consecutive clean dates of each cut-over cohort (shadow: the accounts not cut "
        "over), counted back from the latest date reconciled.",
        [({"cohort": c.cohort}, c.clean_dates) for c in status.cohorts])
    add("recon_cohort_ready", "gauge",
        "1 if the cohort has been clean for [readiness] days dates, else 0.",
        [({"cohort": c.cohort}, int(c.ready)) for c in status.cohorts])
    if status.month_end is not None:
        add("recon_month_end_pass", "gauge",
            "1 if the previous month's month-end check passes, else 0.",
            [({"month": status.month_end["month"]},
              int(status.month_end["verdict"] == "PASS"))])

    lines = []
    for name, kind, help_text, samples in families:
        lines += [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            lines.append(f"{name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def write_textfile(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically: node_exporter never reads half a file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write the metrics file: {exc.strerror or exc}",
                         str(path)) from None


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def _labels(labels: dict) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape_label(str(v))}"' for k, v in labels.items()) + "}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def write(config, current: Status) -> None:
    """Rewrite `[metrics] textfile` from `current`, if the config names one."""
    if config.metrics_textfile:
        write_textfile(Path(config.metrics_textfile), render(current))


def refresh(db_path: Path, config) -> None:
    """Rewrite `[metrics] textfile` from the state at `db_path`, if the config names one
    (the status is read only then: a run without metrics does not pay for it)."""
    from recon.ops.status import current

    if config.metrics_textfile:
        write(config, current(Path(db_path), config))
