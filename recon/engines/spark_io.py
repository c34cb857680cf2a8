"""What the Spark engine reads with (recon/engines/spark.py): Hadoop's FileSystem for
listing partitions, a text file's lines numbered in file order, and the DuckDB name of
a Spark column type."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class HadoopFileSystem:
    """Hadoop's FileSystem, as recon/sources/files.py lists partitions."""

    def __init__(self, spark):
        self._jvm = spark._jvm
        self._conf = spark._jsc.hadoopConfiguration()

    def _resolve(self, path: Path):
        hpath = self._jvm.org.apache.hadoop.fs.Path(str(path))
        return hpath, hpath.getFileSystem(self._conf)

    def is_dir(self, path: Path) -> bool:
        hpath, fs = self._resolve(path)
        return fs.isDirectory(hpath)

    def files(self, path: Path) -> Iterable[tuple[str, int, int]]:
        hpath, fs = self._resolve(path)
        for status in fs.listStatus(hpath):
            if status.isFile():
                yield (status.getPath().getName(), status.getLen(),
                       status.getModificationTime() * 1_000_000)



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
