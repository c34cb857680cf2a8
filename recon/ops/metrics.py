"""Metrics in the Prometheus text format, for node_exporter's textfile collector:
`[metrics] textfile = PATH` is rewritten atomically when a run starts and when it ends,
and `recon status --format prometheus` prints the same text. Both are made from
recon/ops/status.py's Status, read from the state, so the file says what the state says.
prometheus_client writes the format (escaping, HELP and TYPE, the `_total` of a counter)
and the file (a temp file beside it, then a rename); `promtool check metrics` holds it
to the conventions in the tests, and tests/promtool/ unit-tests the alert rules.

Amounts are gauges of the currency's units: a float, fine for a dashboard and an alert
threshold (the exact figures are in summary.json).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from recon.dates import SHANGHAI
from recon.errors import UsageError
from recon.ops.status import Status


def families(status: Status) -> list[tuple[str, str, str, list[tuple[dict, float]]]]:
    """Each metric family of `status`: (name, type, help, [(labels, value)])."""
    found: list[tuple[str, str, str, list[tuple[dict, float]]]] = []

    def add(name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> None:
        found.append((name, kind, help_text, samples))

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

    add("recon_lineage_errors_total", "counter",
        "OpenLineage run events that could not be sent ([lineage]), over every run.",
        [({}, status.lineage_errors)])
    return found


def registry(status: Status):
    """A prometheus_client registry holding `status`'s families."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    found = families(status)

    class Families:
        def collect(self):
            for name, kind, help_text, samples in found:
                labels = sorted({k for labelled, _ in samples for k in labelled})
                family = (CounterMetricFamily(name.removesuffix("_total"), help_text,
                                              labels=labels) if kind == "counter"
                          else GaugeMetricFamily(name, help_text, labels=labels))
                for labelled, value in samples:
                    family.add_metric([str(labelled[k]) for k in labels], value)
                yield family

    held = CollectorRegistry(auto_describe=False)
    held.register(Families())
    return held


def render(status: Status) -> str:
    """The text format (what `recon status --format prometheus` prints)."""
    from prometheus_client import generate_latest

    return generate_latest(registry(status)).decode("utf-8")


def write_textfile(path: Path, status: Status) -> None:
    """Replace `path` with `status`'s metrics atomically (prometheus_client's
    write_to_textfile: a temp file beside it, then a rename; node_exporter never reads
    half a file)."""
    from prometheus_client import write_to_textfile

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), registry(status))
    except OSError as exc:
        raise UsageError(f"cannot write the metrics file: {exc.strerror or exc}",
                         str(path)) from None


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def write(config, current: Status) -> None:
    """Rewrite `[metrics] textfile` from `current`, if the config names one."""
    if config.metrics_textfile:
        write_textfile(Path(config.metrics_textfile), current)


def refresh(db_path: Path, config) -> None:
    """Rewrite `[metrics] textfile` from the state at `db_path`, if the config names one
    (the status is read only then: a run without metrics does not pay for it)."""
    from recon.ops.status import current

    if config.metrics_textfile:
        write(config, current(Path(db_path), config))
