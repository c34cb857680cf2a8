"""`recon status` and the Prometheus metrics (issue 20): did it run, is it late, is it
clean; the metrics file parsed by prometheus_client agrees with summary.json; a killed
nightly run turns status to 7 and recon_run_exit_code says so."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from conftest import Ledgers, entry
from prometheus_client.parser import text_string_to_metric_families

import recon
from recon.dates import SHANGHAI

REPO = Path(__file__).resolve().parent.parent
GOOD = [entry("001", amount="10.00"), entry("002", direction="D", amount="3.00"),
        entry("003", "A2", amount="7.25", currency="USD")]


def status(ledgers: Ledgers, today: str, *extra: str):
    run = ledgers.invoke("status", "--db", str(ledgers.db), "--today", today, *extra)
    return run


def metrics(text: str) -> dict:
    """{(sample name, frozenset of labels): value} of a Prometheus text."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_it_ran_it_is_on_time_and_what_is_open(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:2])          # 003 missing in v2: open work
    config = tmp_path / "recon.toml"
    textfile = tmp_path / "textfile" / "recon.prom"
    config.write_text(f'[metrics]\ntextfile = "{textfile}"\n')
    run = ledgers.diff("--config", str(config), "--fail-on", "never")
    summary = run.summary()

    # the day after: on time, open work (exit 1)
    done = status(ledgers, "2026-11-02", "--format", "json")
    assert done.exit_code == 1, done.stdout
    said = json.loads(done.stdout)
    assert said["status"] == "OPEN WORK"
    assert said["last_reconciled_date"] == "2026-11-01" and said["behind_days"] == 0
    assert said["latest_run"]["status"] == "succeeded" and not said["failed_since_success"]
    assert said["open_items"]["by_kind"]["MISSING_IN_V2"] == 1
    assert said["missing_dates"] == []

    # three days later nothing more ran: behind (exit 6), the dates named
    late = status(ledgers, "2026-11-04", "--format", "json")
    assert late.exit_code == 6
    assert json.loads(late.stdout)["missing_dates"] == ["2026-11-02", "2026-11-03"]
    assert json.loads(late.stdout)["behind_days"] == 2
    text = status(ledgers, "2026-11-04").stdout
    assert "BEHIND (exit 6)" in text and "2 day(s) behind" in text

    # before [status] due_hour (6) the day after, yesterday is not due yet
    early = datetime(2026, 11, 3, 5, 0, tzinfo=SHANGHAI)
    assert recon.open(ledgers.db).status(early).due.isoformat() == "2026-11-01"

    # the metrics file the run wrote parses, and agrees with summary.json
    parsed = metrics(textfile.read_text())
    for system in ("v1", "v2"):
        key = frozenset({"system": system, "dataset": "entries"}.items())
        assert parsed[("recon_rows_read_total", key)] == summary["systems"][system]["rows_read"]
        assert (parsed[("recon_rows_rejected_total", key)]
                == summary["systems"][system]["rows_rejected"])
    findings = {}
    for (name, labels), value in parsed.items():
        if name == "recon_findings":
            kind = dict(labels)["kind"]
            findings[kind] = findings.get(kind, 0) + value
    assert findings == {k: n for k, n in summary["findings"].items() if n}
    unexplained = {dict(labels)["currency"]: value for (name, labels), value in parsed.items()
                   if name == "recon_unexplained_amount"}
    assert unexplained == {c: float(v) for c, v in
                           summary["balances"]["unexplained_abs"].items()}
    assert parsed[("recon_run_exit_code", frozenset())] == run.exit_code == 0
    assert parsed[("recon_run_in_progress", frozenset())] == 0
    items = recon.open(ledgers.db).worklist()["severity"].value_counts()
    assert {dict(labels)["severity"]: value for (name, labels), value in parsed.items()
            if name == "recon_open_items"} == dict(items.iter_rows()) == {"P1": 1, "P3": 1}
    last = datetime.fromisoformat(summary["finished_at"].replace("Z", "+00:00"))
    assert abs(parsed[("recon_last_success_timestamp_seconds", frozenset())]
               - last.timestamp()) < 2
    # recon status --format prometheus prints what the file holds (the file written by
    # the run counted behind days from the real today; status rewrites it for --today)
    printed = status(ledgers, "2026-11-02", "--format", "prometheus", "--config",
                     str(config)).stdout
    assert metrics(printed) == metrics(textfile.read_text())
    assert metrics(printed)[("recon_dates_behind", frozenset())] == 0


def test_clean_is_0_and_a_failed_run_is_7_until_a_success(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    assert ledgers.diff().exit_code == 0
    assert status(ledgers, "2026-11-02").exit_code == 0
    # the next date's v2 partition is not there: the run fails (exit 3)
    ledgers.entries("v1", GOOD, day="2026-11-02")
    assert ledgers.diff(day="2026-11-02").exit_code == 3
    failed = status(ledgers, "2026-11-03", "--format", "json")
    assert failed.exit_code == 7
    said = json.loads(failed.stdout)
    assert said["latest_run"]["status"] == "failed" and said["latest_run"]["exit_code"] == 3
    assert "missing entries partition for v2" in said["failed_since_success"][0]["message"]
    ledgers.entries("v2", GOOD, day="2026-11-02")
    assert ledgers.diff(day="2026-11-02").exit_code == 0
    assert status(ledgers, "2026-11-03").exit_code == 0


PAUSED_RUN = """
import pathlib, sys, time
from recon.pipeline import match
marker = pathlib.Path(sys.argv[1])
def paused(*args, **kwargs):      # the run stops in its match stage, holding the lock
    marker.write_text("matching")
    while True:
        time.sleep(0.1)
match.match_entries = paused
from recon.cli import main
sys.argv = ["recon", *sys.argv[2:]]
main()
"""


def test_status_reads_during_a_run_and_a_killed_run_is_7(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    ledgers.derived_balances()
    config = tmp_path / "recon.toml"
    textfile = tmp_path / "recon.prom"
    config.write_text(f'[metrics]\ntextfile = "{textfile}"\n')
    marker = tmp_path / "matching"
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_RUN, str(marker), "nightly", "--v1", str(ledgers.v1),
         "--v2", str(ledgers.v2), "--out", str(ledgers.out), "--db", str(ledgers.db),
         "--config", str(config), "--today", "2026-11-02"], cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "stderr").open("w"))
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline and child.poll() is None, (
                (tmp_path / "stderr").read_text())
            time.sleep(0.05)
        # readable while the run holds the lock; it says a run is in progress
        during = status(ledgers, "2026-11-02", "--format", "json")
        assert during.exit_code == 6   # nothing reconciled yet, and nothing failed
        assert json.loads(during.stdout)["in_progress"] is True
        assert metrics(textfile.read_text())[("recon_run_in_progress", frozenset())] == 1
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    killed = status(ledgers, "2026-11-02", "--format", "json", "--config", str(config))
    assert killed.exit_code == 7
    said = json.loads(killed.stdout)
    assert said["latest_run"]["status"] == "killed" and not said["in_progress"]
    # the metrics file, rewritten by recon status, says so too
    parsed = metrics(textfile.read_text())
    assert parsed[("recon_run_exit_code", frozenset())] == -1
    assert parsed[("recon_status_code", frozenset())] == 7
    assert parsed[("recon_run_in_progress", frozenset())] == 0


def test_the_alert_rules_use_only_metrics_recon_writes(ledgers):
    """jobs/recon-alerts.yml names no metric that recon's file lacks (a renamed metric
    would leave an alert that never fires)."""
    import re

    from recon.ops import metrics as recon_metrics
    from recon.ops.status import status as read_status

    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    ledgers.diff()
    state = recon.open(ledgers.db)
    with state.reading() as con:
        text = recon_metrics.render(read_status(con, ledgers.db, state.config))
    written = {f.name for f in text_string_to_metric_families(text)}
    written |= {f"{name}_total" for name in written}   # a counter's sample name
    rules = (REPO / "jobs" / "recon-alerts.yml").read_text()
    used = set(re.findall(r"\b(recon_[a-z_]+)", rules))
    assert used and used <= written, used - written


def test_a_metrics_file_that_cannot_be_written_stops_the_run_at_its_start(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    config = tmp_path / "recon.toml"
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    config.write_text(f'[metrics]\ntextfile = "{blocker}/recon.prom"\n')
    run = ledgers.diff("--config", str(config))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"recon: {blocker}/recon.prom: cannot write the metrics file")
    assert not (ledgers.out / "2026-11-01").exists()      # nothing ran
