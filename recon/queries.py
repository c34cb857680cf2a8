"""The SQL under recon/sql/, and the one identifier-quoting helper.

Values are always bound as parameters. Identifiers (column names from a config file or
a source file's header) go through `ident`, never pasted raw.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


def ident(name: str, quote: str = '"') -> str:
    """Quote `name` as an SQL identifier: with `quote` '"' (DuckDB, PostgreSQL) or '`'
    (MySQL, Spark SQL)."""
    return quote + name.replace(quote, quote * 2) + quote


def table(name: str, quote: str = '"') -> str:
    """A table as a config names it, "table" or "schema.table", each part quoted by
    `ident` (so spelled as the database spells it)."""
    return ".".join(ident(part, quote) for part in name.split("."))


def literal(text: str) -> str:
    """Quote `text` as an SQL string literal (only for DuckDB options that cannot be bound)."""
    return "'" + text.replace("'", "''") + "'"


@cache
def query(name: str) -> str:
    """The text of recon/sql/<name>.sql (a name may have a folder: audits/...)."""
    return resources.files("recon").joinpath("sql", *f"{name}.sql".split("/")).read_text(
        encoding="utf-8")


def statements(name: str, **fragments: str) -> list[str]:
    """recon/sql/<name>.sql split into statements (on ';' at the end of a line), with
    whole-line comments removed (so a comment may name a {placeholder} safely), and
    `fragments` filling their `{placeholder}`s with SQL built by the caller from
    `ident`-quoted names. The contract's vocabulary (`vocabulary`) fills its own
    placeholders in every file."""
    parts, current = [], []
    for line in query(name).splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current))
            current = []
    parts.append("\n".join(current))
    fragments = {**vocabulary(), **fragments}
    filled = []
    for part in (p for p in parts if _has_code(p)):
        for key, fragment in fragments.items():
            part = part.replace("{" + key + "}", fragment)
        filled.append(part)
    return filled


@cache
def vocabulary() -> dict[str, str]:
    """The placeholders every SQL file may use, from recon/contract.py: {kinds} (the
    kinds table), {action} (a finding's suggested action), {booking_fields} and
    {balance_kinds} (lists of quoted names)."""
    from recon import contract

    def names(values) -> str:
        return ", ".join(literal(v) for v in values)

    return {"kinds": contract.kinds_sql(), "action": contract.action_sql(),
            "booking_fields": names(contract.BOOKING_FIELDS),
            "balance_kinds": names(contract.BALANCE_KINDS)}


def _has_code(stmt: str) -> bool:
    return any(ln.strip() and not ln.strip().startswith("--") for ln in stmt.splitlines())


def run(con, name: str, params: dict | None = None, **fragments: str):
    """Execute recon/sql/<name>.sql statement by statement, its placeholders filled with
    `fragments` (see statements); each statement gets only the parameters it
    references. Returns the result of the last statement.
    """
    params = params or {}
    result = None
    for statement in statements(name, **fragments):
        result = con.execute(statement, bound(statement, params))
    return result


def bound(statement: str, params: dict) -> dict:
    """The subset of `params` that `statement` references as $name."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", statement)}
