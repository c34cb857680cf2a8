"""How every row of an input is typed and checked (docs/interface.md §1, "Bad input"): the
SELECT over one opened file (or table) that gives each contract column its type and
each row its reason, NULL when the row is valid. Built from the contract's rules
(recon/contract.py) and the file's own column types; a column whose type cannot hold
its contract type exactly, or a missing required column, is an input error here.

Written in DuckDB's dialect; the Spark engine transpiles it (recon/engines/spark.py).
"""

from __future__ import annotations

import re
from datetime import date

from recon import queries
from recon.config import Config
from recon.contract import KEY_COLUMNS, Rule
from recon.errors import InputError
from recon.sources import OpenedFile

AMOUNT_RE = r"[0-9]{1,16}(\.[0-9]{1,2})?"
MONEY_RE = r"-?[0-9]{1,16}(\.[0-9]{1,2})?"
NEGATIVE_RE = r"-[0-9]+(\.[0-9]+)?"
TOO_PRECISE_RE = r"-?[0-9]+\.[0-9]{3,}"
TOO_LARGE_RE = r"-?[0-9]{17,}(\.[0-9]+)?"
BLANK_RE = r"\s*"
ZERO_RE = r"-0{1,16}(\.0{1,2})?"                   # -0.00 is zero, not negative
EXPONENT_RE = r"[-+]?[0-9]*\.?[0-9]+[eE][-+]?[0-9]+"  # 1.5e16: a float written out


SQL_TYPES = {
    "text": "VARCHAR",
    "direction": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "money": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
}


def file_select(file: OpenedFile, rules: tuple[Rule, ...], system: str, biz_date: date,
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
