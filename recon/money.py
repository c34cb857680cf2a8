"""How money is written, in one place. Amounts are Decimal end to end; these only say
how a Decimal becomes text: `shown` for people (reports, the terminal), `exact` for
data (JSON, CSV), `plain` for any value of a JSON data section."""

from __future__ import annotations

from decimal import Decimal


def shown(value: Decimal | str | None) -> str:
    """1,234,567.80 — grouped, two places; "" for none. A decimal string is read exactly."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value) if isinstance(value, str) else value:,.2f}"


def exact(value: Decimal | None) -> str | None:
    """1234567.80 — the exact amount as text; None stays None."""
    return None if value is None else f"{value:.2f}"


# Money of several currencies: (currency, amount) pairs, in currency order. Amounts of
# different currencies are never added together.
ByCurrency = tuple[tuple[str, Decimal], ...]


def by_currency(pairs) -> ByCurrency:
    """(currency, amount) rows as ByCurrency: summed per currency (never across), a
    NULL currency shown as "?"."""
    sums: dict[str, Decimal] = {}
    for currency, amount in pairs:
        sums[currency or "?"] = sums.get(currency or "?", Decimal("0.00")) + Decimal(amount)
    return tuple(sorted(sums.items()))


def shown_by_currency(amounts: ByCurrency, zero: str = "0.00") -> str:
    """CNY 1,234.50; USD 7.00 — or `zero` when there is none."""
    return "; ".join(f"{c} {shown(a)}" for c, a in amounts) or zero


def exact_by_currency(amounts: ByCurrency) -> dict[str, str]:
    """{"CNY": "1234.50", "USD": "7.00"}: summary.json's money per currency."""
    return {c: exact(a) for c, a in amounts}


def plain(value):
    """A value as plain JSON: decimals as exact strings, dates and times as ISO text,
    anything else as it is."""
    if isinstance(value, Decimal):
        return exact(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return value
