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
