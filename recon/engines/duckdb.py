"""The DuckDB engine (the default): every statement runs as written, in the state
database's transaction, on the inputs read where they lie (see recon/engines/__init__.py).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import duckdb

from recon import queries
from recon.errors import InputError, first_line
from recon.sources import Location, OpenedFile, SourceFile
from recon.sources.files import partition_files

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

    def partition_files(self, location: Location, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        """The partition's files on the local file system (a table never reaches here:
        Inputs.locate sends tables to the spark engine)."""
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
                f"DESCRIBE SELECT * FROM read_parquet({queries.literal(path)}, "
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
        paths = "[" + ", ".join(queries.literal(str(s.path)) for _, s in group) + "]"
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
                relation = (f"read_parquet({queries.literal(path)}, file_row_number = true, "
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
                f"store_rejects = true, rejects_table = {queries.literal(temp_name + '_rejects')}, "
                f"rejects_scan = {queries.literal(temp_name + '_scans')})",
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
        self.con.execute(statement, queries.bound(statement, params))

    def run(self, name: str, params: dict, **fragments: str) -> None:
        for statement in queries.statements(name, **fragments):
            self.execute(statement, params)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        return self.con.execute(text, queries.bound(text, params or {})).fetchall()

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
