"""The DuckDB engine (the default): every statement runs as written, in the state
database's transaction, on the inputs read where they lie (see recon/engines/__init__.py).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import duckdb

from recon import queries
from recon.config import Config
from recon.errors import InputError, first_line
from recon.sources import Location, OpenedFile, SourceFile, csvfile, database
from recon.sources.files import partition_files

MAX_CSV_LINE = 64 << 20   # bytes; DuckDB's CSV reader allocates its buffers by it
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

    def __init__(self, con, config: Config):
        self.con = con
        self.config = config
        self._created: dict[str, str] = {}   # temp table or view -> TABLE | VIEW
        self._snapshots: dict[str, database.Snapshot] = {}   # system -> the date's read

    def begin(self, biz_date: date) -> None:
        """Drop what the previous date left, and make the date's staged tables, empty:
        the queries read the sources and write temp tables only."""
        self._drop_created()
        self._snapshots.clear()

    # -- reading inputs ---------------------------------------------------------------

    def partition_files(self, location: Location, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        """The partition's files on the local file system (a table never reaches here:
        Inputs.locate sends tables to the spark engine), or a database's dataset: both
        datasets of the system are read in one snapshot when the first is asked for."""
        if isinstance(location, database.Database):
            if system not in self._snapshots:
                temp = f"db_{system}"
                self._created.update({temp: "TABLE", f"{temp}_entries": "TABLE",
                                      f"{temp}_balances": "TABLE"})
                self._snapshots[system] = database.read_snapshot(
                    self.con, location, biz_date,
                    lambda c: self.config.source_column(system, c), temp)
            return (self._snapshots[system].sources[dataset],)
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
            if source.format == "database":
                opened.append(self._database_relation(source, index))
                continue
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

    def _database_relation(self, source: SourceFile, index: int) -> OpenedFile:
        """A database dataset read into DuckDB by partition_files."""
        relation = next(snapshot.relations[dataset]
                        for snapshot in self._snapshots.values()
                        for dataset, s in snapshot.sources.items() if s == source)
        described = self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        columns = {name: typ for name, typ, *_ in described if name != "file_row_number"}
        return OpenedFile(source, relation, columns, None, covers=((index, source),))

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
        """One CSV file, its rows counted by its lines (recon/sources/csvfile.py).

        One pass over the file's lines checks that each is one good record of the
        header's width. If all are, DuckDB's CSV reader parses the file (and must return
        as many rows as there are lines); else the lines are kept in a temp table, the
        records spanning lines are settled, every bad line goes to the rejects table
        with its line number, and the good records are split here."""
        names = csvfile.header(source.path)
        pattern = csvfile.record_regex(len(names))
        lines = anomalies = 0
        endings: set[bool] = set()   # lines ending in CRLF, in LF
        for _ in self._line_chunks(source):
            counted, bad, crlf, lf = self.con.execute(
                "SELECT count(*) FILTER (WHERE n > 1), count(*) FILTER (WHERE n > 1 AND NOT "
                "COALESCE(regexp_full_match(try(decode(line)), $pat), false)), "
                "count(*) FILTER (WHERE line[-2:] = '\\x0D\\x0A'::BLOB), "
                "count(*) FILTER (WHERE line[-1:] = '\\x0A'::BLOB AND NOT line[-2:] = "
                "'\\x0D\\x0A'::BLOB) FROM csv_chunk", {"pat": pattern}).fetchone()
            lines, anomalies = lines + counted, anomalies + bad
            endings |= {kind for kind, n in ((True, crlf), (False, lf)) if n}
        # DuckDB's reader takes one line end for the whole file: a file that mixes CRLF
        # and LF is split here
        if not anomalies and len(endings) < 2:
            parsed = self._parse_csv(source, temp_name, lines)
            if parsed is not None:
                return parsed
        return self._split_csv(source, temp_name, names, pattern)

    def _line_chunks(self, source: SourceFile):
        """The file's lines in chunks, each registered as the view csv_chunk while the
        caller works on it."""
        try:
            for chunk in csvfile.line_chunks(source.path):
                self.con.complete()   # no unfinished result may stand while registering
                self.con.register("csv_chunk", chunk)
                try:
                    yield chunk
                finally:
                    self.con.complete()
                    self.con.unregister("csv_chunk")
        except (OSError, EOFError) as exc:   # gzip: a truncated or corrupt stream
            raise InputError(f"cannot read csv file: {getattr(exc, 'strerror', None) or exc}",
                             str(source.path)) from None

    def _parse_csv(self, source: SourceFile, temp_name: str, lines: int
                   ) -> OpenedFile | None:
        """A file whose every line is a good record, parsed by DuckDB's CSV reader; None
        if the reader does not return one row per line (the caller splits it itself)."""
        self._created[temp_name] = "TABLE"
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {temp_name} AS "
                f"SELECT *, row_number() OVER () AS file_row_number "
                f"FROM read_csv($p, header = true, all_varchar = true, delim = ',', "
                f"quote = '\"', escape = '\"', parallel = false, hive_partitioning = false, "
                f"compression = '{'gzip' if csvfile.compressed(source.path) else 'none'}', "
                f"max_line_size = {MAX_CSV_LINE})",
                {"p": str(source.path)})
        except duckdb.Error:
            return None
        if self.con.execute(f"SELECT count(*) FROM {temp_name}").fetchone()[0] != lines:
            return None
        described = self.con.execute(f"DESCRIBE {temp_name}").fetchall()
        columns = {name: typ for name, typ, *_ in described if name != "file_row_number"}
        return OpenedFile(source, temp_name, columns, None)

    def _split_csv(self, source: SourceFile, t: str, names: list[str], pattern: str
                   ) -> OpenedFile:
        """A file with bad lines: every line kept with its shape (NULL when it is a good
        record), records spanning lines joined, bad lines rejected, good ones split."""
        for suffix in ("", "_lines", "_spans", "_rejects"):
            self._created[t + suffix] = "TABLE"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {t}_lines "
                         f"(n BIGINT, text VARCHAR, shape VARCHAR)")
        for _ in self._line_chunks(source):
            self.con.execute(
                f"INSERT INTO {t}_lines "
                f"SELECT n, CASE WHEN s IS NULL THEN CAST(line AS VARCHAR) ELSE "
                f"rtrim(rtrim(s, chr(10)), chr(13)) END AS text, "
                f"CASE WHEN s IS NULL THEN 'not UTF-8' "
                f"WHEN regexp_full_match(s, $pat) THEN NULL "
                f"WHEN rtrim(rtrim(s, chr(10)), chr(13)) = '' THEN 'blank' "
                f"WHEN (length(s) - length(replace(s, '\"', ''))) % 2 = 1 THEN 'odd' "
                f"ELSE 'bad' END AS shape "
                f"FROM (SELECT n, line, try(decode(line)) AS s FROM csv_chunk WHERE n > 1)",
                {"pat": pattern})
        odd = self.con.execute(f"SELECT n, text FROM {t}_lines WHERE shape = 'odd' "
                               f"ORDER BY n").fetchall()
        spans, unclosed = csvfile.pair_records(
            odd, lambda a, b: [text or "" for (text,) in self.con.execute(
                f"SELECT text FROM {t}_lines WHERE n BETWEEN ? AND ? ORDER BY n",
                [a, b]).fetchall()], len(names))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {t}_spans "
                         f"(first BIGINT, last BIGINT, text VARCHAR)")
        if spans:
            self.con.executemany(f"INSERT INTO {t}_spans VALUES (?, ?, ?)", spans)
        inside = (f"EXISTS (SELECT 1 FROM {t}_spans s WHERE l.n BETWEEN s.first AND s.last)")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {t}_rejects AS "
            f"SELECT n AS line, CASE shape WHEN 'bad' THEN "
            f"{csvfile.shape_sql('text', len(names))} ELSE shape END AS error_type, "
            f"text AS csv_line FROM {t}_lines l "
            f"WHERE shape IN ('bad', 'not UTF-8') AND NOT {inside}")
        if unclosed:
            self.con.executemany(f"INSERT INTO {t}_rejects VALUES (?, ?, ?)", unclosed)
        values = ", ".join(f"{csvfile.value_sql(f'f[{i + 1}]')} AS {queries.ident(name)}"
                           for i, name in enumerate(names))
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {t} AS "
            f"SELECT {values}, n - 1 AS file_row_number FROM ("
            f"  SELECT n, {csvfile.fields_sql('text')} AS f FROM ("
            f"    SELECT n, text FROM {t}_lines l WHERE shape IS NULL AND NOT {inside}"
            f"    UNION ALL SELECT first, text FROM {t}_spans))")
        self.drop(f"{t}_lines", f"{t}_spans")
        return OpenedFile(source, t, dict.fromkeys(names, "VARCHAR"), f"{t}_rejects")

    def read_error(self, files: tuple[SourceFile, ...], exc: Exception) -> Exception:
        """The input error behind `exc`, raised while reading `files`: the first Parquet
        file that cannot be read through, every column of every row, named; else
        `exc` itself."""
        for source in files:
            if source.format != "parquet":
                continue
            try:
                self.con.execute(f"SELECT max(hash(t)) FROM read_parquet("
                                 f"{queries.literal(str(source.path))}) AS t").fetchall()
            except duckdb.Error as err:
                return InputError(f"cannot read parquet file: {first_line(err)}",
                                  str(source.path))
        return exc

    # -- running statements -------------------------------------------------------------

    def execute(self, statement: str, params: dict) -> None:
        self._track(statement)
        self.con.execute(statement, queries.bound(statement, params))

    def run(self, name: str, params: dict, **fragments: str) -> None:
        for statement in queries.statements(name, **fragments):
            self.execute(statement, params)

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        return self.con.execute(text, queries.bound(text, params or {})).fetchall()

    def drop(self, *tables: str) -> None:
        for table in tables:
            kind = self._created.pop(table, "TABLE")
            self.con.execute(f"DROP {kind} IF EXISTS {table}")

    def finish(self, biz_date: date) -> None:
        """Everything is already on the state database's connection."""

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
