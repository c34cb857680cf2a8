"""Where the matching and classification queries run: DuckDB (default) or Spark SQL.

The queries are written once, in DuckDB's dialect, in recon/sql/ (match_key,
match_serial, diff_pairs, entry_findings, balance_findings). The DuckDB engine runs them
as they are. The Spark engine transpiles each statement with sqlglot to Spark SQL,
materialises every `CREATE TEMP TABLE x AS SELECT ...` as a checkpointed temp view `x`
(an `INSERT INTO x SELECT ...` as a union onto it), and at the end brings `run_findings`
back into DuckDB as Arrow. From there on (item ids, severity, conservation, worklist,
outputs) the run is the same for both engines: the state database stays DuckDB.

Engine-specific code is only this module: session set-up, moving the date's entries and
balances to Spark, and moving run_findings back. No query exists twice.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from recon import sql
from recon.config import Config
from recon.errors import ConfigError


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con):
        self.con = con

    def prepare(self, biz_date: date) -> None:
        """The date's entries and balances are already where the queries read them."""

    def run(self, name: str, params: dict, **fragments: str) -> None:
        sql.run(self.con, name, params, **fragments)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        return self.con.execute(text, sql.bound(text, params or {})).fetchall()

    def finish(self) -> None:
        """run_findings is already a DuckDB temp table."""

    def close(self) -> None:
        pass


class SparkEngine:
    """The classification on Spark SQL, transpiled from the DuckDB queries by sqlglot."""

    name = "spark"

    def __init__(self, con, config: Config):
        try:
            import sqlglot  # noqa: F401
            from pyspark.sql import SparkSession  # noqa: F401
        except ImportError:
            raise ConfigError("the spark engine needs pyspark and sqlglot: "
                              "pip install 'recon[spark]'", config.source) from None
        self.con = con
        self.spark = spark_session(config)
        self.workdir = Path(tempfile.mkdtemp(prefix="recon-spark-"))

    def prepare(self, biz_date: date) -> None:
        """Hand the date's loaded entries and balances to Spark (as Parquet)."""
        for table in ("entries", "balances"):
            path = self.workdir / f"{table}-{biz_date.isoformat()}.parquet"
            self.con.execute(
                f"COPY (SELECT * FROM {table} WHERE biz_date = $d) "
                f"TO {sql.literal(str(path))} (FORMAT parquet)", {"d": biz_date})
            self.spark.read.parquet(str(path)).createOrReplaceTempView(table)

    def run(self, name: str, params: dict, **fragments: str) -> None:
        import sqlglot
        from sqlglot import exp

        for statement in sql.statements(name):
            for key, fragment in fragments.items():
                statement = statement.replace("{" + key + "}", fragment)
            tree = sqlglot.parse_one(statement, read="duckdb")
            if not isinstance(tree, exp.Create | exp.Insert):
                raise ConfigError(f"recon/sql/{name}.sql: the spark engine runs only "
                                  f"CREATE TEMP TABLE ... AS and INSERT INTO ... SELECT")
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            frame = self._sql(tree.expression.sql("spark"), params)
            if isinstance(tree, exp.Insert):
                frame = self.spark.table(target.name).union(frame)
            frame.localCheckpoint().createOrReplaceTempView(target.name)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        import sqlglot

        spark_sql = sqlglot.transpile(text, read="duckdb", write="spark")[0]
        return [tuple(row) for row in self._sql(spark_sql, params or {}).collect()]

    def finish(self) -> None:
        """Bring run_findings back into DuckDB, with the same column types."""
        self.con.register("spark_run_findings", self.spark.table("run_findings").toArrow())
        try:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE run_findings AS SELECT * FROM spark_run_findings")
        finally:
            self.con.unregister("spark_run_findings")

    def close(self) -> None:
        self.spark.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _sql(self, spark_sql: str, params: dict):
        args = {k: v for k, v in params.items() if f":{k}" in spark_sql}
        return self.spark.sql(spark_sql, args=args or None)


def spark_session(config: Config):
    """A Spark session, UI off. Under spark-submit the cluster's master is used as given;
    otherwise `[spark] master` (default local[2]), bound to loopback when local."""
    from pyspark.sql import SparkSession

    submitted = "PYSPARK_GATEWAY_PORT" in os.environ     # launched by spark-submit
    master = None if submitted else config.spark_master
    if master and master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("recon")
    if master:
        builder = builder.master(master)
    builder = (
        builder
        .config("spark.ui.enabled", "false")
        .config("spark.log.level", "ERROR")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.shuffle.partitions", str(config.spark_shuffle_partitions))
    )
    if master and master.startswith("local"):
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def engine_for(con, config: Config):
    if config.engine == "spark":
        return SparkEngine(con, config)
    return DuckDBEngine(con)
