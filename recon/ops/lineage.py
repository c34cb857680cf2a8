"""OpenLineage run events (`[lineage] url` or `[lineage] file`), with the
openlineage-python client: each date's run sends START when it is recorded as running,
then COMPLETE when it is committed and published, or FAIL.

- run: a UUID made from recon's run id (OpenLineage asks for a UUID; the same run id
  gives the same UUID), recon's own run id as a tag, the business date as the nominal
  time (its day in Asia/Shanghai), the processing engine;
- job: namespace `recon`, name `recon.diff` (or `recon.nightly`), a BATCH job;
- inputs: each system's entries and balances, as files (namespace `file`, the dataset
  folder), metastore tables (`hive`) or database tables (`postgres://host:port`,
  `mysql://host:port`: the url never holds a password, recon/config_sources.py); on
  COMPLETE each entries input carries a data-quality assertions facet: its rows
  conserved (read = matched + missing + rejected), each of the run's audits, and the
  date clean (no finding);
- outputs: the date's worklist.parquet, rejects.parquet and summary.json, and the state.

A lineage endpoint that is down, slow or refusing never fails the run: the event is
dropped with a warning (the log), and the run log counts it (`runs.lineage_errors`,
the metric `recon_lineage_errors_total`).
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from recon import __version__
from recon.contract import SYSTEMS
from recon.dates import SHANGHAI
from recon.errors import AuditError, ReconError, UsageError, first_line
from recon.pipeline.watch import Watcher

NAMESPACE = "recon"
PRODUCER = f"urn:recon:{__version__}"   # who made the events (a URI, as the spec asks)
RUN_NAMESPACE = uuid.UUID("6f1c1a52-8d8e-4c52-9d3e-6a1b3c9b2f10")
LINEAGE_FAILED = ("UPDATE runs SET lineage_errors = COALESCE(lineage_errors, 0) + 1 "
                  "WHERE run_id = :run_id")
DATASETS = ("entries", "balances")
OUTPUTS = ("worklist.parquet", "rejects.parquet", "summary.json")


def run_uuid(run_id: str) -> str:
    """The OpenLineage run id of recon's run `run_id`."""
    return str(uuid.uuid5(RUN_NAMESPACE, run_id))


class Lineage(Watcher):
    """Sends each date's run events through the client's transport (`client`)."""

    def __init__(self, client, warn):
        self.client, self.warn = client, warn

    def date_started(self, r) -> None:
        self._send(r, "START", inputs=self._inputs(r), outputs=self._outputs(r))

    def date_finished(self, r) -> None:
        self._send(r, "COMPLETE", inputs=self._inputs(r, assertions=_assertions(r)),
                   outputs=self._outputs(r))

    def date_failed(self, r, error: BaseException) -> None:
        from openlineage.client.facet_v2 import error_message_run

        message = error.one_line() if isinstance(error, ReconError) else repr(error)
        failed = {"errorMessage": error_message_run.ErrorMessageRunFacet(
            message=message, programmingLanguage="python")}
        audits = _failed_audits(error)   # the audits that failed, on both systems
        self._send(r, "FAIL", facets=failed,
                   inputs=self._inputs(r, assertions=(lambda _: audits) if audits else None),
                   outputs=self._outputs(r))

    # -- the event ------------------------------------------------------------------------

    def _send(self, r, state: str, *, inputs, outputs, facets=None) -> None:
        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import (
            job_type_job,
            nominal_time_run,
            processing_engine_run,
            tags_run,
        )

        start = datetime.combine(r.biz_date, time(0), SHANGHAI)
        event = RunEvent(
            eventType=RunState[state],
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=run_uuid(r.run_id), facets={
                "nominalTime": nominal_time_run.NominalTimeRunFacet(
                    nominalStartTime=start.isoformat(),
                    nominalEndTime=(start + timedelta(days=1)).isoformat()),
                "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
                    version=__version__, name="recon",
                    openlineageAdapterVersion=__version__),
                "tags": tags_run.TagsRunFacet(tags=[
                    tags_run.TagsRunFacetFields(key="recon.run_id", value=r.run_id,
                                                source="recon"),
                    tags_run.TagsRunFacetFields(key="recon.engine", value=r.config.engine,
                                                source="recon")]),
                **(facets or {})}),
            job=Job(namespace=NAMESPACE, name=f"recon.{r.request.command}", facets={
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType="BATCH", integration="RECON", jobType="JOB")}),
            inputs=inputs, outputs=outputs, producer=PRODUCER)
        try:
            self.client.emit(event)
        except Exception as exc:   # the transport's own errors: never the run's
            self.warn(f"lineage: the {state} event of run {r.run_id} was not sent: "
                      f"{first_line(exc)}")
            # a state that takes not even that is the run's own error to meet, not ours
            with contextlib.suppress(Exception):
                r.store.record(LINEAGE_FAILED, {"run_id": r.run_id})

    def _inputs(self, r, assertions=None) -> list:
        from openlineage.client.event_v2 import InputDataset
        from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq

        found = []
        for system in SYSTEMS:
            for dataset in DATASETS:
                namespace, name = input_name(r.request.inputs, system, dataset)
                facets = {}
                if assertions and dataset == "entries":
                    facets["dataQualityAssertions"] = dq.DataQualityAssertionsDatasetFacet(
                        assertions=assertions(system))
                found.append(InputDataset(namespace=namespace, name=name,
                                          inputFacets=facets))
        return found

    def _outputs(self, r) -> list:
        from openlineage.client.event_v2 import OutputDataset

        folder = Path(r.request.out_dir).resolve() / r.biz_date.isoformat()
        return [OutputDataset(namespace="file", name=str(folder / name)) for name in OUTPUTS
                ] + [OutputDataset(namespace="file",
                                   name=str(Path(r.request.db_path).resolve()))]


def input_name(inputs, system: str, dataset: str) -> tuple[str, str]:
    """(namespace, name) of a system's dataset, by OpenLineage's naming conventions."""
    database = inputs.config.databases.get(system)
    if database is not None:
        parts = urlsplit(database.url)
        scheme = "postgres" if parts.scheme.startswith("postgres") else "mysql"
        port = parts.port or (5432 if scheme == "postgres" else 3306)
        how, what = database.reads[dataset]
        table = what if how == "table" else f"{system}_{dataset}_query"
        return f"{scheme}://{parts.hostname}:{port}", f"{parts.path.lstrip('/')}.{table}"
    table = inputs.config.source_table(system, dataset)
    if table:
        return "hive", table
    return "file", str((Path(inputs.directory(system)) / dataset).resolve())


def _assertions(r):
    """Per system: its assertions on a run that committed (every audit held)."""
    from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq

    from recon.pipeline.audit import audits

    clean = r.result.findings == 0

    def of(system: str) -> list:
        counts = r.result.v1 if system == "v1" else r.result.v2
        return [
            dq.Assertion(assertion="rows_conserved", success=counts.conserved,
                         expected=str(counts.rows_read),
                         actual=str(counts.rows_matched + counts.rows_missing
                                    + counts.rows_rejected),
                         description="read = matched + missing + rejected"),
            *[dq.Assertion(assertion=name.removeprefix("audit/"), success=True)
              for name in audits()],
            dq.Assertion(assertion="clean", success=clean, expected="0",
                         actual=str(r.result.findings),
                         description="the date's findings (breaks when not clean)"),
        ]
    return of


def _failed_audits(error: BaseException) -> list:
    if not isinstance(error, AuditError):
        return []
    from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq

    return [dq.Assertion(assertion=name.removeprefix("audit/"), success=False,
                         description=problem) for name, problem in error.failures]


def for_config(config, warn) -> Lineage | None:
    """The lineage watcher of `config` ([lineage] url or file), or None."""
    if not (config.lineage_url or config.lineage_file):
        return None
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.file import FileConfig, FileTransport
    from openlineage.client.transport.http import HttpConfig, HttpTransport

    if config.lineage_url:
        transport = HttpTransport(HttpConfig(
            url=config.lineage_url, timeout=config.lineage_timeout,
            retry={"total": 1, "connect": 1, "read": 1, "backoff_factor": 0.1,
                   "status_forcelist": [500, 502, 503, 504],
                   "allowed_methods": ["POST"]}))
    else:
        try:
            Path(config.lineage_file).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot write the lineage file: {exc.strerror or exc}",
                             config.lineage_file) from None
        transport = FileTransport(FileConfig(log_file_path=config.lineage_file, append=True))
    return Lineage(OpenLineageClient(transport=transport), warn)
