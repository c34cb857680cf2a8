"""`recon explain`: one account's balance difference on one date, entry by entry.

Reads only the state database: balances, findings, the per-account aggregates and the
evidence (the entries the findings name; every entry of an account whose balance does
not tie out). The waterfall: v1 and v2 opening balances (their
difference is carried in), each entry finding with its impact on v2 − v1, the v2
closing those explain (v1 closing + carried + Σ impacts), the actual v2 closing, and the
residual nobody explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from recon import queries
from recon.contract import ENTRY_COLUMNS
from recon.errors import NotFound
from recon.money import exact, plain
from recon.result import TwoBalances
from recon.state import reconciled

if TYPE_CHECKING:
    import polars as pl

SIDE_BY_SIDE = ("serial_no", "direction", "amount", "biz_type", "legal_entity", "subject_code",
                "biz_order_no")


@dataclass(frozen=True)
class Explanation(TwoBalances):
    biz_date: date
    account_id: str
    currency: str | None
    v1_opening: Decimal | None
    v2_opening: Decimal | None
    v1_closing: Decimal | None
    v2_closing: Decimal | None
    entry_findings: tuple[dict, ...]
    account_findings: tuple[dict, ...]
    entries: tuple[dict, ...]
    # Each system's entries of the account that date (daily_accounts): the rows above
    # are the evidence, and an entry that matched cleanly is kept only when the account's
    # balance does not tie out.
    entry_counts: tuple[tuple[str, int], ...] = ()

    @property
    def entry_impact(self) -> Decimal:
        return sum((f["amount_impact"] for f in self.entry_findings), Decimal("0.00"))

    @property
    def expected_v2_closing(self) -> Decimal | None:
        """v1 closing + carried + Σ entry impacts; none when a balance row is missing
        (there is no carried-in difference to add)."""
        if self.v1_closing is None or self.v2_closing is None:
            return None
        return self.v1_closing + self.carried + self.entry_impact

    @property
    def residual(self) -> Decimal | None:
        """What nothing explains; for an account on one side only, its whole closing
        difference (a missing row counts as 0), as the balance totals count it."""
        if self.one_sided:
            return self.closing_difference
        if self.expected_v2_closing is None:
            return None
        return self.v2_closing - self.expected_v2_closing

    def entries_frame(self) -> pl.DataFrame:
        """The entries side by side (v1_* and v2_* columns, posted_at, differs)."""
        from recon import frames

        return frames.records(self.entries)

    def as_data(self) -> dict:
        def clean(row: dict) -> dict:
            return {k: plain(v) for k, v in row.items()}

        return {
            "biz_date": self.biz_date.isoformat(),
            "account_id": self.account_id,
            "currency": self.currency,
            "v1_opening": exact(self.v1_opening),
            "v2_opening": exact(self.v2_opening),
            "carried": exact(self.carried),
            "entry_findings": [clean(_without_scope(f)) for f in self.entry_findings],
            "entry_impact": exact(self.entry_impact),
            "v1_closing": exact(self.v1_closing),
            "expected_v2_closing": exact(self.expected_v2_closing),
            "v2_closing": exact(self.v2_closing),
            "residual": exact(self.residual),
            "account_findings": [clean(_without_scope(f)) for f in self.account_findings],
            "entries": [clean(e) for e in self.entries],
        }


def explain(con, biz_date: date, account_id: str, *,
            compared: tuple[str, ...] | None = None) -> Explanation:
    """The account's waterfall and entries; an entry's differing cells are the key, the
    money and the fields the date's run compared. `compared` is for the run itself,
    which explains its top accounts before it commits; otherwise they are read from
    the date's last successful run."""
    if compared is None:
        compared = tuple(reconciled(con, biz_date)["compared_fields"])
    balances = dict.fromkeys(("v1", "v2"))
    for system, opening, closing, currency in con.execute(
        "SELECT system, opening_balance, closing_balance, currency FROM balances "
        "WHERE biz_date = ? AND account_id = ?", [biz_date, account_id]
    ).fetchall():
        balances[system] = (opening, closing, currency)
    entry_counts = tuple(con.execute(
        "SELECT system, entries FROM daily_accounts WHERE biz_date = ? AND account_id = ? "
        "ORDER BY system", [biz_date, account_id]).fetchall())
    if not entry_counts and not any(balances.values()):
        raise NotFound(f"account {account_id} has no entries or balances on {biz_date}")

    cursor = con.execute(
        "SELECT item_id, kind, scope, severity, system, v1_serial_no, v2_serial_no, field, "
        "v1_value, v2_value, amount_impact, residual, suggested_action, currency, "
        "biz_order_no FROM findings "
        "WHERE biz_date = ? AND account_id = ? "
        "ORDER BY abs(amount_impact) DESC, kind, v1_serial_no, v2_serial_no, field",
        [biz_date, account_id],
    )
    findings = _records(cursor)
    field_differs = "".join(
        f",\n                CASE WHEN a.{queries.ident(f)} IS DISTINCT FROM b.{queries.ident(f)} "
        f"THEN {queries.literal(f)} END" for f in compared if f in ENTRY_COLUMNS)
    entry_cursor = queries.run(con, "views/explain_entries", {"d": biz_date, "a": account_id},
                               field_differs=field_differs)
    currency = next((b[2] for b in balances.values() if b),
                    next((f["currency"] for f in findings if f["currency"]), None))
    return Explanation(
        biz_date=biz_date,
        account_id=account_id,
        currency=currency,
        v1_opening=balances["v1"][0] if balances["v1"] else None,
        v2_opening=balances["v2"][0] if balances["v2"] else None,
        v1_closing=balances["v1"][1] if balances["v1"] else None,
        v2_closing=balances["v2"][1] if balances["v2"] else None,
        entry_findings=tuple(f for f in findings if f["scope"] == "entry"),
        account_findings=tuple(f for f in findings if f["scope"] == "account"),
        entries=tuple(_records(entry_cursor)),
        entry_counts=entry_counts,
    )


def _without_scope(finding: dict) -> dict:
    # scope only splits the findings into the two lists; it is not shown
    return {k: v for k, v in finding.items() if k != "scope"}


def _records(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
