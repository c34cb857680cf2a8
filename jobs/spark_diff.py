"""spark-submit entry point: `recon diff` with the inputs read, checked, matched and
classified on the cluster.

    spark-submit --master yarn --deploy-mode client \\
        --conf spark.sql.shuffle.partitions=400 --conf spark.executor.memory=8g \\
        jobs/spark_diff.py --date 2026-11-01 --v1-table ledger_v1 --v2-table ledger_v2 \\
        --out /data/recon/out --db /data/recon/recon.duckdb --config recon-cluster.toml

(or --v1 / --v2 with dataset directories on the cluster's file system; the config's
[spark] work_dir must be a path the executors share, e.g. hdfs:///tmp/recon).

Arguments are those of `recon diff`; `--engine spark` is implied. The master and the
cluster settings come from spark-submit. The state database (DuckDB) is written by the
driver, so run in client mode on the machine that keeps it.
"""

from __future__ import annotations

import sys

from recon.cli import cli

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--engine" not in args:
        args += ["--engine", "spark"]
    cli(["diff", *args], prog_name="spark_diff")
