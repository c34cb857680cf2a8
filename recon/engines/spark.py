"""The Spark engine: inputs read by Spark, the same statements transpiled by sqlglot to
Spark SQL, each step's result written as Parquet to a work directory, and the date's
evidence, aggregates and findings handed back to the state database (see
recon/engines/__init__.py).
"""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

from recon import queries
from recon.config import Config
from recon.engines import DATE_TABLES, STAGED_TABLES
from recon.engines.spark_io import HadoopFileSystem, duckdb_type, numbered_lines
from recon.errors import ConfigError, InputError, first_line
from recon.sources import Location, OpenedFile, SourceFile, Table, csvfile
from recon.sources.files import partition_files
from recon.sources.metastore import table_source
from recon.state.schema import TABLES, empty

# csvfile.LINE for Java's regex engine, whose * over an alternation recurses once per
# repetition (a long line overflows the stack): possessive quantifiers instead.
_JAVA_FIELD = r'(?:"(?:[^"]++|"")*+"|[^,"]*+)'
JAVA_LINE = rf"^{_JAVA_FIELD}(?:,{_JAVA_FIELD})*+$"


class SparkEngine:
    """The same work on Spark SQL: inputs read by Spark, statements transpiled by sqlglot."""

    name = "spark"
    # The legal_entity of an account's latest entry (see DuckDBEngine), written so
    # that sqlglot carries it to Spark as max_by over a struct.
    latest_entity = ("arg_max(legal_entity, struct_pack(t := posted_at, "
                     "h := hash(serial_no, legal_entity)))")

    def __init__(self, con, config: Config):
        try:
            import sqlglot  # noqa: F401
            from pyspark.sql import SparkSession  # noqa: F401
        except ImportError:
            raise ConfigError("the spark engine needs pyspark and sqlglot: "
                              "pip install 'recon[spark]'", config.source) from None
        self.con = con
        self.spark = spark_session(config)
        self._views: set[str] = set()
        self._own_work_dir = config.spark_work_dir is None
        self.work_dir = (config.spark_work_dir.rstrip("/") if config.spark_work_dir
                         else tempfile.mkdtemp(prefix="recon-spark-"))
        self.work_dir += f"/{uuid.uuid4().hex}"
        self._steps = itertools.count(1)
        self._paths: dict[str, str] = {}   # view -> the Parquet directory of its rows
        self._databases: dict[str, tuple[dict, dict]] = {}   # system -> its date's read
        self.config = config

    def begin(self, biz_date: date) -> None:
        """Start a date with no views and an empty work directory: each date's entries,
        balances and rejects are built afresh, from that date's inputs only."""
        self.drop(*self._views)
        self._clear_steps()
        self._databases.clear()

    # -- reading inputs ---------------------------------------------------------------

    def partition_files(self, location: Location, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        """The partition's files, listed through Hadoop's FileSystem, so a path without
        a scheme resolves against the cluster's default file system (HDFS, S3, ...).
        A metastore table is one source: the rows of its biz_date partition."""
        from recon.sources.database import Database

        if isinstance(location, Database):   # both datasets, one snapshot (spark_jdbc.py)
            if system not in self._databases:
                from recon.engines import spark_jdbc

                self._databases[system] = spark_jdbc.read(
                    self, location, biz_date,
                    lambda c: self.config.source_column(system, c),
                    self.config.spark_shuffle_partitions, self._materialise)
            return (self._databases[system][0][dataset],)
        if isinstance(location, Table):
            return (table_source(self.spark, location, dataset, biz_date, system),)
        return partition_files(location, dataset, biz_date, system,
                               HadoopFileSystem(self.spark))

    def open_sources(self, files: tuple[SourceFile, ...], stage: str, biz_date: date
                     ) -> list[OpenedFile]:
        """One relation per file (or the table)."""
        return [self.open_source(source, index, f"{stage}_{index}", biz_date)
                for index, source in enumerate(files)]

    def open_source(self, source: SourceFile, index: int, temp_name: str,
                    biz_date: date) -> OpenedFile:
        """Parquet: the file with its row index. CSV: read as lines numbered in file
        order; a line whose field count is not the header's is malformed (as DuckDB's
        reader rejects it), every other line is split with from_csv, all values text.
        A table: its rows of the date, each with its file and row index in that file
        (so file-based tables only: Parquet, as Hive and Spark write them)."""
        from pyspark.sql import functions as F

        path = str(source.path)
        if source.format == "database":
            frame = next(frames[dataset] for sources, frames in self._databases.values()
                         for dataset, s in sources.items() if s == source)
            self._view(frame, temp_name)
            return OpenedFile(source, temp_name, {f.name: duckdb_type(f.dataType)
                                                  for f in frame.schema.fields
                                                  if f.name != "file_row_number"}, None)
        if source.format == "table":
            return self._open_table(source, temp_name, biz_date)
        try:
            if source.format == "parquet":
                frame = self.spark.read.parquet(path)
                columns = {f.name: duckdb_type(f.dataType) for f in frame.schema.fields}
                frame = frame.select("*", F.col("_metadata.row_index").alias("file_row_number"))
                self._view(frame, temp_name)
                return OpenedFile(source, temp_name, columns, None)
            first = self.spark.read.text(path).head()
        except Exception as exc:  # pyspark raises several unrelated exception types
            raise InputError(f"cannot read {source.format} file: {first_line(exc)}",
                             path) from None
        if first is None or not first[0]:
            raise InputError("cannot read csv file: no header row", path)
        lines = numbered_lines(self.spark, path)
        # A local file is checked as the DuckDB engine checks it (recon/sources/csvfile.py);
        # one on a cluster file system by its first line as Spark reads it.
        header = (csvfile.header(source.path) if Path(path).is_file()
                  else next(csv.reader([first[0].lstrip("\ufeff")])))
        width = len(header)
        columns = {name: "VARCHAR" for name in header}
        # The rules of recon/sources/csvfile.py, line by line: a blank line is no row;
        # bytes that are not UTF-8 (read as U+FFFD), an odd number of quotes (a quoted
        # field spanning lines is not joined here), bad quoting or another number of
        # fields than the header's make the line malformed.
        value = F.regexp_replace("value", "\r$", "")
        stripped = F.regexp_replace(value, csvfile.QUOTED, "")
        fields = F.length(stripped) - F.length(F.regexp_replace(stripped, ",", "")) + 1
        quotes = F.length(value) - F.length(F.regexp_replace(value, '"', ""))
        shape = (F.when(F.instr(value, "\ufffd") > 0, F.lit("not UTF-8"))
                 .when((quotes % 2 == 1) & stripped.rlike('(^|,)"'), F.lit("unclosed quote"))
                 .when(quotes % 2 == 1, F.lit("bad quoting"))
                 .when(~value.rlike(JAVA_LINE), F.lit("bad quoting"))
                 .when(fields > width, F.concat(F.lit("too many fields ("),
                                                fields.cast("string"),
                                                F.lit(f", the header has {width})")))
                 .when(fields < width, F.concat(F.lit("too few fields ("),
                                                fields.cast("string"),
                                                F.lit(f", the header has {width})"))))
        data = (lines.where("line_no > 0").withColumn("value", value)
                .where(F.col("value") != "").withColumn("shape", shape))
        schema = ", ".join(f"{queries.ident(name, '`')} STRING" for name in header)
        rows = (data.where(F.col("shape").isNull())
                .select(F.from_csv("value", schema).alias("row"),
                        F.col("line_no").alias("file_row_number"))
                .select("row.*", "file_row_number"))
        malformed = (data.where(F.col("shape").isNotNull())
                     .select((F.col("line_no") + 1).alias("line"),
                             F.col("shape").alias("error_type"),
                             F.col("value").alias("csv_line")))
        self._view(rows, temp_name)
        self._view(malformed, f"{temp_name}_rejects")
        return OpenedFile(source, temp_name, columns, f"{temp_name}_rejects")

    def _open_table(self, source: SourceFile, temp_name: str, biz_date: date) -> OpenedFile:
        from pyspark.sql import functions as F

        name = str(source.path)
        try:
            frame = self.spark.table(name).where(
                F.col("biz_date").try_cast("date") == F.lit(biz_date))
            columns = {f.name: duckdb_type(f.dataType) for f in frame.schema.fields}
            frame = frame.select("*", F.col("_metadata.file_path").alias("__source_file"),
                                 F.col("_metadata.row_index").alias("file_row_number"))
            # Files are numbered in name order on the driver (a window over every row
            # would gather them in one task); the list is small.
            paths = sorted(r[0] for r in frame.select("__source_file").distinct().collect())
        except Exception as exc:  # pyspark raises several unrelated exception types
            raise InputError(f"cannot read table rows with their file and row index "
                             f"(Parquet tables only): {first_line(exc)}", name) from None
        numbers = self.spark.createDataFrame(list(enumerate(paths)),
                                             "file_index BIGINT, source_file STRING")
        self._view(numbers, f"{temp_name}_files")
        self._view(frame.join(F.broadcast(numbers.toDF("__file_index", "__source_file")),
                              "__source_file"), temp_name)
        return OpenedFile(source, temp_name, columns, None, file_index_column="__file_index",
                          files=f"{temp_name}_files")

    def read_error(self, files: tuple[SourceFile, ...], exc: Exception) -> Exception:
        """As DuckDBEngine.read_error: the first Parquet file Spark cannot read through."""
        from pyspark.sql import functions as F

        for source in files:
            if source.format != "parquet":
                continue
            try:
                frame = self.spark.read.parquet(str(source.path))
                frame.select(F.max(F.hash(*frame.columns))).collect()
            except Exception as err:  # pyspark raises several unrelated exception types
                return InputError(f"cannot read parquet file: {first_line(err)}",
                                  str(source.path))
        return exc

    # -- running statements -------------------------------------------------------------

    def execute(self, statement: str, params: dict) -> None:
        """One CREATE [OR REPLACE] TEMP TABLE ... AS or INSERT INTO ... SELECT, as a
        temp view over its materialised result."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(statement, read="duckdb")
        if not isinstance(tree, exp.Create | exp.Insert):
            raise ConfigError("the spark engine runs only CREATE TEMP TABLE ... AS and "
                              f"INSERT INTO ... SELECT, not: {statement.strip()[:60]}")
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        frame = self._sql(tree.expression.sql("spark"), params)
        if isinstance(tree, exp.Create) and tree.kind == "VIEW":
            self._view(frame, target.name)   # a view stays a view: its rows are read
            return                           # where it is used, not written here
        if isinstance(tree, exp.Insert):
            named = isinstance(tree.this, exp.Schema)  # INSERT INTO t (columns) SELECT ...
            if named:
                frame = frame.toDF(*(c.name for c in tree.this.expressions))
            if target.name in self._views:
                existing = self.spark.table(target.name)
                frame = existing.union(frame.select(*existing.columns) if named else frame)
        self._view(self._materialise(frame, target.name), target.name)

    def run(self, name: str, params: dict, **fragments: str) -> None:
        for statement in queries.statements(name, **fragments):
            self.execute(statement, params)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        import sqlglot

        spark_sql = sqlglot.transpile(text, read="duckdb", write="spark")[0]
        return [tuple(row) for row in self._sql(spark_sql, params or {}).collect()]

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.spark.catalog.dropTempView(table)
            self._views.discard(table)

    def finish(self, biz_date: date) -> None:
        """Bring what the date wrote back to the state database's connection, as temp
        tables: the staged rows (evidence, kept entries, balances, rejects), shaped as
        the state tables they are for (columns matched by name, taking the state
        tables' types; a table the date did not write, no rejects say, is empty), and the
        findings and aggregates.

        A local work directory holds each view's Parquet files, which DuckDB streams
        from; otherwise (HDFS, S3 on a cluster) the rows come through the driver as
        Arrow, within spark.driver.memory. Either way only evidence, aggregates and
        findings travel: the entries themselves stay in Spark."""
        for table in (*STAGED_TABLES, *DATE_TABLES):
            rows = self._rows(table)
            try:
                if table in DATE_TABLES:
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {rows}")
                    continue
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                                 + empty(TABLES[STAGED_TABLES[table]]))
                if rows is not None:
                    self.con.execute(f"INSERT INTO {table} BY NAME {rows}")
            finally:
                self.con.unregister("spark_rows")

    def _rows(self, table: str) -> str | None:
        """The SELECT that reads a view's rows into DuckDB, or None if there is none."""
        path = self._paths.get(table)
        if path is None:
            return None
        if "://" not in path or path.startswith("file:"):
            local = path.removeprefix("file://").removeprefix("file:")
            return f"SELECT * FROM read_parquet({queries.literal(local + '/*.parquet')})"
        self.con.register("spark_rows", self.spark.table(table).toArrow())
        return "SELECT * FROM spark_rows"

    def close(self) -> None:
        self.drop(*self._views)
        self._clear_steps()
        if self._own_work_dir:
            shutil.rmtree(os.path.dirname(self.work_dir), ignore_errors=True)
        self.spark.stop()

    def _materialise(self, frame, name: str):
        """Write a step's result to Parquet under the work directory and read it back:
        later steps read the result, not its lineage. (localCheckpoint would do the same
        in memory, but Spark 4.1 fails on a union of a checkpoint with itself or with
        a checkpoint of the same source: `key not found: <column>#<id>`.)"""
        path = f"{self.work_dir}/{next(self._steps):04d}-{name}"
        frame.write.parquet(path)
        self._paths[name] = path
        return self.spark.read.parquet(path)

    def _clear_steps(self) -> None:
        """Delete the steps' Parquet files (the views over them must be dropped first)."""
        path = self.spark._jvm.org.apache.hadoop.fs.Path(self.work_dir)
        path.getFileSystem(self.spark._jsc.hadoopConfiguration()).delete(path, True)
        self._paths.clear()

    def _view(self, frame, name: str) -> None:
        frame.createOrReplaceTempView(name)
        self._views.add(name)

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
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.level", "ERROR")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.jsonGenerator.ignoreNullFields", "false")
        .config("spark.sql.shuffle.partitions", str(config.spark_shuffle_partitions))
    )
    if master and master.startswith("local"):
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   # a local session's catalog lives as long as the session: keep its
                   # warehouse out of the working directory
                   .config("spark.sql.warehouse.dir",
                           os.path.join(tempfile.gettempdir(), "recon-spark-warehouse")))
    if config.databases:   # the JDBC drivers of database sources (spark_jdbc.py)
        from recon.engines.spark_jdbc import jars
        from recon.sources.database import Database

        found = jars(Database(s, d.url, d.password_env, d.reads)
                     for s, d in config.databases.items())
        if found:
            builder = builder.config("spark.jars", ",".join(found))
    for key, value in config.spark_conf.items():
        builder = builder.config(key, value)
    if config.spark_conf.get("spark.sql.catalogImplementation") == "hive":
        builder = builder.enableHiveSupport()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


