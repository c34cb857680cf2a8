"""The Spark engine: the same queries, transpiled, give exactly the DuckDB engine's results.

Runs where pyspark (the `spark` extra, requirements-spark.lock) and Java are installed,
as `make test` installs them; skipped with the reason otherwise.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
from spark_parity import (
    EVERY_KIND,
    assert_same_results,
    state,
    submit_job,
    summary,
    worklist,
)

from fixtures.generate import Spec, generate
from recon import pipeline
from recon.config import Config

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'recon[spark]')")
pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install 'recon[spark]')")
if shutil.which("java") is None:
    pytest.skip("the spark engine needs Java (17)", allow_module_level=True)

DAYS = [date(2026, 11, 1), date(2026, 11, 2)]


def run(data: Path, root: Path, engine: str, days=DAYS) -> Path:
    request = pipeline.DiffRequest(v1_dir=data / "v1", v2_dir=data / "v2", out_dir=root / "out",
                               db_path=root / "recon.duckdb",
                               config=Config(engine=engine, html=False))
    pipeline.diff(request, days)
    return root


# Two dates (state carried between them, cut-offs matched across them), Parquet, with a
# CSV file beside the Parquet files of one partition for the CSV readers: one run of
# each engine covers both formats (a Spark run is most of this suite's time).
def test_spark_gives_exactly_the_duckdb_engines_results(tmp_path):
    days = DAYS
    data = generate(tmp_path / "data", Spec(start=DAYS[0], days=2, entries=300, accounts=40,
                                            breaks=2, junk=6, balance_breaks=1, seed=7,
                                            format="parquet", files=2))
    part = data / "v1" / "entries" / f"biz_date={DAYS[0]}" / "part-9.csv"
    # a good line, a line with a stray quote, and a good line after it
    part.write_text(
        "serial_no,account_id,direction,amount,currency,biz_type,biz_order_no,posted_at,"
        "legal_entity,subject_code,balance_after\n"
        '"Q0","AC0000001","D","2.50","CNY","FEE","O-Q0","2026-11-01 09:00:00","LE01","2201",\n'
        '"Q1","AC0000001","C","1.00","CNY","DEPOSIT","O-Q1,"2026-11-01 10:00:00",'
        '"LE01","2201",""\n'
        '"Q2","AC0000001","C","1.00","CNY","DEPOSIT","O-Q2","2026-11-01 10:00:00",'
        '"LE01","2201",""\n', encoding="utf-8")
    duck = run(data, tmp_path / "duckdb", "duckdb", days)
    spark = run(data, tmp_path / "spark", "spark", days)
    kinds = assert_same_results(duck, spark, days)
    # "O-Q1," is a quoted field; the quote after the timestamp is stray
    assert "malformed CSV row: bad quoting" in {
        r["reason"] for r in summary(duck, DAYS[0])["rejects"]}
    assert kinds >= EVERY_KIND


def test_spark_reads_metastore_tables_as_the_duckdb_engine_reads_the_files(tmp_path):
    """The ledgers as partitioned Parquet tables in a catalog (--v1-table/--v2-table)
    give the findings the DuckDB engine gives from the same rows as files (one date:
    the state carried across dates is the parity test's)."""
    from recon.engines.spark import spark_session

    data = generate(tmp_path / "data", Spec(start=DAYS[0], days=2, entries=300, accounts=40,
                                            breaks=2, junk=6, balance_breaks=1, seed=11,
                                            format="parquet", files=2))
    duck = run(data, tmp_path / "duckdb", "duckdb", DAYS[:1])

    tables = {s: {"entries": f"ledger_{s}.entries", "balances": f"ledger_{s}.balances"}
              for s in ("v1", "v2")}
    config = Config(engine="spark", html=False, tables=tables,
                    spark_conf={"spark.sql.warehouse.dir": str(tmp_path / "warehouse")})
    spark = spark_session(config)
    for system in ("v1", "v2"):
        spark.sql(f"CREATE DATABASE ledger_{system}")
        for dataset in ("entries", "balances"):
            (spark.read.parquet(str(data / system / dataset))   # biz_date from the paths
             .write.partitionBy("biz_date").saveAsTable(tables[system][dataset]))
    root = tmp_path / "spark"
    pipeline.diff(pipeline.DiffRequest(v1_dir=None, v2_dir=None, out_dir=root / "out",
                               db_path=root / "recon.duckdb", config=config), DAYS[:1])

    for day in DAYS[:1]:
        assert worklist(root, day) == worklist(duck, day)
        tables_summary, files_summary = summary(root, day), summary(duck, day)
        for s in ("v1", "v2"):  # one table against the partition's two files
            assert (tables_summary["systems"][s].pop("files"),
                    files_summary["systems"][s].pop("files")) == (1, 2)
        assert tables_summary == files_summary
    for query in ("SELECT * EXCLUDE (run_id) FROM findings ORDER BY ALL",
                  "SELECT * EXCLUDE (source_file, source_row) FROM balances ORDER BY ALL",
                  "SELECT biz_date, system, dataset, reason FROM rejects ORDER BY ALL"):
        assert state(root, query) == state(duck, query)
    # every rejected row still names the file it came from and its row in that file
    files = state(root, "SELECT DISTINCT source_file FROM rejects")
    assert files and all(f.startswith("file:") and f.endswith(".parquet") for (f,) in files)
    assert state(root, "SELECT v1_dir, v2_dir FROM runs LIMIT 1") == [
        ("table:ledger_v1.entries, table:ledger_v1.balances",
         "table:ledger_v2.entries, table:ledger_v2.balances")]


def test_a_missing_table_or_date_is_an_input_error(tmp_path):
    from click.testing import CliRunner

    from recon.cli import cli

    data = generate(tmp_path / "data", Spec(start=DAYS[0], days=1, entries=50, accounts=5,
                                            seed=3, format="parquet"))
    base = ["diff", "--v1", str(data / "v1"), "--out", str(tmp_path / "out"),
            "--db", str(tmp_path / "recon.duckdb"), "--engine", "spark", "--no-html"]
    result = CliRunner().invoke(cli, [*base, "--date", str(DAYS[0]), "--v2-table", "nowhere"])
    assert result.exit_code == 3
    assert "nowhere.entries: v2 entries table not found" in result.output
    # the files engine's messages hold for Spark too: a missing partition names the path
    result = CliRunner().invoke(cli, [*base, "--date", "2026-12-01", "--v2", str(data / "v2")])
    assert result.exit_code == 3
    assert "missing entries partition for v1 on 2026-12-01" in result.output


@pytest.mark.slow   # 30 s of a JVM start: make test-slow
def test_spark_submit_runs_the_job_as_recon_diff_engine_spark(tmp_path):
    """jobs/spark_diff.py under spark-submit (master from spark-submit, local[2] on
    loopback here) gives the DuckDB engine's worklist and exits with recon's code.
    One date: the engine's work per date is what the parity tests above compare."""
    submit = Path(sys.executable).parent / "spark-submit"
    if not submit.exists():
        pytest.skip("spark-submit is not installed beside this Python (pip install pyspark)")
    data = generate(tmp_path / "data", Spec(start=DAYS[0], days=2, entries=200, accounts=30,
                                            breaks=2, junk=3, seed=5, format="parquet"))
    duck = run(data, tmp_path / "duckdb", "duckdb")
    root = tmp_path / "submitted"
    submit_job("local[2]", data, root, DAYS[0], timeout=300)
    assert worklist(root, DAYS[0]) == worklist(duck, DAYS[0])
