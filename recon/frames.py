"""Rows as polars DataFrames, for the Python API (recon/api.py): money stays Decimal."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import polars as pl


def records(rows: Sequence) -> pl.DataFrame:
    """Dicts or dataclass instances as a DataFrame, every row read for its types (a
    column of Decimals is a decimal column; one that is all None is null)."""
    dicts = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else dict(r) for r in rows]
    return pl.from_dicts(dicts, infer_schema_length=None)
