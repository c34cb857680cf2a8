"""Rows as polars DataFrames, for the Python API (recon/api.py): money stays Decimal."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import polars as pl

MONEY = pl.Decimal(18, 2)     # the contract's DECIMAL(18,2)
WIDE_MONEY = pl.Decimal(38, 2)
MONEY_LIMIT = 10 ** 16        # 16 integer digits: what DECIMAL(18,2) holds


def records(rows: Sequence) -> pl.DataFrame:
    """Dicts or dataclass instances as a DataFrame, every row read for its types (a
    column of Decimals is a decimal column; one that is all None is null). Money is
    Decimal(18,2), as in the state and the files; a column of sums too large for it (a
    month of flows can be) stays Decimal(38,2) rather than losing a digit."""
    dicts = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else dict(r) for r in rows]
    frame = pl.from_dicts(dicts, infer_schema_length=None)
    money = {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            largest = frame[name].abs().max()
            money[name] = WIDE_MONEY if largest is not None and largest >= MONEY_LIMIT \
                else MONEY
    return frame.cast(money) if money else frame
