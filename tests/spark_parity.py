"""The Spark engine's parity with the DuckDB engine, asserted one way wherever Spark runs
(tests/test_spark.py on local[2], tests/test_cluster.py on a standalone cluster): the
same worklist, summary, findings, balances, rejects and worklist state, date by date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
from conftest import open_state

VOLATILE = {"run_id", "started_at", "finished_at", "engine"}
# every kind the generator plants: a parity run that saw them all compared every
# classification query
EVERY_KIND = {"MISSING_IN_V1", "MISSING_IN_V2", "SERIAL_MISMATCH", "AMOUNT_MISMATCH",
              "DIRECTION_MISMATCH", "FIELD_MISMATCH", "DUPLICATE_SERIAL", "SPLIT_MISMATCH",
              "NETTING_DIFFERENCE", "BALANCE_MISMATCH", "ACCOUNT_MISSING_IN_V1",
              "ACCOUNT_MISSING_IN_V2", "ROLLFORWARD_BREAK", "BALANCE_ROW_MISSING",
              "TIMING_DIFFERENCE"}
STATE_QUERIES = (
    "SELECT * EXCLUDE (run_id) FROM findings ORDER BY ALL",
    "SELECT * FROM balances ORDER BY ALL",
    "SELECT * EXCLUDE (last_run_id, updated_at) FROM worklist ORDER BY ALL",
    "SELECT * FROM rejects ORDER BY ALL",
)


def worklist(root: Path, day: date) -> list[tuple]:
    return duckdb.connect().execute(
        f"SELECT * EXCLUDE (run_id) FROM read_parquet('{root}/out/{day}/worklist.parquet') "
        f"ORDER BY item_id").fetchall()


def summary(root: Path, day: date) -> dict:
    data = json.loads((root / "out" / str(day) / "summary.json").read_text())
    return {k: v for k, v in data.items() if k not in VOLATILE}


def state(root: Path, query: str) -> list[tuple]:
    con = open_state(root / "recon.duckdb")
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def assert_same_results(duck: Path, spark: Path, days: list[date],
                        queries: tuple[str, ...] = STATE_QUERIES) -> set[str]:
    """Spark's results under `spark` are the DuckDB engine's under `duck`; returns the
    kinds of finding the dates had."""
    kinds: set[str] = set()
    for day in days:
        rows = worklist(duck, day)
        assert rows and worklist(spark, day) == rows
        assert summary(spark, day) == summary(duck, day)
        assert [json.loads((root / "out" / str(day) / "summary.json").read_text())["engine"]
                for root in (duck, spark)] == ["duckdb", "spark"]
        kinds |= {k for k, n in summary(duck, day)["findings"].items() if n}
    for query in queries:
        assert state(spark, query) == state(duck, query), query
    return kinds


def submit_job(master: str, data: Path, root: Path, day: date, *conf: str,
               timeout: float = 600) -> None:
    """jobs/spark_diff.py under spark-submit to `master` (the driver on loopback, the UI
    off, `conf` more key=value settings), over one date of `data` into `root`: it exits
    with recon's code (1: findings were written) and records a Spark run."""
    import os
    import subprocess
    import sys

    submit = Path(sys.executable).parent / "spark-submit"
    settings = ("spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1",
                "spark.ui.enabled=false", *conf)
    result = subprocess.run(
        [str(submit), "--master", master, *(a for s in settings for a in ("--conf", s)),
         str(Path(__file__).parent.parent / "jobs" / "spark_diff.py"),
         "--date", str(day), "--v1", str(data / "v1"), "--v2", str(data / "v2"),
         "--out", str(root / "out"), "--db", str(root / "recon.duckdb"), "--no-html"],
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable},
        capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 1, result.stderr[-3000:]     # findings were written
    assert state(root, "SELECT biz_date, status, counts::JSON->>'engine' FROM runs") == [
        (day, "succeeded", "spark")]
