"""The finance month-end check: do the two ledgers tie out for a whole month?

`check` reads only the state database: the run log (coverage), the daily aggregates each
reconciled date stored (flows, active accounts; see sql/daily_aggregates.sql), the
balances and findings of the month's last reconciled date, and the worklist. It never
reads the month's raw entries again. Everything it finds is one frozen `MonthEnd`;
summary.json, report.md and the spreadsheet are rendered from it (monthend_outputs.py).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from recon import queries
from recon.contract import SEVERITIES
from recon.errors import UsageError
from recon.money import ByCurrency, by_currency, exact, exact_by_currency, shown, shown_by_currency
from recon.views.worklist import AGEING_BUCKETS, AGEING_SQL

if TYPE_CHECKING:
    import polars as pl

FLOW_KEY = ("legal_entity", "biz_type", "direction", "currency")
SHOWN_IN_REASONS = 5


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            parsed = datetime.strptime(text, "%Y-%m")
        except ValueError:
            raise UsageError(f"--month '{text}' is not a month in the form YYYY-MM") from None
        return cls(parsed.year, parsed.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class DateCoverage:
    biz_date: date
    status: str            # reconciled | failed | interrupted | missing
    run_id: str | None
    message: str | None


@dataclass(frozen=True)
class Flow:
    legal_entity: str | None
    biz_type: str
    direction: str
    currency: str
    v1_count: int
    v1_amount: Decimal
    v2_count: int
    v2_amount: Decimal

    @property
    def count_difference(self) -> int:
        return self.v2_count - self.v1_count

    @property
    def amount_difference(self) -> Decimal:
        return self.v2_amount - self.v1_amount

    @property
    def ties(self) -> bool:
        return self.count_difference == 0 and self.amount_difference == 0

    def label(self) -> str:
        return (f"{self.legal_entity or '(no entity)'} {self.biz_type} {self.direction} "
                f"{self.currency}")


@dataclass(frozen=True)
class ActiveAccounts:
    v1: int
    v2: int
    only_v1: tuple[str, ...]
    only_v2: tuple[str, ...]

    @property
    def agree(self) -> bool:
        return not self.only_v1 and not self.only_v2


@dataclass(frozen=True)
class EntityBalance:
    legal_entity: str | None
    currency: str
    v1_accounts: int
    v1_closing: Decimal
    v2_accounts: int
    v2_closing: Decimal

    @property
    def difference(self) -> Decimal:
        return self.v2_closing - self.v1_closing


@dataclass(frozen=True)
class DifferingAccount:
    account_id: str
    kind: str
    currency: str | None
    severity: str
    status: str
    item_id: str
    v1_closing: Decimal | None
    v2_closing: Decimal | None
    difference: Decimal     # v2 closing − v1 closing (a missing side counts as 0)
    explained: Decimal      # carried in from the opening + the entry findings
    unexplained: Decimal


@dataclass(frozen=True)
class MonthEnd:
    month: Month
    coverage: tuple[DateCoverage, ...]
    flows: tuple[Flow, ...]
    active: ActiveAccounts
    balances_as_of: date | None           # the month's last reconciled date
    closing: tuple[EntityBalance, ...]
    differing: tuple[DifferingAccount, ...]
    open_items: tuple[dict, ...]           # worklist items new/open at the month end
    # MISSING_IN_* items still open within the timing window of the month's last date:
    # postings the other side may make on the first days of the next month
    in_transit: tuple[dict, ...] = ()
    timing_window_days: int = 1

    def in_transit_by_currency(self) -> dict[str, Decimal]:
        """Σ amount_impact of the items in transit, per currency."""
        return dict(by_currency((i["currency"], i["amount_impact"]) for i in self.in_transit))

    def in_transit_of(self, account_id: str) -> Decimal:
        """Σ amount_impact of the account's items in transit."""
        return sum((i["amount_impact"] for i in self.in_transit
                    if i["account_id"] == account_id), Decimal("0.00"))

    def explained_by_in_transit(self, account: DifferingAccount) -> bool:
        """The account's month-end difference is exactly its postings in transit."""
        return account.difference == self.in_transit_of(account.account_id) != 0

    def folder(self, out_dir) -> Path:
        """Where the check's files are written under `out_dir`."""
        return Path(out_dir) / f"month-end-{self.month}"

    def flows_frame(self) -> pl.DataFrame:
        """Flows per legal_entity × biz_type × direction × currency, v1 against v2."""
        import polars as pl

        from recon import frames

        return frames.records(self.flows).with_columns(
            count_difference=pl.col("v2_count") - pl.col("v1_count"),
            amount_difference=pl.col("v2_amount") - pl.col("v1_amount"))

    @property
    def missing_dates(self) -> tuple[date, ...]:
        """Dates without a successful reconciliation (never run, failed or killed)."""
        return tuple(c.biz_date for c in self.coverage if c.status != "reconciled")

    @property
    def untied_flows(self) -> tuple[Flow, ...]:
        return tuple(f for f in self.flows if not f.ties)

    @property
    def open_p1(self) -> tuple[dict, ...]:
        return tuple(i for i in self.open_items if i["severity"] == "P1")

    def open_by_severity_and_age(self) -> dict[str, dict[str, int]]:
        table = {s: dict.fromkeys(AGEING_BUCKETS, 0) for s in SEVERITIES}
        for item in self.open_items:
            table[item["severity"]][item["age_bucket"]] += 1
        return table

    @property
    def reasons(self) -> tuple[str, ...]:
        reasons = []
        if self.missing_dates:
            by_status: dict[str, list[str]] = {}
            for c in self.coverage:
                if c.status != "reconciled":
                    by_status.setdefault(c.status, []).append(c.biz_date.isoformat())
            reasons.append("coverage: " + "; ".join(
                f"{len(days)} date(s) {status}: {_some(days)}"
                for status, days in by_status.items()))
        if self.untied_flows:
            reasons.append(
                f"flows: {len(self.untied_flows)} row(s) do not tie out: " + _some([
                    f"{f.label()} (v1 {f.v1_count:,} / {shown(f.v1_amount)}, "
                    f"v2 {f.v2_count:,} / {shown(f.v2_amount)})" for f in self.untied_flows]))
        if not self.active.agree:
            reasons.append(
                f"active accounts: {len(self.active.only_v1)} only in v1 "
                f"({_some(self.active.only_v1)}), {len(self.active.only_v2)} only in v2 "
                f"({_some(self.active.only_v2)})")
        if self.balances_as_of is None:
            reasons.append("month-end balances: no date of the month was reconciled")
        elif self.differing:
            unexplained = tuple((c, a) for c, a in self.totals()["unexplained_abs"] if a)
            reasons.append(
                f"month-end balances: {len(self.differing)} account(s) differ on "
                f"{self.balances_as_of} (unexplained {shown_by_currency(unexplained)}): "
                + _some([d.account_id for d in self.differing]))
        if self.open_p1:
            reasons.append(f"open work: {len(self.open_p1)} P1 item(s) still open: "
                           + _some([f"{i['kind']} {i['account_id']}" for i in self.open_p1]))
        return tuple(reasons)

    @property
    def verdict(self) -> str:
        return "FAIL" if self.reasons else "PASS"

    def exit_code(self) -> int:
        return 0 if self.verdict == "PASS" else 1

    def totals(self) -> dict[str, ByCurrency]:
        """Σ |difference|, Σ |explained|, Σ |unexplained| of the differing accounts, per
        currency (never added across)."""
        def total(amount) -> ByCurrency:
            return by_currency((d.currency, abs(amount(d))) for d in self.differing)
        return {
            "difference_abs": total(lambda d: d.difference),
            "explained_abs": total(lambda d: d.explained),
            "unexplained_abs": total(lambda d: d.unexplained),
        }

    def summary(self) -> dict:
        """summary.json: plain JSON; amounts are exact decimal strings."""
        return {
            "month": str(self.month),
            "first_date": self.month.first.isoformat(),
            "last_date": self.month.last.isoformat(),
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "missing_dates": [d.isoformat() for d in self.missing_dates],
            "coverage": [
                {"biz_date": c.biz_date.isoformat(), "status": c.status, "run_id": c.run_id,
                 "message": c.message} for c in self.coverage],
            "flows": [
                {"legal_entity": f.legal_entity, "biz_type": f.biz_type,
                 "direction": f.direction, "currency": f.currency,
                 "v1_count": f.v1_count, "v1_amount": exact(f.v1_amount),
                 "v2_count": f.v2_count, "v2_amount": exact(f.v2_amount),
                 "count_difference": f.count_difference,
                 "amount_difference": exact(f.amount_difference), "ties": f.ties}
                for f in self.flows],
            "active_accounts": {
                "v1": self.active.v1, "v2": self.active.v2,
                "only_v1": list(self.active.only_v1), "only_v2": list(self.active.only_v2)},
            "balances_as_of": self.balances_as_of and self.balances_as_of.isoformat(),
            "closing_balances": [
                {"legal_entity": b.legal_entity, "currency": b.currency,
                 "v1": {"accounts": b.v1_accounts, "closing": exact(b.v1_closing)},
                 "v2": {"accounts": b.v2_accounts, "closing": exact(b.v2_closing)},
                 "difference": exact(b.difference)} for b in self.closing],
            "differing_accounts": [
                {"account_id": d.account_id, "kind": d.kind, "currency": d.currency,
                 "severity": d.severity, "status": d.status, "item_id": d.item_id,
                 "v1_closing": exact(d.v1_closing), "v2_closing": exact(d.v2_closing),
                 "difference": exact(d.difference), "explained": exact(d.explained),
                 "unexplained": exact(d.unexplained),
                 "in_transit": exact(self.in_transit_of(d.account_id)),
                 "explained_by_in_transit": self.explained_by_in_transit(d)}
                for d in self.differing],
            "in_transit": {
                "window_days": self.timing_window_days,
                "items": [{"item_id": i["item_id"], "biz_date": i["biz_date"].isoformat(),
                           "kind": i["kind"], "account_id": i["account_id"],
                           "currency": i["currency"],
                           "serial_no": i["v1_serial_no"] or i["v2_serial_no"],
                           "amount_impact": exact(i["amount_impact"])}
                          for i in self.in_transit],
                "amount_impact": {c: exact(t) for c, t in self.in_transit_by_currency().items()},
            },
            "balance_totals": {k: exact_by_currency(v) for k, v in self.totals().items()},
            "open_work": {
                "items": len(self.open_items),
                "by_severity_and_age": self.open_by_severity_and_age(),
                "p1_items": [
                    {"item_id": i["item_id"], "kind": i["kind"], "account_id": i["account_id"],
                     "first_seen": i["first_seen"].isoformat(), "age_days": i["age_days"],
                     "amount_impact": exact(i["amount_impact"]), "currency": i["currency"]}
                    for i in self.open_p1],
            },
        }


def check(con, month: Month, window: int = 1) -> MonthEnd:
    """Run the month-end check of `month` against an open state database; `window` is
    [match] timing_window_days, for the items in transit at the month's end."""
    span = {"first": month.first, "last": month.last}
    coverage = tuple(DateCoverage(*row) for row in
                     queries.run(con, "views/month_coverage", span).fetchall())
    flows = tuple(Flow(*row) for row in queries.run(con, "views/month_flows", span).fetchall())
    active_rows = queries.run(con, "views/month_active_accounts", span).fetchall()
    active = ActiveAccounts(
        v1=sum(1 for _, in_v1, _ in active_rows if in_v1),
        v2=sum(1 for _, _, in_v2 in active_rows if in_v2),
        only_v1=tuple(a for a, in_v1, in_v2 in active_rows if in_v1 and not in_v2),
        only_v2=tuple(a for a, in_v1, in_v2 in active_rows if in_v2 and not in_v1),
    )
    reconciled = [c.biz_date for c in coverage if c.status == "reconciled"]
    as_of = reconciled[-1] if reconciled else None
    closing: tuple[EntityBalance, ...] = ()
    differing: tuple[DifferingAccount, ...] = ()
    if as_of is not None:
        closing = tuple(EntityBalance(*row) for row in queries.run(
            con, "views/month_closing_balances", {"as_of": as_of}).fetchall())
        differing = tuple(DifferingAccount(*row) for row in queries.run(
            con, "views/month_differing_accounts", {"as_of": as_of}).fetchall())
    cursor = queries.run(con, "views/month_open_work", {"d": month.last}, age_bucket=AGEING_SQL)
    names = [d[0] for d in cursor.description]
    open_items = tuple(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    cursor = queries.run(con, "views/in_transit", {"as_of": month.last, "window": window})
    names = [d[0] for d in cursor.description]
    in_transit = tuple(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    return MonthEnd(month=month, coverage=coverage, flows=flows, active=active,
                    balances_as_of=as_of, closing=closing, differing=differing,
                    open_items=open_items, in_transit=in_transit, timing_window_days=window)


def _some(values, shown: int = SHOWN_IN_REASONS) -> str:
    values = list(values)
    text = ", ".join(values[:shown])
    return text + (f" and {len(values) - shown} more" if len(values) > shown else "")



def record(store, result: MonthEnd, now: datetime) -> None:
    """Keep the check's verdict and reasons in the catalog (what `recon status` and the
    metrics say of the month)."""
    with store.catalog.transaction() as catalog:
        catalog.execute("INSERT INTO month_end (month, verdict, reasons, checked_at) "
                        "VALUES (:m, :v, :r, :t) ON CONFLICT (month) DO UPDATE SET "
                        "verdict = excluded.verdict, reasons = excluded.reasons, "
                        "checked_at = excluded.checked_at",
                        {"m": str(result.month), "v": result.verdict,
                         "r": json.dumps(list(result.reasons), ensure_ascii=False), "t": now})
