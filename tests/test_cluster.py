"""recon on a real Spark standalone cluster (issue 32; `make test-cluster`, not in make
test): a master and two workers, each its own JVM process on 127.0.0.1, started here
with the pyspark package's own launcher (bin/spark-class) and stopped after. `recon
diff --engine spark` and jobs/spark_diff.py under `spark-submit --master spark://…`
give exactly the DuckDB engine's results (tests/spark_parity.py, the assertions the
local Spark tests make). The inputs and the Spark work directory are paths every
executor reads (here one machine's disk; on a real cluster HDFS or S3); the driver
keeps only the state and the outputs it writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from spark_parity import EVERY_KIND, assert_same_results, state, submit_job, worklist

from fixtures import spark_cluster
from fixtures.generate import Spec, generate
from recon.cli import cli

pytestmark = pytest.mark.cluster
pytest.importorskip("pyspark", reason="pyspark is not installed (make install)")
if shutil.which("java") is None:
    pytest.skip("the Spark cluster needs Java 17 (make test-cluster installs it)",
                allow_module_level=True)

DAYS = [date(2026, 11, 1), date(2026, 11, 2)]
WORKERS = 2


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """spark://127.0.0.1:<port>: a master and two workers of one core and 1 GB each."""
    try:
        started = spark_cluster.start(tmp_path_factory.mktemp("cluster"), workers=WORKERS)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield started
    started.stop()


def spark_config(cluster, work: Path) -> str:
    """The [spark] sections of a run on the test cluster: 4 shuffle partitions, 768 MB
    executors."""
    return cluster.recon_config(work, partitions=4, memory="768m")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Two dates with every kind of finding, and the DuckDB engine's results on them."""
    root = tmp_path_factory.mktemp("ledger")
    data = generate(root / "data", Spec(start=DAYS[0], days=2, entries=400, accounts=40,
                                        breaks=2, junk=6, balance_breaks=1, seed=7,
                                        format="parquet", files=3))
    duck = root / "duckdb"
    result = CliRunner().invoke(cli, [
        "diff", "--from", str(DAYS[0]), "--to", str(DAYS[-1]), "--v1", str(data / "v1"),
        "--v2", str(data / "v2"), "--out", str(duck / "out"), "--db",
        str(duck / "recon.duckdb"), "--no-html", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return data, duck


def test_recon_diff_on_the_cluster_gives_the_duckdb_engines_results(cluster, ledger,
                                                                    tmp_path):
    data, duck = ledger
    root = tmp_path / "spark"
    config = tmp_path / "recon.toml"
    config.write_text('engine = "spark"\n' + spark_config(cluster, tmp_path / "spark-work"))
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "recon"), "diff", "--from", str(DAYS[0]),
         "--to", str(DAYS[-1]), "--v1", str(data / "v1"), "--v2", str(data / "v2"),
         "--out", str(root / "out"), "--db", str(root / "recon.duckdb"), "--no-html",
         "--fail-on", "never", "--config", str(config)],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert assert_same_results(duck, root, DAYS) >= EVERY_KIND
    # the work ran on the cluster's executors, not in the driver
    apps = cluster.state()["completedapps"] + cluster.state()["activeapps"]
    assert any(app["name"] == "recon" for app in apps)
    assert not list((tmp_path / "spark-work").glob("*/*"))   # each date's steps deleted


def test_spark_submit_to_the_cluster_runs_the_job(cluster, ledger, tmp_path):
    master = cluster.master
    data, duck = ledger
    root = tmp_path / "submitted"
    submit_job(master, data, root, DAYS[0], "spark.executor.memory=768m",
               f"spark.cores.max={WORKERS}")
    assert worklist(root, DAYS[0]) == worklist(duck, DAYS[0])


# -- database sources on Spark, through JDBC ------------------------------------------------

@pytest.fixture(scope="module")
def pg(ledger):
    """A PostgreSQL server holding the ledger (tables v1_* and v2_*)."""
    from fixtures import databases
    from tests import servers

    server = servers.start_postgres()
    try:
        data, _ = ledger
        for system in ("v1", "v2"):
            databases.load(data / system, server.url(), servers.PASSWORD, system)
        yield server
    finally:
        server.stop()


def pg_config(path: Path, server, engine: str, cluster=None, work: Path | None = None
              ) -> Path:
    lines = [f'engine = "{engine}"']
    for system in ("v1", "v2"):
        lines += [f"[sources.{system}]", f'url = "{server.url()}"',
                  'password_env = "RECON_TEST_PASSWORD"',
                  f'entries_table = "{system}_entries"', f'balances_table = "{system}_balances"']
    path.write_text("\n".join(lines) + "\n"
                    + (spark_config(cluster, work) if cluster is not None else ""))
    return path


def diff_in_process(config: Path, root: Path, days=DAYS) -> None:
    result = CliRunner().invoke(cli, [
        "diff", "--from", str(days[0]), "--to", str(days[-1]), "--out", str(root / "out"),
        "--db", str(root / "recon.duckdb"), "--no-html", "--fail-on", "never",
        "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_postgres_read_by_the_executors_gives_the_duckdb_engines_results(
        cluster, pg, tmp_path, monkeypatch):
    from tests import servers

    cluster_root = cluster.root
    monkeypatch.setenv("RECON_TEST_PASSWORD", servers.PASSWORD)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    duck, spark = tmp_path / "duckdb", tmp_path / "spark"
    diff_in_process(pg_config(tmp_path / "duck.toml", pg, "duckdb"), duck)
    diff_in_process(pg_config(tmp_path / "spark.toml", pg, "spark", cluster,
                              tmp_path / "work"), spark)
    assert assert_same_results(duck, spark, DAYS) >= EVERY_KIND - {"DUPLICATE_SERIAL"}
    # the run log names each source, its query and its rows as the DuckDB engine's does
    def inputs(root: Path) -> list[dict]:
        return [{name: [{**read, "snapshot_at": None} for read in reads]
                 for name, reads in json.loads(i).items()}
                for (i,) in state(root, "SELECT inputs FROM runs ORDER BY biz_date")]
    assert inputs(spark) == inputs(duck)
    # the password is in no log of the cluster (master, workers, executors)
    for log in cluster_root.rglob("*"):
        if log.is_file() and log.suffix != ".jar":
            assert servers.PASSWORD not in log.read_text(errors="replace"), log


def test_every_partition_reads_the_one_snapshot(cluster, pg, tmp_path, monkeypatch):
    """Rows committed while the executors read (after the driver took the snapshot)
    are in no partition: the result is the DuckDB engine's before the commit."""
    from recon.engines import spark_jdbc
    from tests import servers

    monkeypatch.setenv("RECON_TEST_PASSWORD", servers.PASSWORD)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    day = DAYS[:1]
    before = tmp_path / "before"
    diff_in_process(pg_config(tmp_path / "duck.toml", pg, "duckdb"), before, day)

    def commit_rows(snapshot: str) -> None:
        # an entry on an account of every hash bucket, committed at once
        (late,) = servers.sql(pg, [
            "INSERT INTO v1_entries (serial_no, account_id, direction, amount, currency, "
            "biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after, "
            "biz_date) SELECT 'LATE-' || serial_no, account_id, direction, amount, currency, "
            "biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after, "
            f"biz_date FROM v1_entries WHERE biz_date = DATE '{DAYS[0]}'",
            "SELECT count(*) FROM v1_entries WHERE serial_no LIKE 'LATE-%'"])
        assert late[0] > 0

    monkeypatch.setattr(spark_jdbc, "AFTER_SNAPSHOT", [commit_rows])
    spark = tmp_path / "spark"
    try:
        diff_in_process(pg_config(tmp_path / "spark.toml", pg, "spark", cluster,
                                  tmp_path / "work"), spark, day)
        assert worklist(spark, DAYS[0]) == worklist(before, DAYS[0])
        # ... and a read after the commit sees the rows
        after = tmp_path / "after"
        diff_in_process(pg_config(tmp_path / "duck.toml", pg, "duckdb"), after, day)
        assert len(worklist(after, DAYS[0])) > len(worklist(before, DAYS[0]))
    finally:
        servers.sql(pg, ["DELETE FROM v1_entries WHERE serial_no LIKE 'LATE-%'"])
