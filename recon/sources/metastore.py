"""Metastore tables: one system's dataset as a table partitioned by biz_date, read by
the Spark engine (recon/engines/spark.py) through the session's catalog."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recon.errors import InputError, first_line
from recon.sources import SourceFile, Table
from recon.sources.files import missing_partition


def table_source(spark, table: Table, dataset: str, biz_date: date,
                 system: str) -> SourceFile:
    """The table as one source, once it is known to exist, to have a biz_date column and
    rows on `biz_date`."""
    from pyspark.sql import functions as F

    try:
        if not spark.catalog.tableExists(table.name):
            raise InputError(f"{system} {dataset} table not found", table.name)
        frame = spark.table(table.name)
        if "biz_date" not in frame.columns:
            raise InputError(f"{system} {dataset} table has no biz_date column", table.name)
        if frame.where(F.col("biz_date").try_cast("date") == F.lit(biz_date)).isEmpty():
            raise missing_partition(system, dataset, biz_date, table.name)
    except InputError:
        raise
    except Exception as exc:  # pyspark raises several unrelated exception types
        raise InputError(f"cannot read table: {first_line(exc)}", table.name) from None
    return SourceFile(Path(table.name), "table", 0, 0)
