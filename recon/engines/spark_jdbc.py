"""Database sources on the Spark engine, through JDBC (Debian's drivers:
libpostgresql-jdbc-java, libmariadb-java; `[spark] jars` or the default paths below).

A system's dataset is read by the executors in `[spark] shuffle_partitions` partitions,
split by a hash of account_id on the server (PostgreSQL `hashtext`), so an account never
spans two partitions; rows without an account go with partition 0. Every partition reads
in the same snapshot: the driver opens a REPEATABLE READ transaction, exports its
snapshot (`pg_export_snapshot()`) and holds the transaction open while the executors
read; each partition's session starts with `SET TRANSACTION SNAPSHOT` on it (JDBC's
sessionInitStatement), so rows committed during the read are in no partition, and the
entries and balances are one snapshot, as the DuckDB engine reads them.

MySQL and MariaDB have no way to share one snapshot between sessions, so parallel
partitions could each see a different moment: a system read from MySQL is refused on
the Spark engine (recon/sources/__init__.py), and read by the DuckDB engine instead.

The rows are then what the DuckDB engine makes of them (recon/sources/database.py): the
same columns checked, the same types (an unconstrained NUMERIC stays text), each row
numbered by its place in the order of the source's key, then every other column, NULLs
first, in byte order; the same source label and snapshot time in the run log. The
password comes from `password_env` and goes only into the JDBC properties, which Spark
redacts from its plans, logs and UI (spark.redaction.regex matches "password").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from recon.errors import InputError, ReconError
from recon.sources import SourceFile
from recon.sources.database import read_failed, snapshot_sources
from recon.sources.dbread import check_biz_date, check_columns, key_order

JARS = {"postgresql": "/usr/share/java/postgresql.jar"}
DRIVERS = {"postgresql": "org.postgresql.Driver"}
# Called with the exported snapshot's id once it is taken, before the executors read
# (a test commits rows there, to see that no partition reads them).
AFTER_SNAPSHOT: list[Callable[[str], None]] = []


def jars(databases) -> list[str]:
    """The JDBC driver jars the session needs for these database sources."""
    return sorted({JARS[d.kind] for d in databases if d.kind in JARS})


def jdbc_url(db) -> tuple[str, dict[str, str]]:
    """The JDBC URL of a database source and its properties (user; the URL's query
    parameters), without the password."""
    parts = urlsplit(db.url)
    url = f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path or '/'}"
    props = {"user": unquote(parts.username or "")} if parts.username else {}
    props.update(dict(parse_qsl(parts.query)))
    return url, props


@contextlib.contextmanager
def exported_snapshot(db, password: str | None) -> Iterator[str]:
    """A snapshot of `db`, exported from a REPEATABLE READ transaction that stays open
    until the block ends (the snapshot lives as long as it)."""
    import adbc_driver_postgresql.dbapi as pg

    from recon.sources.postgres import _postgres_uri

    with pg.connect(_postgres_uri(db.secret_url(password)), autocommit=True) as conn, \
            conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cur.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cur.fetchone()
            yield snapshot
        finally:
            cur.execute("COMMIT")


def read(engine, db, biz_date: date, column: Callable[[str], str], partitions: int,
         materialise) -> tuple[dict[str, SourceFile], dict[str, object]]:
    """Both datasets of `db` for `biz_date`, in one snapshot: per dataset its source and
    its numbered rows (a DataFrame over the work directory: read once, while the
    snapshot is held)."""
    password = db.password()
    started = datetime.now(UTC).replace(tzinfo=None)
    frames, rows = {}, {}
    try:
        with exported_snapshot(db, password) as snapshot:
            for hook in AFTER_SNAPSHOT:
                hook(snapshot)
            for dataset in db.reads:
                frame = _read(engine.spark, db, dataset, biz_date, password, snapshot,
                              partitions, column("account_id"))
                check_columns(db, dataset, frame.columns)
                frames[dataset] = materialise(frame, f"db_{db.system}_{dataset}_read")
                rows[dataset] = frames[dataset].count()
    except (ReconError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:   # py4j, the driver and ADBC raise their own types
        raise read_failed(exc, db, password) from None
    sources = snapshot_sources(db, biz_date, started, rows)
    numbered = {dataset: _numbered(frames[dataset], dataset, column, materialise,
                                   f"db_{db.system}_{dataset}")
                for dataset in db.reads}
    return sources, numbered


def _read(spark, db, dataset: str, biz_date: date, password: str | None, snapshot: str,
          partitions: int, account_name: str):
    """One dataset's rows by the executors, a partition per hash bucket of account_id."""
    from recon import queries

    url, props = jdbc_url(db)
    statement = db.statement(dataset, biz_date)
    # the result's columns and types, read once: a table's biz_date is checked to be a
    # DATE, and the account column found (the config may map it)
    probe = (spark.read.format("jdbc").options(**_options(url, props, password))
             .option("query", f"SELECT * FROM ({statement}) AS q WHERE 1 = 0").load())
    if db.reads[dataset][0] == "table":
        check_biz_date(db, dataset, probe.columns,
                       [f.dataType.simpleString() for f in probe.schema.fields],
                       [f.dataType.typeName() == "date" for f in probe.schema.fields])
    found = [name for name in probe.columns if name.lower() == account_name.lower()]
    if not found:
        raise InputError(f"{dataset}: the result has no column {account_name}", db.name)
    account = queries.ident(found[0], db.quote)
    bucket = f"mod(abs(hashtext({account})::bigint), {partitions})"
    predicates = [f"{bucket} = {i}" + (f" OR {account} IS NULL" if i == 0 else "")
                  for i in range(partitions)]
    options = {**_options(url, props, password), "fetchsize": "10000",
               "sessionInitStatement": (
                   "BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                   f"SET TRANSACTION SNAPSHOT '{snapshot}'")}
    frame = spark.read.jdbc(url, f"({statement}) AS recon_q", predicates=predicates,
                            properties=options)
    return _text_for_unconstrained_numeric(frame)


def _options(url: str, props: dict, password: str | None) -> dict:
    return {"url": url, "driver": DRIVERS["postgresql"], "preferTimestampNTZ": "true",
            **props, **({"password": password} if password is not None else {})}


def _text_for_unconstrained_numeric(frame):
    """An unconstrained NUMERIC comes through JDBC as DECIMAL(38,18): as the DuckDB
    engine does, keep it text, checked row by row as a CSV amount is."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    wide = [f.name for f in frame.schema.fields
            if isinstance(f.dataType, T.DecimalType) and (f.dataType.precision,
                                                          f.dataType.scale) == (38, 18)]
    if not wide:
        return frame
    return frame.select(*[F.regexp_replace(F.col(c).cast("string"), r"\.?0+$", "").alias(c)
                          if c in wide else F.col(c) for c in frame.columns])


def _numbered(frame, dataset: str, column: Callable[[str], str], materialise, name: str):
    """`frame` with file_row_number: its place (from 0) in the order of the source's key,
    then every other column, NULLs first: sorted, then numbered in the JVM (each sorted
    partition's offset is the count of the rows before it)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = [F.col(c).asc_nulls_first()
             for c in key_order(frame.columns, dataset, column)]
    ranked = materialise(frame.orderBy(*order)
                         .withColumn("__id", F.monotonically_increasing_id()), f"{name}_sorted")
    ranked = ranked.withColumn("__part", F.shiftright("__id", 33))
    offsets = (ranked.groupBy("__part").count()
               .select("__part", (F.sum("count").over(Window.orderBy("__part"))
                                  - F.col("count")).alias("__offset")))
    return (ranked.join(F.broadcast(offsets), "__part")
            .select(*[F.col(c) for c in frame.columns],
                    (F.col("__offset") + F.col("__id") - F.shiftleft("__part", 33))
                    .alias("file_row_number")))
