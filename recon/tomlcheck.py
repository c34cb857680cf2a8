"""The checks of a config file's values (TOML), each naming its key in the message: a
table, no unknown keys, a list of names, a whole number, a decimal amount, a string."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from recon.errors import ConfigError


def table(parent: dict, key: str, where: str, label: str | None = None) -> dict:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{label or key}] must be a table", where)
    return value


def no_unknown(table: dict, known: set[str], prefix: str, where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"unknown key '{prefix}{unknown[0]}'", where)


def names(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of column names, e.g. [\"currency\"]", where)
    return value


def whole(value: Any, key: str, minimum: int, where: str) -> int:
    # TOML's true and false are not numbers (in Python, bool is an int)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{key} must be a whole number ≥ {minimum}", where)
    return value


def decimal(value: Any, key: str, where: str) -> Decimal:
    if isinstance(value, float):
        raise ConfigError(f"{key} must be a quoted decimal string, e.g. \"100.00\"", where)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{key}: '{value}' is not a decimal amount", where) from None
    if not result.is_finite() or result < 0:
        raise ConfigError(f"{key} must be a non-negative amount", where)
    return result


def opt_str(table: dict, key: str, where: str, prefix: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{prefix}{key} must be a non-empty string", where)
    return value
