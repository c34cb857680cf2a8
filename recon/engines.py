"""Where a date's heavy work runs: DuckDB (default) or Spark SQL.

The work is written once, in DuckDB's dialect: the typing and checking of every input
row (recon/load.py builds it per file), and the loading, matching and classification
queries in recon/sql/ (insert_entries, insert_balances, the rejects, match_key,
match_serial, diff_pairs, entry_findings, balance_findings). An engine supplies only
what differs between the two:

- reading inputs: listing a partition's files and opening each one as a relation with
  its row numbers (and, for CSV, the lines that cannot be split into the header's
  columns);
- running a statement: the DuckDB engine runs it as it is, in the state database's
  transaction. The Spark engine transpiles it with sqlglot to Spark SQL and keeps every
  `CREATE TEMP TABLE x AS SELECT ...` as a temp view `x` over the step's result, written
  as Parquet to a work directory (an `INSERT INTO x SELECT ...` as a union onto it);
- handing results back: the Spark engine brings the date's entries, balances, rejects
  and findings back into the state database (DuckDB), which reads the steps' Parquet
  files. From there on (item ids, severity, conservation audits, daily aggregates,
  worklist, outputs) both engines share one path.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import os
import re
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

import duckdb

from recon import sql
from recon.config import Config
from recon.errors import ConfigError, InputError
from recon.load import (
    OpenedFile,
    SourceFile,
    Table,
    missing_partition,
    no_files,
    partition_dir,
    partition_files,
    source_file,
)

# What a date writes to the state database, brought back by the Spark engine: the state
# tables (their date's rows replaced) and the temp tables the shared path reads on.
STATE_TABLES = ("evidence", "entries", "balances", "rejects")
DATE_TABLES = ("run_findings", "day_accounts", "day_flows")
CREATED = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(TABLE|VIEW)\s+"
                     r"([A-Za-z_][A-Za-z0-9_]*)", re.I)


class DuckDBEngine:
    name = "duckdb"

    # The legal_entity of an account's latest entry: the greatest (posted_at,
    # hash(serial_no, legal_entity)), packed into one HUGEINT (microseconds × 2^64 + a
    # 64-bit hash), so the aggregate keeps one value per account (ordering by text kept
    # every entry: twice as slow at 10M a side). Entries posted at the same instant are
    # told apart by their values alone, so the same entries in v1 and v2 pick the same
    # one, whatever the files' layout. 0.36 s a side at 10M entries; packing into 64
    # bits (12 of them hash) saves a fifth of that and loses the exact tie-break.
    latest_entity = ("arg_max_null(legal_entity, "
                     "CAST(epoch_us(posted_at) AS HUGEINT) * 18446744073709551616 "
                     "+ hash(serial_no, legal_entity))")

    def __init__(self, con):
        self.con = con
        self._created: dict[str, str] = {}   # temp table or view -> TABLE | VIEW

    def begin(self, biz_date: date) -> None:
        """Drop what the previous date left: the queries read the sources and write the
        state database; only the date's own temp tables and views are in between."""
        self._drop_created()

    # -- reading inputs ---------------------------------------------------------------

    def partition_files(self, location: Path | Table, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        if isinstance(location, Table):
            raise ConfigError(f"{system} {dataset} is a table ({location.name}); tables are "
                              f"read by the spark engine (--engine spark)")
        return partition_files(location, dataset, biz_date, system)

    def open_sources(self, files: tuple[SourceFile, ...], stage: str, biz_date: date
                     ) -> list[OpenedFile]:
        """The relations to read a partition's files from. Consecutive Parquet files with
        the same columns and types are one relation, one multi-file read_parquet (its
        file_index says which file a row came from): a union of one scan per file is
        a quarter slower to join at 5M entries a side."""
        opened: list[OpenedFile] = []
        group: list[tuple[int, SourceFile]] = []
        schema: dict[str, str] | None = None
        for index, source in enumerate(files):
            if source.format != "parquet":
                opened += self._parquet_group(group, schema)
                group, schema = [], None
                file = self.open_source(source, index, f"{stage}_{index}", biz_date)
                opened.append(dataclasses.replace(file, covers=((index, source),)))
                continue
            columns = self._parquet_columns(source)
            if group and columns != schema:
                opened += self._parquet_group(group, schema)
                group = []
            group.append((index, source))
            schema = columns
        return opened + self._parquet_group(group, schema)

    def _parquet_columns(self, source: SourceFile) -> dict[str, str]:
        path = str(source.path)
        try:
            described = self.con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({sql.literal(path)}, "
                f"hive_partitioning = false)").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read parquet file: {first_line(exc)}", path) from None
        return {name: typ for name, typ, *_ in described}

    @staticmethod
    def _parquet_group(group: list[tuple[int, SourceFile]], columns: dict[str, str] | None
                       ) -> list[OpenedFile]:
        """One relation over consecutive files of one schema, each row numbered by its
        file's place in the partition. A file with a column of its own named file_index
        hides DuckDB's, so such files are read one by one."""
        if not group:
            return []
        columns = dict(columns or {})
        if "file_index" in columns and len(group) > 1:
            return [f for member in group
                    for f in DuckDBEngine._parquet_group([member], columns)]
        paths = "[" + ", ".join(sql.literal(str(s.path)) for _, s in group) + "]"
        first = group[0][0]
        number = str(first) if len(group) == 1 else f"{first} + file_index"
        relation = (f"(SELECT *, {number} AS __file_index "
                    f"FROM read_parquet({paths}, file_row_number = true, "
                    f"hive_partitioning = false, union_by_name = false))")
        return [OpenedFile(group[0][1], relation, columns, None,
                           file_index_column="__file_index", covers=tuple(group))]

    def open_source(self, source: SourceFile, index: int, temp_name: str,
                    biz_date: date) -> OpenedFile:
        """Describe one file and give the relation to select it from.

        CSV is read once, as text, into a temp table that numbers its rows in file
        order; rows DuckDB cannot split into the header's columns land in a rejects
        table."""
        path = str(source.path)
        try:
            if source.format == "parquet":
                relation = (f"read_parquet({sql.literal(path)}, file_row_number = true, "
                            f"hive_partitioning = false)")
                described = self.con.execute(f"DESCRIBE SELECT * FROM {relation}")
                columns = {name: typ for name, typ, *_ in described.fetchall()}
                columns.pop("file_row_number", None)
                return OpenedFile(source, relation, columns, None)
            self._created.update({temp_name: "TABLE", f"{temp_name}_scans": "TABLE",
                                  f"{temp_name}_rejects": "TABLE"})
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {temp_name} AS "
                f"SELECT *, row_number() OVER () AS __ordinal "
                f"FROM read_csv($p, header = true, all_varchar = true, delim = ',', "
                f"quote = '\"', escape = '\"', parallel = false, hive_partitioning = false, "
                f"store_rejects = true, rejects_table = {sql.literal(temp_name + '_rejects')}, "
                f"rejects_scan = {sql.literal(temp_name + '_scans')})",
                {"p": path},
            )
        except duckdb.Error as exc:
            raise InputError(f"cannot read {source.format} file: {first_line(exc)}",
                             path) from None
        described = self.con.execute(f"DESCRIBE {temp_name}").fetchall()
        columns = {name: typ for name, typ, *_ in described if name != "__ordinal"}
        # CSV data rows are numbered 1.. in file order; a row DuckDB rejected as
        # malformed keeps its number, so the rows after it are shifted past it.
        relation = (
            f"(SELECT t.*, t.__ordinal + (SELECT count(*) FROM "
            f"(SELECT line - 1 - row_number() OVER (ORDER BY line) AS before "
            f"FROM (SELECT DISTINCT line FROM {temp_name}_rejects)) r "
            f"WHERE r.before < t.__ordinal) AS file_row_number "
            f"FROM {temp_name} t)"
        )
        return OpenedFile(source, relation, columns, f"{temp_name}_rejects")

    # -- running statements -------------------------------------------------------------

    def execute(self, statement: str, params: dict) -> None:
        self._track(statement)
        self.con.execute(statement, sql.bound(statement, params))

    def run(self, name: str, params: dict, **fragments: str) -> None:
        for statement in sql.statements(name, **fragments):
            self.execute(statement, params)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        return self.con.execute(text, sql.bound(text, params or {})).fetchall()

    def clear(self, dataset: str, system: str, biz_date: date) -> None:
        """Remove what an earlier run wrote for this date, system and dataset: its
        rejects, and its balances, or its evidence and kept entries."""
        where = {"d": biz_date, "s": system, "ds": dataset}
        self.con.execute(
            "DELETE FROM rejects WHERE biz_date = $d AND system = $s AND dataset = $ds", where)
        tables = ("evidence", "entries") if dataset == "entries" else (dataset,)
        for table in tables:
            self.con.execute(f"DELETE FROM {table} WHERE biz_date = $d AND system = $s",
                             {"d": biz_date, "s": system})

    def drop(self, *tables: str) -> None:
        for table in tables:
            kind = self._created.pop(table, "TABLE")
            self.con.execute(f"DROP {kind} IF EXISTS {table}")

    def finish(self, biz_date: date) -> None:
        """Everything is already in the state database."""

    def close(self) -> None:
        self._drop_created()

    def _track(self, statement: str) -> None:
        created = CREATED.match(statement)
        if created:
            self._created[created.group(2)] = created.group(1).upper()

    def _drop_created(self) -> None:
        """Views first: a view over a dropped table cannot be dropped cleanly."""
        for kind in ("VIEW", "TABLE"):
            for name in [n for n, k in self._created.items() if k == kind]:
                self.drop(name)


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

    def begin(self, biz_date: date) -> None:
        """Start a date with no views and an empty work directory: each date's entries,
        balances and rejects are built afresh, from that date's inputs only."""
        self.drop(*self._views)
        self._clear_steps()

    # -- reading inputs ---------------------------------------------------------------

    def partition_files(self, location: Path | Table, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        """The partition's files, listed through Hadoop's FileSystem, so a path without
        a scheme resolves against the cluster's default file system (HDFS, S3, ...).
        A metastore table is one source: the rows of its biz_date partition."""
        if isinstance(location, Table):
            return (self._table_source(location, dataset, biz_date, system),)
        dataset_dir = location
        jvm = self.spark._jvm
        conf = self.spark._jsc.hadoopConfiguration()
        root = jvm.org.apache.hadoop.fs.Path(str(dataset_dir))
        fs = root.getFileSystem(conf)
        if not fs.isDirectory(root):
            raise InputError(f"{system} dataset directory not found", str(dataset_dir))
        part = partition_dir(dataset_dir, dataset, biz_date)
        hpart = jvm.org.apache.hadoop.fs.Path(str(part))
        if not fs.isDirectory(hpart):
            raise missing_partition(system, dataset, biz_date, str(part))
        files = []
        for status in fs.listStatus(hpart):
            if status.isFile():
                found = source_file(part / status.getPath().getName(), status.getLen(),
                                    status.getModificationTime() * 1_000_000)
                if found is not None:
                    files.append(found)
        if not files:
            raise no_files(system, dataset, str(part))
        return tuple(sorted(files, key=lambda f: f.path.name))

    def _table_source(self, table: Table, dataset: str, biz_date: date,
                      system: str) -> SourceFile:
        from pyspark.sql import functions as F

        try:
            if not self.spark.catalog.tableExists(table.name):
                raise InputError(f"{system} {dataset} table not found", table.name)
            frame = self.spark.table(table.name)
            if "biz_date" not in frame.columns:
                raise InputError(f"{system} {dataset} table has no biz_date column", table.name)
            if frame.where(F.col("biz_date").try_cast("date") == F.lit(biz_date)).isEmpty():
                raise missing_partition(system, dataset, biz_date, table.name)
        except InputError:
            raise
        except Exception as exc:  # pyspark raises several unrelated exception types
            raise InputError(f"cannot read table: {first_line(exc)}", table.name) from None
        return SourceFile(Path(table.name), "table", 0, 0)

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
        header = next(csv.reader([first[0].lstrip("\ufeff")]))
        columns = {name: "VARCHAR" for name in header}
        # Fields outside quotes are separated by commas; quoted text ("" inside) is removed
        # before they are counted.
        fields = F.size(F.split(F.regexp_replace("value", r'"([^"]|"")*"', ""), ",", -1))
        data = lines.where("line_no > 0").withColumn("fields", fields)
        schema = ", ".join(f"{spark_ident(name)} STRING" for name in header)
        rows = (data.where(F.col("fields") == len(header))
                .select(F.from_csv("value", schema).alias("row"),
                        F.col("line_no").alias("file_row_number"))
                .select("row.*", "file_row_number"))
        malformed = (data.where(F.col("fields") != len(header))
                     .select((F.col("line_no") + 1).alias("line"),
                             F.when(F.col("fields") > len(header), "TOO MANY COLUMNS")
                             .otherwise("MISSING COLUMNS").alias("error_type"),
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
        for statement in sql.statements(name, **fragments):
            self.execute(statement, params)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        import sqlglot

        spark_sql = sqlglot.transpile(text, read="duckdb", write="spark")[0]
        return [tuple(row) for row in self._sql(spark_sql, params or {}).collect()]

    def clear(self, dataset: str, system: str, biz_date: date) -> None:
        """Nothing: the views hold this date's rows only (see begin)."""

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.spark.catalog.dropTempView(table)
            self._views.discard(table)

    def finish(self, biz_date: date) -> None:
        """Bring what the date wrote back into the state database: the rows of the state
        tables (evidence, kept entries, balances, rejects), replacing what an earlier run
        of the date left there, and the findings and aggregates as temp tables. Columns
        are matched by name and take the state tables' types. A table the date did not
        write (no rejects, say) has no rows for it.

        A local work directory holds each view's Parquet files, which DuckDB streams
        from; otherwise (HDFS, S3 on a cluster) the rows come through the driver as
        Arrow, within spark.driver.memory. Either way only evidence, aggregates and
        findings travel: the entries themselves stay in Spark."""
        for table in (*STATE_TABLES, *DATE_TABLES):
            rows = self._rows(table)
            try:
                if table in DATE_TABLES:
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {rows}")
                    continue
                self.con.execute(f"DELETE FROM {table} WHERE biz_date = ?", [biz_date])
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
            return f"SELECT * FROM read_parquet({sql.literal(local + '/*.parquet')})"
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


def numbered_lines(spark, path: str):
    """The lines of a text file with their 0-based line numbers, in file order, computed
    in the JVM: monotonically_increasing_id() is (partition << 33) + place in the
    partition, and the partitions are the file's splits in order, so each partition's
    offset is the count of lines before it."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    raw = (spark.read.text(path)
           .select("value", F.monotonically_increasing_id().alias("id"))
           .withColumn("part", F.shiftright("id", 33)))
    offsets = (raw.groupBy("part").count()
               .select("part", (F.sum("count").over(Window.orderBy("part"))
                                - F.col("count")).alias("offset")))
    return (raw.join(F.broadcast(offsets), "part")
            .select("value", (F.col("offset") + F.col("id") - F.shiftleft("part", 33))
                    .alias("line_no")))


def duckdb_type(spark_type) -> str:
    """The DuckDB name of a Spark column type, as load.py's rules read it (decimals
    and timestamps are what they distinguish)."""
    from pyspark.sql import types as T

    if isinstance(spark_type, T.DecimalType):
        return f"DECIMAL({spark_type.precision},{spark_type.scale})"
    if isinstance(spark_type, T.TimestampType | T.TimestampNTZType):
        return "TIMESTAMP"
    names = {T.StringType: "VARCHAR", T.DateType: "DATE", T.LongType: "BIGINT",
             T.IntegerType: "INTEGER", T.DoubleType: "DOUBLE", T.BooleanType: "BOOLEAN"}
    return names.get(type(spark_type), spark_type.simpleString().upper())


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
    for key, value in config.spark_conf.items():
        builder = builder.config(key, value)
    if config.spark_conf.get("spark.sql.catalogImplementation") == "hive":
        builder = builder.enableHiveSupport()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def engine_for(con, config: Config):
    if config.engine == "spark":
        return SparkEngine(con, config)
    return DuckDBEngine(con)


def spark_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
