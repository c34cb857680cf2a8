"""Loading one system's dataset for one date into the state database (CONTRACT §2).

Each file of the partition is read once into a staging table where every row gets its
typed values and, if it breaks a rule, a reason. Valid rows go to `entries` (or
`balances`), the others to `rejects`; nothing is dropped or coerced. A file that cannot
be read, a missing required column or a missing partition raises InputError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from recon import sql
from recon.config import Config
from recon.errors import InputError

DATASETS = ("entries", "balances")
FILE_FORMATS = {".parquet": "parquet", ".csv": "csv"}

AMOUNT_RE = r"[0-9]{1,16}(\.[0-9]{1,2})?"
MONEY_RE = r"-?[0-9]{1,16}(\.[0-9]{1,2})?"
NEGATIVE_RE = r"-[0-9]+(\.[0-9]+)?"
TOO_PRECISE_RE = r"-?[0-9]+\.[0-9]{3,}"
TOO_LARGE_RE = r"-?[0-9]{17,}(\.[0-9]+)?"
FILE_STRIDE = 1 << 32  # entry_id = file_index * FILE_STRIDE + source_row


@dataclass(frozen=True)
class Rule:
    """How one contract column is typed and checked. kind: text, direction, amount
    (non-negative money), money (signed), timestamp."""

    column: str
    kind: str
    required: bool


ENTRY_RULES = (
    Rule("serial_no", "text", True),
    Rule("account_id", "text", True),
    Rule("direction", "direction", True),
    Rule("amount", "amount", True),
    Rule("currency", "text", True),
    Rule("biz_type", "text", True),
    Rule("biz_order_no", "text", False),
    Rule("posted_at", "timestamp", True),
    Rule("legal_entity", "text", False),
    Rule("subject_code", "text", False),
    Rule("balance_after", "money", False),
)
BALANCE_RULES = (
    Rule("account_id", "text", True),
    Rule("opening_balance", "money", True),
    Rule("closing_balance", "money", True),
    Rule("currency", "text", True),
)
RULES = {"entries": ENTRY_RULES, "balances": BALANCE_RULES}
SQL_TYPES = {
    "text": "VARCHAR",
    "direction": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "money": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    format: str
    size: int
    mtime_ns: int

    def fingerprint(self) -> dict:
        return {"path": str(self.path), "size": self.size, "mtime_ns": self.mtime_ns}


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


def partition_dir(dataset_dir: Path, dataset: str, biz_date: date) -> Path:
    return Path(dataset_dir) / dataset / f"biz_date={biz_date.isoformat()}"


def partition_files(dataset_dir: Path, dataset: str, biz_date: date, system: str
                    ) -> tuple[SourceFile, ...]:
    """The readable files of one partition, in name order. Raises InputError when the
    dataset or partition is missing or holds no .parquet / .csv file."""
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise InputError(f"{system} dataset directory not found", str(dataset_dir))
    part = partition_dir(dataset_dir, dataset, biz_date)
    if not part.is_dir():
        raise InputError(
            f"missing {dataset} partition for {system} on {biz_date.isoformat()}", str(part)
        )
    files = []
    for path in sorted(part.iterdir()):
        fmt = FILE_FORMATS.get(path.suffix.lower())
        if fmt is None or path.name.startswith((".", "_")) or not path.is_file():
            continue  # _SUCCESS markers, hidden and temporary files
        stat = path.stat()
        files.append(SourceFile(path, fmt, stat.st_size, stat.st_mtime_ns))
    if not files:
        raise InputError(f"{system} {dataset} partition holds no .parquet or .csv file",
                         str(part))
    return tuple(files)


def load_dataset(con, *, system: str, dataset: str, dataset_dir: Path, biz_date: date,
                 config: Config) -> LoadStats:
    """Read one system's partition of `dataset` and replace that date's rows in the
    state database. Must run inside the caller's transaction."""
    files = partition_files(dataset_dir, dataset, biz_date, system)
    rules = RULES[dataset]
    stage = f"stage_{dataset}_{system}"
    selects, params, csv_rejects, present = [], {}, [], set()
    for index, source in enumerate(files):
        columns, relation = _open_source(con, source, index, f"{stage}_{index}")
        if source.format == "csv":
            csv_rejects.append((index, source, f"{stage}_{index}_rejects"))
        select, file_params = _file_select(
            source, index, relation, columns, rules, system, biz_date, config
        )
        selects.append(select)
        params.update(file_params)
        present.update(r.column for r in rules if config.source_column(system, r.column) in columns)

    con.execute(f"DROP TABLE IF EXISTS {stage}")
    con.execute(f"CREATE TEMP TABLE {stage} AS\n" + "\nUNION ALL\n".join(selects), params)
    if dataset == "balances":
        sql.run(con, "reject_duplicate_balances", stage=stage)

    con.execute(
        "DELETE FROM rejects WHERE biz_date = $d AND system = $s AND dataset = $ds",
        {"d": biz_date, "s": system, "ds": dataset},
    )
    sql.run(con, "insert_stage_rejects", {"d": biz_date, "s": system, "ds": dataset},
            stage=stage)
    for _index, source, table in csv_rejects:
        sql.run(con, "insert_csv_rejects",
                {"d": biz_date, "s": system, "ds": dataset, "file": str(source.path)},
                rejects=table)

    con.execute(f"DELETE FROM {dataset} WHERE biz_date = $d AND system = $s",
                {"d": biz_date, "s": system})
    sql.run(con, f"insert_{dataset}", {"d": biz_date, "s": system, "stride": FILE_STRIDE},
            stage=stage)

    staged, rejected_in_stage = con.execute(
        f"SELECT count(*), count(reason) FROM {stage}"
    ).fetchone()
    malformed = sum(
        con.execute(f"SELECT count(DISTINCT line) FROM {table}").fetchone()[0]
        for _, _, table in csv_rejects
    )
    for index, _source, table in csv_rejects:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {stage}_{index}")
        con.execute(f"DROP TABLE IF EXISTS {stage}_{index}_scans")
    con.execute(f"DROP TABLE {stage}")
    return LoadStats(
        system=system,
        dataset=dataset,
        files=files,
        rows_read=staged + malformed,
        rows_loaded=staged - rejected_in_stage,
        rows_rejected=rejected_in_stage + malformed,
        present_columns=frozenset(present),
    )


def _open_source(con, source: SourceFile, index: int, temp_name: str
                 ) -> tuple[dict[str, str], str]:
    """Describe one file; return its {column: type} and the relation to select from.

    CSV is read once, as text, into a temp table that numbers its rows in file order;
    rows DuckDB cannot split into the header's columns land in a rejects table."""
    path = str(source.path)
    try:
        if source.format == "parquet":
            relation = (f"read_parquet($p{index}, file_row_number = true, "
                        f"hive_partitioning = false)")
            described = con.execute(f"DESCRIBE SELECT * FROM {relation}", {f"p{index}": path})
            columns = {name: typ for name, typ, *_ in described.fetchall()}
            columns.pop("file_row_number", None)
            return columns, relation
        con.execute(f"DROP TABLE IF EXISTS {temp_name}")
        con.execute(
            f"CREATE TEMP TABLE {temp_name} AS "
            f"SELECT *, row_number() OVER () AS __ordinal "
            f"FROM read_csv($p, header = true, all_varchar = true, delim = ',', quote = '\"', "
            f"escape = '\"', parallel = false, hive_partitioning = false, store_rejects = true, "
            f"rejects_table = {sql.literal(temp_name + '_rejects')}, "
            f"rejects_scan = {sql.literal(temp_name + '_scans')})",
            {"p": path},
        )
    except duckdb.Error as exc:
        raise InputError(f"cannot read {source.format} file: {_first_line(exc)}", path) from None
    described = con.execute(f"DESCRIBE {temp_name}").fetchall()
    columns = {name: typ for name, typ, *_ in described if name != "__ordinal"}
    # CSV data rows are numbered 1.. in file order; a row DuckDB rejected as malformed
    # keeps its number, so the rows after it are shifted past it.
    relation = (
        f"(SELECT t.*, t.__ordinal + (SELECT count(*) FROM "
        f"(SELECT line - 1 - row_number() OVER (ORDER BY line) AS before "
        f"FROM (SELECT DISTINCT line FROM {temp_name}_rejects)) r "
        f"WHERE r.before < t.__ordinal) AS file_row_number "
        f"FROM {temp_name} t)"
    )
    return columns, relation


def _file_select(source: SourceFile, index: int, relation: str, columns: dict[str, str],
                 rules: tuple[Rule, ...], system: str, biz_date: date, config: Config
                 ) -> tuple[str, dict]:
    """The SELECT that types and checks every row of one file."""
    path = str(source.path)
    values, reasons = [], []
    for rule in rules:
        src_name = config.source_column(system, rule.column)
        if src_name not in columns:
            if rule.required:
                mapped = f" (mapped to '{src_name}')" if src_name != rule.column else ""
                raise InputError(f"missing required column '{rule.column}'{mapped}", path)
            values.append(f"CAST(NULL AS {SQL_TYPES[rule.kind]}) AS {sql.ident(rule.column)}")
            continue
        value, reason = _column_sql(rule, f"src.{sql.ident(src_name)}", columns[src_name])
        values.append(f"{value} AS {sql.ident(rule.column)}")
        if reason:
            reasons.append(reason)
    if "biz_date" in columns and "biz_date" not in {r.column for r in rules}:
        reasons.append(
            f"CASE WHEN TRY_CAST(src.biz_date AS DATE) IS DISTINCT FROM $d{index} "
            f"THEN 'biz_date disagrees with partition' END"
        )
    reason_sql = f"NULLIF(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL"
    select = (
        f"SELECT $f{index} AS source_file, {index} AS file_index, "
        f"CAST(src.file_row_number AS BIGINT) + {1 if source.format == 'parquet' else 0} "
        f"AS source_row,\n  " + ",\n  ".join(values) + f",\n  {reason_sql} AS reason,\n"
        f"  CASE WHEN {reason_sql} IS NOT NULL THEN "
        f"CAST(to_json(struct_pack({_raw_fields(columns)})) AS VARCHAR) END AS raw\n"
        f"FROM {relation} AS src"
    )
    params = {f"f{index}": path}
    if f"$d{index}" in select:
        params[f"d{index}"] = biz_date
    if source.format == "parquet":
        params[f"p{index}"] = path
    return select, params


def _raw_fields(columns: dict[str, str]) -> str:
    return ", ".join(
        f"{sql.ident(name)} := CAST(src.{sql.ident(name)} AS VARCHAR)" for name in columns
    )


def _column_sql(rule: Rule, col: str, src_type: str) -> tuple[str, str | None]:
    """(typed value expression, reason expression or None) for one column."""
    name = rule.column
    missing = f"WHEN {col} IS NULL THEN 'missing {name}'" if rule.required else ""
    if rule.kind in ("text", "direction"):
        text = f"CAST({col} AS VARCHAR)"
        if rule.kind == "text":
            if not rule.required:
                return text, None
            return text, f"CASE WHEN {text} IS NULL OR {text} = '' THEN 'missing {name}' END"
        return text, (
            f"CASE WHEN {text} IS NULL OR {text} = '' THEN 'missing {name}' "
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
    good = sql.literal(AMOUNT_RE if rule.kind == "amount" else MONEY_RE)
    negative = (
        f"WHEN regexp_full_match({text}, {sql.literal(NEGATIVE_RE)}) THEN 'negative {name}' "
        if rule.kind == "amount" else ""
    )
    reason = (
        f"CASE WHEN {text} IS NULL OR {text} = '' THEN {_nullable(rule, f'missing {name}')} "
        f"WHEN regexp_full_match({text}, {good}) THEN NULL "
        f"{negative}"
        f"WHEN regexp_full_match({text}, {sql.literal(TOO_PRECISE_RE)}) "
        f"THEN '{name} has more than 2 decimals' "
        f"WHEN regexp_full_match({text}, {sql.literal(TOO_LARGE_RE)}) THEN '{name} out of range' "
        f"ELSE 'unparseable {name}' END"
    )
    value = f"CASE WHEN regexp_full_match({text}, {good}) THEN CAST({text} AS DECIMAL(18,2)) END"
    return value, reason


def _nullable(rule: Rule, message: str) -> str:
    return sql.literal(message) if rule.required else "NULL"


def _is_temporal(src_type: str) -> bool:
    return src_type.upper().startswith(("TIMESTAMP", "DATE"))


def _decimal_type(src_type: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", src_type.upper())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
