"""PostgreSQL sources through ADBC (adbc-driver-postgresql): binary COPY, streamed.
NUMERIC arrives as its exact text and is cast here to the column's declared
DECIMAL(p,s) (an unconstrained `numeric` stays text and is checked row by row, as a CSV
amount is). Both datasets are read in one READ ONLY REPEATABLE READ transaction."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyarrow as pa

from recon import queries
from recon.sources.dbread import CONNECT_TIMEOUT, check_biz_date, check_columns, number, registered


def _postgres_uri(secret: str) -> str:
    parts = urlsplit(secret)
    query = parts.query
    if "connect_timeout" not in query:
        query = "&".join(q for q in (query, f"connect_timeout={CONNECT_TIMEOUT}") if q)
    return parts._replace(scheme="postgresql", query=query).geturl()


def _pg_casts(schema: pa.Schema) -> list[str]:
    """The select list turning each column as ADBC gives it into its DuckDB type: a
    NUMERIC(p,s) arrives as text and is cast to DECIMAL(p,s) (exact); an unconstrained
    numeric, or one wider than DuckDB's 38 digits, stays text."""
    selects = []
    for field in schema:
        name = queries.ident(field.name)
        meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        typmod = int(meta.get("POSTGRESQL:typmod", "-1"))
        if meta.get("POSTGRESQL:type") == "numeric" and typmod >= 4:
            precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
            if precision <= 38:
                selects.append(f"CAST({name} AS DECIMAL({precision},{scale})) AS {name}")
                continue
        if meta.get("POSTGRESQL:type") == "numeric":
            selects.append(f"CAST({name} AS VARCHAR) AS {name}")
            continue
        selects.append(name)
    return selects


def _pg_type(field: pa.Field) -> str:
    meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
    return meta.get("POSTGRESQL:type", str(field.type))


def read(con, db, secret, biz_date, column, temp):
    """Both datasets in one transaction, each streamed into its numbered temp table; a
    table's biz_date is checked to be a DATE first."""
    import adbc_driver_postgresql.dbapi as pg

    relations, rows = {}, {}
    with pg.connect(_postgres_uri(secret), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            for dataset, (how, text) in db.reads.items():
                if how == "table":
                    cur.execute(f"SELECT * FROM {queries.table(text, db.quote)} WHERE false")
                    schema = cur.fetch_arrow_table().schema
                    check_biz_date(db, dataset, schema.names,
                                    [_pg_type(f) for f in schema],
                                    [pa.types.is_date(f.type) for f in schema])
                cur.execute(db.statement(dataset, biz_date))
                stream = cur.fetch_record_batch()
                check_columns(db, dataset, stream.schema.names)
                table = f"{temp}_{dataset}"
                with registered(con, stream):
                    relations[dataset], rows[dataset] = number(
                        con, table, f"SELECT {', '.join(_pg_casts(stream.schema))} "
                                    f"FROM db_stream", stream.schema.names, dataset, column)
        finally:
            cur.execute("COMMIT")
    return relations, rows
