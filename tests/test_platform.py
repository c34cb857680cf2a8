"""The data platform (issue 31): the alert rules checked and unit-tested by promtool, the
metrics file held to promtool's conventions, OpenLineage run events (a file and an HTTP
endpoint, validated against the client's own models; an endpoint that is down never
fails the run), and the JSON log."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import Ledgers, entry
from test_status import metrics

from recon.ops.lineage import run_uuid

REPO = Path(__file__).resolve().parent.parent
GOOD = [entry("001", amount="10.00"), entry("002", direction="D", amount="3.00"),
        entry("003", "A2", amount="7.25", currency="USD")]


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: `make servers` installs Debian's prometheus package"
    return subprocess.run([tool, *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO, timeout=60)


# -- Prometheus ------------------------------------------------------------------------------

def test_promtool_checks_the_alert_rules_and_their_unit_tests_pass():
    checked = promtool("check", "rules", "jobs/recon-alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "tests/promtool/alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_unit_test_that_fires_it():
    rules = (REPO / "jobs/recon-alerts.yml").read_text()
    tests = (REPO / "tests/promtool/alerts.test.yml").read_text()
    alerts = [line.split(":", 1)[1].strip() for line in rules.splitlines()
              if line.strip().startswith("- alert:")]
    assert len(alerts) >= 8
    for name in alerts:
        # fired: an alertname followed by exp_alerts with a labelled alert
        assert f"alertname: {name}\n        exp_alerts:" in tests, name


def config(tmp_path: Path, **sections: dict) -> Path:
    path = tmp_path / "recon.toml"
    path.write_text("".join(f"[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n"
                                                     for k, v in body.items())
                            for name, body in sections.items()))
    return path


def test_the_metrics_file_passes_promtool_check_metrics(ledgers, tmp_path):
    textfile = tmp_path / "textfile" / "recon.prom"
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:2])
    run = ledgers.diff("--config", str(config(tmp_path, metrics={"textfile": str(textfile)})),
                       "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    text = textfile.read_text()
    checked = promtool("check", "metrics", stdin=text)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
    assert "# TYPE recon_rows_rejected_total counter" in text
    assert metrics(text)[("recon_lineage_errors_total", frozenset())] == 0


# -- OpenLineage -----------------------------------------------------------------------------

def rebuilt(event: dict) -> dict:
    """The event rebuilt from the client's own models (attrs classes: an unknown field,
    a run id that is not a UUID or an event type the spec lacks raises), then written
    back by the client's serializer: equal to the event when the models hold it all."""
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq
    from openlineage.client.facet_v2 import (
        error_message_run,
        job_type_job,
        nominal_time_run,
        processing_engine_run,
        tags_run,
    )
    from openlineage.client.serde import Serde

    def facet(cls, raw: dict, **nested):
        fields = {k: v for k, v in raw.items() if not k.startswith("_")}
        return cls(**{**fields, **nested})

    run_facets = {"nominalTime": nominal_time_run.NominalTimeRunFacet,
                  "processing_engine": processing_engine_run.ProcessingEngineRunFacet,
                  "errorMessage": error_message_run.ErrorMessageRunFacet}
    facets = {}
    for name, raw in event["run"]["facets"].items():
        if name == "tags":
            facets[name] = facet(tags_run.TagsRunFacet, raw, tags=[
                tags_run.TagsRunFacetFields(**t) for t in raw["tags"]])
        else:
            facets[name] = facet(run_facets[name], raw)

    def inputs(raw: dict) -> InputDataset:
        found = {}
        if "dataQualityAssertions" in raw.get("inputFacets", {}):
            dqa = raw["inputFacets"]["dataQualityAssertions"]
            found["dataQualityAssertions"] = facet(
                dq.DataQualityAssertionsDatasetFacet, dqa,
                assertions=[dq.Assertion(**a) for a in dqa["assertions"]])
        return InputDataset(namespace=raw["namespace"], name=raw["name"], inputFacets=found)

    model = RunEvent(
        eventType=RunState(event["eventType"]), eventTime=event["eventTime"],
        run=Run(runId=event["run"]["runId"], facets=facets),
        job=Job(namespace=event["job"]["namespace"], name=event["job"]["name"],
                facets={"jobType": facet(job_type_job.JobTypeJobFacet,
                                         event["job"]["facets"]["jobType"])}),
        inputs=[inputs(d) for d in event["inputs"]],
        outputs=[OutputDataset(namespace=d["namespace"], name=d["name"])
                 for d in event["outputs"]],
        producer=event["producer"])
    return json.loads(Serde.to_json(model))


def assertions(event: dict, system: str) -> dict:
    (entries,) = [d for d in event["inputs"]
                  if d["name"].endswith(f"{system}/entries")]
    return {a["assertion"]: a for a in
            entries["inputFacets"]["dataQualityAssertions"]["assertions"]}


def test_each_run_writes_start_and_complete_to_the_lineage_file(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:2])          # 003 missing in v2: breaks
    run = ledgers.diff("--config", str(config(tmp_path, lineage={"file": "lineage.jsonl"})),
                       "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    events = [json.loads(line) for line in (tmp_path / "lineage.jsonl").read_text()
              .splitlines()]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    for event in events:
        assert rebuilt(event) == event
    start, complete = events
    run_id = run.summary()["run_id"]
    assert start["run"]["runId"] == complete["run"]["runId"] == run_uuid(run_id)
    assert {"key": "recon.run_id", "value": run_id, "source": "recon"} in \
        complete["run"]["facets"]["tags"]["tags"]
    assert complete["job"] == {**complete["job"], "namespace": "recon", "name": "recon.diff"}
    assert complete["run"]["facets"]["nominalTime"]["nominalStartTime"].startswith(
        "2026-11-01T00:00:00+08:00")
    names = {(d["namespace"], d["name"]) for d in complete["inputs"]}
    assert names == {("file", str((ledgers.root / s / d).resolve()))
                     for s in ("v1", "v2") for d in ("entries", "balances")}
    outputs = {d["name"] for d in complete["outputs"]}
    assert str((ledgers.out / "2026-11-01" / "worklist.parquet").resolve()) in outputs
    v2 = assertions(complete, "v2")
    assert v2["rows_conserved"]["success"] and v2["rows_conserved"]["actual"] == "2"
    findings = run.summary()["findings_total"]
    assert findings > 0 and not v2["clean"]["success"]
    assert v2["clean"]["actual"] == str(findings)
    assert all(a["success"] for name, a in v2.items() if name.startswith(("1", "2", "3")))


class Collector(BaseHTTPRequestHandler):
    events: ClassVar[list] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.events.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    Collector.events = []
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", Collector.events
    server.shutdown()
    server.server_close()


def test_a_failed_run_sends_fail_with_its_error_over_http(ledgers, tmp_path, endpoint):
    url, events = endpoint
    ledgers.entries("v1", GOOD)
    (ledgers.v2 / "entries").mkdir(parents=True)   # v2 has not delivered the date
    ledgers.balances("v1", [])
    run = ledgers.diff("--config", str(config(tmp_path, lineage={"url": url})),
                       derive_balances=False)
    assert run.exit_code == 3, run.stderr
    assert [(path, e["eventType"]) for path, e in events] == [
        ("/api/v1/lineage", "START"), ("/api/v1/lineage", "FAIL")]
    failed = events[-1][1]
    assert rebuilt(failed) == failed
    message = failed["run"]["facets"]["errorMessage"]["message"]
    assert "v2" in message and message in run.stderr


def test_a_lineage_endpoint_that_is_down_never_fails_the_run(ledgers, tmp_path):
    textfile = tmp_path / "recon.prom"
    with __import__("socket").socket() as closed:    # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    run = ledgers.diff("--config", str(config(
        tmp_path, lineage={"url": f"http://127.0.0.1:{port}", "timeout": 2},
        metrics={"textfile": str(textfile)})))
    assert run.exit_code == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "lineage" in line]
    assert len(warnings) == 2 and all(w.startswith("recon: warning: lineage: the ")
                                      for w in warnings), run.stderr
    assert metrics(textfile.read_text())[("recon_lineage_errors_total", frozenset())] == 2


# -- the JSON log ----------------------------------------------------------------------------

FIELDS = {"ts", "level", "event", "run_id", "biz_date", "stage", "rows", "seconds", "message"}


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_json_log_has_a_line_per_stage_and_one_per_outcome(ledgers: Ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:2])
    run = ledgers.diff("--log-format", "json", "--fail-on", "never")
    assert run.exit_code == 0
    lines = json_lines(run.stderr)             # every line is JSON
    assert all(set(line) >= FIELDS for line in lines)
    run_id = run.summary()["run_id"]
    assert {line["run_id"] for line in lines} == {run_id}
    stages = [line["stage"] for line in lines if line["event"] == "stage"]
    assert stages[:3] == ["load v1", "load v2", "match"] and stages[-1] == "publish"
    # load v1 read 3 entries and the 2 balance rows of its 2 accounts
    assert next(line for line in lines if line["stage"] == "load v1")["rows"] == 5
    done = lines[-1]
    assert done["event"] == "date" and done["status"] == "succeeded"
    assert (done["findings"], done["exit_code"], done["biz_date"]) == (
        run.summary()["findings_total"], 0, "2026-11-01")
    again = ledgers.diff("--log-format", "json", "--fail-on", "never", derive_balances=False)
    assert [line["status"] for line in json_lines(again.stderr)] == ["unchanged"]


def test_a_failed_run_logs_json_to_the_end(ledgers, tmp_path):
    (tmp_path / "log.toml").write_text('[log]\nformat = "json"\n')
    ledgers.entries("v1", GOOD)
    (ledgers.v2 / "entries").mkdir(parents=True)
    ledgers.balances("v1", [])
    run = ledgers.diff("--config", str(tmp_path / "log.toml"), derive_balances=False)
    assert run.exit_code == 3
    lines = json_lines(run.stderr)
    failed, error = lines[-2], lines[-1]
    assert failed["event"] == "date" and failed["status"] == "failed"
    assert failed["run_id"] and failed["exit_code"] == 3
    assert error["event"] == "error" and error["level"] == "error"
    assert error["exit_code"] == 3 and "v2" in error["message"]
    assert error["run_id"] == failed["run_id"]
    assert [(line["stage"], line["level"]) for line in lines if line["event"] == "stage"] == [
        ("load v1", "info"), ("load v2", "error")]    # the stage that failed says so
