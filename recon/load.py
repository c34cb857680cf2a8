"""Reading one system's datasets for one date (docs/interface.md §1).

Every file of a partition is opened as a relation in which each row gets its typed
values and, if it breaks a rule, a reason; the partition is the union of its files (a
view: nothing is copied). Balances, one row per account, are staged and written to the
state's `balances`. Entries are not copied at all: one pass aggregates them per account
and per flow, the rows that broke a rule go to `rejects`, and the join reads the same
view (recon/match.py). Nothing is dropped or coerced. A file that cannot be read, a
missing required column or a missing partition raises InputError.
"""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from recon import queries
from recon.config import Config
from recon.contract import KEY_COLUMNS, RULES, Rule
from recon.errors import InputError, InternalError, ReconError
from recon.sources import Location, OpenedFile, SourceFile

AMOUNT_RE = r"[0-9]{1,16}(\.[0-9]{1,2})?"
MONEY_RE = r"-?[0-9]{1,16}(\.[0-9]{1,2})?"
NEGATIVE_RE = r"-[0-9]+(\.[0-9]+)?"
TOO_PRECISE_RE = r"-?[0-9]+\.[0-9]{3,}"
TOO_LARGE_RE = r"-?[0-9]{17,}(\.[0-9]+)?"
BLANK_RE = r"\s*"
ZERO_RE = r"-0{1,16}(\.0{1,2})?"                   # -0.00 is zero, not negative
EXPONENT_RE = r"[-+]?[0-9]*\.?[0-9]+[eE][-+]?[0-9]+"  # 1.5e16: a float written out
FILE_STRIDE = 1 << 32  # entry_id = file_index * FILE_STRIDE + source_row


SQL_TYPES = {
    "text": "VARCHAR",
    "direction": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "money": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class LoadStats:
    """What loading one dataset of one system for one date did."""

    system: str
    dataset: str
    files: tuple[SourceFile, ...]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    present_columns: frozenset[str]  # optional columns present in at least one file
    file_rows: tuple[int, ...] = ()  # rows read from each of `files`, in order

    def fingerprints(self) -> list[dict]:
        rows = self.file_rows or (None,) * len(self.files)
        return [f.fingerprint(n) for f, n in zip(self.files, rows, strict=True)]


@dataclass(frozen=True)
class ScannedEntries:
    """One system's entries of one date, opened for the streaming reconciliation: the
    engine relation `valid` of its valid rows (typed, every contract column, with
    file_index and source_row), and the per-account and per-flow aggregates of one pass
    over them."""

    stats: LoadStats
    scan: str          # the view of every row, typed, with its reason (NULL when valid)
    valid: str         # the relation of the valid rows
    files: str         # (file_index, source_file) of the files


def _open(engine, *, system: str, dataset: str, location: Location, biz_date: date,
          config: Config):
    """List and open a partition's files: the engine relation that types and checks
    every row of them (a view), the table naming the files, and what was opened."""
    files = engine.partition_files(location, dataset, biz_date, system)
    rules = RULES[dataset]
    stage = f"scan_{dataset}_{system}"
    # Every relation says which files it reads and their places in the partition; an
    # engine that opens one relation per file leaves it to the relation's own place.
    opened = [file if file.covers or file.files else
              dataclasses.replace(file, covers=((index, file.source),))
              for index, file in enumerate(engine.open_sources(files, stage, biz_date))]
    present = {r.column for file in opened for r in rules
               if config.source_column(system, r.column) in file.columns}

    # Rows carry their file's number, not its path: the paths are joined back from
    # {stage}_files only where rows are written to the state (rejects, evidence).
    files_selects, files_params = [], {}
    for file in opened:
        select, file_params = _files_select(file)
        files_selects.append(select)
        files_params.update(file_params)
    engine.execute(f"CREATE OR REPLACE TEMP TABLE {stage}_files AS\n"
                   + "\nUNION ALL\n".join(files_selects), files_params)
    engine.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS\n" + "\nUNION ALL\n".join(
        _file_select(file, rules, system, biz_date, config) for file in opened), {})
    return stage, files, opened, frozenset(present)


@contextmanager
def reading(engine, files):
    """A pass through the inputs' rows: a failure there that is a file the engine
    cannot read through (a corrupt page behind an intact footer) is an input error
    naming the file; any other failure stays what it is."""
    try:
        yield
    except ReconError:
        raise
    except Exception as exc:
        raise engine.read_error(files, exc) from None


def _malformed(engine, opened, where: dict) -> dict[int, int]:
    """Write the CSV lines that could not be split into their header's columns to
    rejects; return how many there were, by the file's place in the partition."""
    counts = {}
    for file in opened:
        if file.malformed is not None:
            engine.run("insert_csv_rejects", {**where, "file": str(file.source.path)},
                       rejects=file.malformed)
            counts[file.covers[0][0]] = engine.query(
                f"SELECT count(DISTINCT line) FROM {file.malformed}")[0][0]
    return counts


def _file_rows(counted: dict[int, int], files, malformed: dict[int, int]) -> tuple[int, ...]:
    """The rows read from each file of the partition: those the relation holds, by
    file_index, and its malformed CSV lines. A table is one source."""
    if len(files) == 1:
        return (sum(counted.values()) + sum(malformed.values()),)
    return tuple(counted.get(i, 0) + malformed.get(i, 0) for i in range(len(files)))


def load_balances(engine, *, system: str, location: Location, biz_date: date,
                  config: Config) -> LoadStats:
    """Read one system's balances of the date into the engine's `balances` and
    `rejects`. Balances are one row per account: they are staged in full, so that a
    duplicated account can have all of its rows rejected."""
    stage, files, opened, present = _open(engine, system=system, dataset="balances",
                                          location=location, biz_date=biz_date,
                                          config=config)
    with reading(engine, files):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {stage}_rows AS SELECT * FROM {stage}",
                       {})
    engine.run("reject_duplicate_balances", {}, stage=f"{stage}_rows")
    engine.clear("balances", system, biz_date)
    where = {"d": biz_date, "s": system, "ds": "balances"}
    engine.run("insert_scan_rejects", where, scan=f"{stage}_rows", files=f"{stage}_files")
    malformed = _malformed(engine, opened, where)
    engine.run("insert_balances", {"d": biz_date, "s": system}, stage=f"{stage}_rows",
               files=f"{stage}_files")
    per_file = engine.query(f"SELECT file_index, count(*), count(reason) FROM {stage}_rows "
                            f"GROUP BY file_index")
    staged, rejected = sum(n for _, n, _ in per_file), sum(r for _, _, r in per_file)
    file_rows = _file_rows({i: n for i, n, _ in per_file}, files, malformed)
    engine.drop(f"{stage}_rows", stage, f"{stage}_files",
                *(f"{stage}_{i}" for i in range(len(files))),
                *(f.malformed for f in opened if f.malformed is not None),
                *(f.files for f in opened if f.files is not None))
    malformed = sum(malformed.values())
    return LoadStats(system=system, dataset="balances", files=files,
                     rows_read=staged + malformed, rows_loaded=staged - rejected,
                     rows_rejected=rejected + malformed, present_columns=present,
                     file_rows=file_rows)


def scan_entries(engine, *, system: str, location: Location, biz_date: date,
                 config: Config) -> ScannedEntries:
    """Open one system's entries of the date and make one pass over them: per-account
    aggregates (rows read, rejected, entries, Σ signed, latest entity) and per-flow
    aggregates.
    Rejects are written from a second pass only when that count found some.

    Nothing is copied: the join (recon/sql/key_join.sql) reads the same relation."""
    stage, files, opened, present = _open(engine, system=system, dataset="entries",
                                          location=location, biz_date=biz_date,
                                          config=config)
    with reading(engine, files):
        engine.run("entry_aggregates", {}, scan=stage, latest_entity=engine.latest_entity)
        engine.run("dup_keys", {}, scan=stage)
    ((rows, rejected, loaded),) = engine.query(
        f"SELECT COALESCE(sum(rows_read), 0), COALESCE(sum(rejected), 0), "
        f"COALESCE(sum(entries), 0) FROM {stage}_accounts")
    engine.clear("entries", system, biz_date)
    where = {"d": biz_date, "s": system, "ds": "entries"}
    if rejected:
        engine.run("insert_scan_rejects", where, scan=stage, files=f"{stage}_files")
    malformed_by_file = _malformed(engine, opened, where)
    malformed = sum(malformed_by_file.values())
    file_rows = _file_rows(
        dict(engine.query(f"SELECT file_index, count(*) FROM {stage} GROUP BY file_index")),
        files, malformed_by_file)   # a count that reads no column
    if sum(file_rows) != int(rows) + malformed:
        raise InternalError(f"row count of {system} entries on {biz_date} differs between "
                            f"the files ({sum(file_rows)}) and the aggregate pass "
                            f"({int(rows) + malformed})")
    valid = f"(SELECT * FROM {stage} WHERE reason IS NULL)" if rejected else stage
    stats = LoadStats(system=system, dataset="entries", files=files,
                      rows_read=int(rows) + malformed, rows_loaded=int(loaded),
                      rows_rejected=int(rejected) + malformed, present_columns=present,
                      file_rows=file_rows)
    return ScannedEntries(stats, stage, valid, f"{stage}_files")


def _files_select(file: OpenedFile) -> tuple[str, dict]:
    """The SELECT of the (file_index, source_file) rows of one opened relation (or
    table), with its parameters."""
    if file.files is not None:
        return f"SELECT file_index, source_file FROM {file.files}", {}
    return ("\nUNION ALL\n".join(f"SELECT {i} AS file_index, $f{i} AS source_file"
                                 for i, _ in file.covers),
            {f"f{i}": str(source.path) for i, source in file.covers})


def _file_select(file: OpenedFile, rules: tuple[Rule, ...], system: str, biz_date: date,
                 config: Config) -> str:
    """The SELECT that types and checks every row of one opened relation (or table)."""
    source, columns = file.source, file.columns
    path = str(source.path)   # the file, for the messages of a missing column
    values, reasons = [], []
    for rule in rules:
        src_name = config.source_column(system, rule.column)
        if src_name not in columns:
            if rule.required:
                mapped = f" (mapped to '{src_name}')" if src_name != rule.column else ""
                raise InputError(f"missing required column '{rule.column}'{mapped}", path)
            values.append(f"CAST(NULL AS {SQL_TYPES[rule.kind]}) AS {queries.ident(rule.column)}")
            continue
        _check_type(rule, src_name, columns[src_name], path)
        value, reason = _column_sql(rule, f"src.{queries.ident(src_name)}", columns[src_name])
        values.append(f"{value} AS {queries.ident(rule.column)}")
        if reason:
            reasons.append(reason)
    if "biz_date" in columns and "biz_date" not in {r.column for r in rules}:
        # A literal, not a parameter: the partition is a view, and views take none.
        reasons.append(
            f"CASE WHEN TRY_CAST(src.biz_date AS DATE) IS DISTINCT FROM "
            f"CAST({queries.literal(biz_date.isoformat())} AS DATE) "
            f"THEN 'biz_date disagrees with partition' END"
        )
    reason_sql = f"NULLIF(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL"
    # Rows are numbered from 1: Parquet's (and a table's) row index counts from 0, the
    # CSV readers' numbering from 1.
    first_row = 0 if source.format == "csv" else 1
    if file.file_index_column is not None:
        index_sql = f"src.{queries.ident(file.file_index_column)}"
    else:
        index_sql = str(file.covers[0][0])   # the one file's place in the partition
    select = (
        f"SELECT {index_sql} AS file_index, "
        f"CAST(src.file_row_number AS BIGINT) + {first_row} "
        f"AS source_row,\n  " + ",\n  ".join(values) + f",\n  {reason_sql} AS reason,\n"
        f"  CASE WHEN {reason_sql} IS NOT NULL THEN "
        f"CAST(to_json(struct_pack({_raw_fields(columns)})) AS VARCHAR) END AS raw\n"
        f"FROM {file.relation} AS src"
    )
    return select


def _raw_fields(columns: dict[str, str]) -> str:
    return ", ".join(
        f"{queries.ident(name)} := CAST(src.{queries.ident(name)} AS VARCHAR)" for name in columns
    )


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                 "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
TEXT_TYPES = ("VARCHAR",)


def _check_type(rule: Rule, src_name: str, src_type: str, path: str) -> None:
    """A column whose type cannot hold its contract type exactly is an input error
    (docs/interface.md, "Bad input"): money must be DECIMAL with at most 2 decimals, an
    integer or text, never floating point (it would be rounded); the keys must be text
    (an integer loses leading zeros)."""
    kind = src_type.upper()
    named = f"column '{rule.column}'" + (f" ('{src_name}')" if src_name != rule.column else "")
    if rule.kind in ("amount", "money"):
        decimal = _decimal_type(kind)
        if kind in ("FLOAT", "DOUBLE", "REAL") or kind.startswith("FLOAT"):
            raise InputError(f"{named} is floating point ({src_type}): money must be "
                             f"DECIMAL(p,2), an integer or text, never rounded", path)
        if decimal is not None and decimal[1] > 2:
            raise InputError(f"{named} is {src_type}: money has at most 2 decimals, "
                             f"DECIMAL(p,2) or fewer", path)
        if decimal is None and kind not in INTEGER_TYPES + TEXT_TYPES:
            raise InputError(f"{named} is {src_type}: money must be DECIMAL(p,2), an "
                             f"integer or text", path)
    if rule.column in KEY_COLUMNS and kind not in TEXT_TYPES:
        raise InputError(f"{named} is {src_type}: keys must be text (an integer loses "
                         f"leading zeros)", path)


def _column_sql(rule: Rule, col: str, src_type: str) -> tuple[str, str | None]:
    """(typed value expression, reason expression or None) for one column."""
    name = rule.column
    missing = f"WHEN {col} IS NULL THEN 'missing {name}'" if rule.required else ""
    if rule.kind in ("text", "direction"):
        text = f"CAST({col} AS VARCHAR)"
        if rule.kind == "text":
            if not rule.required:
                return text, None
            return text, f"CASE {_blank(text, name)} END"
        return text, (
            f"CASE {_blank(text, name)} "
            f"WHEN {text} NOT IN ('C', 'D') THEN 'unknown {name}' END"
        )
    if rule.kind == "timestamp":
        if _is_temporal(src_type):
            return f"CAST({col} AS TIMESTAMP)", (f"CASE {missing} END" if missing else None)
        text = f"CAST({col} AS VARCHAR)"
        return f"TRY_CAST({text} AS TIMESTAMP)", (
            f"CASE WHEN {text} IS NULL OR {text} = '' "
            f"THEN {_nullable(rule, f'missing {name}')} "
            f"WHEN TRY_CAST({text} AS TIMESTAMP) IS NULL THEN 'bad timestamp {name}' END"
        )
    # money: exact decimal, at most 2 decimals; `amount` must also be ≥ 0.
    decimal = _decimal_type(src_type)
    if decimal is not None:
        precision, scale = decimal
        checks = [missing] if missing else []
        if rule.kind == "amount":
            checks.append(f"WHEN {col} < 0 THEN 'negative {name}'")
        if scale > 2:
            checks.append(f"WHEN {col} <> ROUND({col}, 2) THEN '{name} has more than 2 decimals'")
        if precision - scale > 16:
            checks.append(f"WHEN abs({col}) >= 10000000000000000 THEN '{name} out of range'")
        reason = f"CASE {' '.join(checks)} END" if checks else None
        return f"TRY_CAST({col} AS DECIMAL(18,2))", reason
    text = f"CAST({col} AS VARCHAR)"
    good = f"{AMOUNT_RE}|{ZERO_RE}" if rule.kind == "amount" else MONEY_RE
    negative = (
        f"WHEN {_full_match(text, NEGATIVE_RE)} THEN 'negative {name}' "
        if rule.kind == "amount" else ""
    )
    reason = (
        f"CASE WHEN {text} IS NULL OR {text} = '' THEN {_nullable(rule, f'missing {name}')} "
        f"WHEN {_full_match(text, good)} THEN NULL "
        f"{negative}"
        f"WHEN {_full_match(text, TOO_PRECISE_RE)} THEN '{name} has more than 2 decimals' "
        f"WHEN {_full_match(text, TOO_LARGE_RE)} THEN '{name} out of range' "
        f"WHEN {_full_match(text, EXPONENT_RE)} AND abs(TRY_CAST({text} AS DOUBLE)) >= 1e16 "
        f"THEN '{name} out of range' "
        f"ELSE 'unparseable {name}' END"
    )
    value = f"CASE WHEN {_full_match(text, good)} THEN CAST({text} AS DECIMAL(18,2)) END"
    return value, reason


def _blank(text: str, name: str) -> str:
    """The WHEN branches making a required text that is NULL, empty or only whitespace
    missing. Whitespace is looked for only in values that begin below '!' (a space, a
    tab): a trim of every value costs a fifth of the scan."""
    return (f"WHEN {text} IS NULL OR {text} = '' THEN 'missing {name}' "
            f"WHEN {text} < '!' AND {_full_match(text, BLANK_RE)} THEN 'missing {name}'")


def _full_match(text: str, pattern: str) -> str:
    """`text` matches the whole of `pattern`. Written as regexp_matches with anchors
    (\\z is the very end, not before a final newline): RE2 and Java regexes read it
    alike and sqlglot carries it to Spark's RLIKE, where DuckDB's regexp_full_match has
    no Spark twin."""
    return f"regexp_matches({text}, {queries.literal('^(?:' + pattern + ')' + chr(92) + 'z')})"


def _nullable(rule: Rule, message: str) -> str:
    return queries.literal(message) if rule.required else "NULL"


def _is_temporal(src_type: str) -> bool:
    return src_type.upper().startswith(("TIMESTAMP", "DATE"))


def _decimal_type(src_type: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", src_type.upper())
    return (int(match.group(1)), int(match.group(2))) if match else None
