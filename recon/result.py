"""The result of reconciling one date: one frozen object, computed once by the core.

summary.json, report.md, the terminal line and the exit code are all rendered from it;
nothing downstream recomputes a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from recon.contract import KINDS, SEVERITIES
from recon.money import ByCurrency, by_currency, exact, exact_by_currency


@dataclass(frozen=True)
class SystemCounts:
    """Rows of one system on one date. Conservation: read = matched + missing + rejected."""

    files: int
    rows_read: int
    rows_loaded: int
    rows_matched: int
    rows_missing: int
    rows_rejected: int
    balance_rows_read: int = 0
    balance_rows_rejected: int = 0

    @property
    def conserved(self) -> bool:
        return (self.rows_read == self.rows_matched + self.rows_missing + self.rows_rejected
                and self.rows_loaded == self.rows_matched + self.rows_missing)


@dataclass(frozen=True)
class KindTotal:
    kind: str
    count: int
    abs_impact: ByCurrency      # Σ |amount_impact| per currency


class TwoBalances:
    """An account's day-end balance rows in both systems, as a record holds them in its
    fields v1_opening, v2_opening, v1_closing, v2_closing (None where a system has no
    row), and what follows from them."""

    v1_opening: Decimal | None
    v2_opening: Decimal | None
    v1_closing: Decimal | None
    v2_closing: Decimal | None

    @property
    def carried(self) -> Decimal | None:
        """v2 opening − v1 opening; none unless both systems have a balance row."""
        if self.v1_opening is None or self.v2_opening is None:
            return None
        return self.v2_opening - self.v1_opening

    @property
    def one_sided(self) -> bool:
        """Only one system has a balance row for the account."""
        return (self.v1_closing is None) != (self.v2_closing is None)

    @property
    def closing_difference(self) -> Decimal | None:
        """v2 closing − v1 closing; a missing row counts as 0 (the whole balance); none
        when neither system has one."""
        if self.v1_closing is None and self.v2_closing is None:
            return None
        return (self.v2_closing or Decimal("0.00")) - (self.v1_closing or Decimal("0.00"))


@dataclass(frozen=True)
class AccountDiff(TwoBalances):
    """One account's difference: its entry findings, and its balances when loaded."""

    account_id: str
    currency: str | None
    findings: int
    entry_impact: Decimal          # Σ amount_impact of the account's entry findings
    v1_opening: Decimal | None = None
    v2_opening: Decimal | None = None
    v1_closing: Decimal | None = None
    v2_closing: Decimal | None = None
    residual: Decimal | None = None

    @property
    def unexplained(self) -> Decimal | None:
        """The residual; for an account on one side only, its whole difference."""
        return self.closing_difference if self.one_sided else self.residual


@dataclass(frozen=True)
class BalanceTotals:
    accounts_checked: int
    accounts_differing: int     # closing balances differ, or a balance on one side only
    accounts_unexplained: int   # residual ≠ 0, or a balance on one side only
    # per currency, over those accounts:
    difference: ByCurrency      # Σ |v2 closing − v1 closing|
    explained: ByCurrency       # Σ |difference − residual|: carried in + entry findings
    unexplained: ByCurrency     # Σ |residual| (one-sided accounts count whole)


@dataclass(frozen=True)
class DateResult:
    biz_date: date
    run_id: str
    started_at: datetime
    finished_at: datetime
    v1: SystemCounts
    v2: SystemCounts
    compare_fields: tuple[str, ...]
    skipped_fields: tuple[str, ...]
    kinds: tuple[KindTotal, ...]
    severities: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]
    rejects_by_reason: tuple[tuple[str, str, int], ...]   # (system, reason, rows)
    top_accounts: tuple[AccountDiff, ...]
    samples: tuple[tuple[str, tuple[dict, ...]], ...]     # (kind, first rows)
    resolved: int
    balances: BalanceTotals | None = None
    ageing: tuple[tuple[str, int], ...] = ()   # open worklist items by age, all dates
    out_dir: str | None = None
    engine: str = "duckdb"   # where the date's heavy work ran (recon/engines/)
    # MISSING_IN_* items of the last timing_window_days dates, still open: they may yet
    # arrive on the other side. (currency, items, Σ amount_impact)
    in_transit: tuple[tuple[str, int, Decimal], ...] = ()
    timing_window_days: int = 1
    # the date's findings nobody has accepted, by severity: what fails a run
    unaccepted: tuple[tuple[str, int], ...] = ()
    # the accounts among its findings cut over to v2 by the date: (account, since)
    cut_over: tuple[tuple[str, date], ...] = ()

    def record(self, account_id: str) -> str:
        """The account's system of record on the date, as far as its findings go."""
        return "v2" if any(a == account_id for a, _ in self.cut_over) else "v1"

    @property
    def findings(self) -> int:
        return sum(k.count for k in self.kinds)

    @property
    def rejected(self) -> int:
        return (self.v1.rows_rejected + self.v2.rows_rejected
                + self.v1.balance_rows_rejected + self.v2.balance_rows_rejected)

    @property
    def accepted(self) -> int:
        """The date's findings a person has accepted (waived): counted apart."""
        return dict(self.statuses).get("accepted", 0)

    @property
    def verdict(self) -> str:
        """`clean` only when every row was read and matched, and every difference found
        has been accepted by a person."""
        unaccepted = sum(n for _, n in self.unaccepted)
        return "clean" if unaccepted == 0 and self.rejected == 0 else "breaks"

    def exit_code(self, fail_on: str = "any") -> int:
        """docs/interface.md §6: 1 when findings nobody accepted (or rejected rows) were
        written, else 0. fail_on = P1/P2/P3 counts only unaccepted findings of that
        severity or higher; rejected rows, which have no severity, count whatever it
        is (only `never` lets them pass)."""
        if fail_on == "never":
            return 0
        if fail_on == "any" or self.rejected:
            return 0 if self.verdict == "clean" else 1
        worst = SEVERITIES.index(fail_on)
        return 1 if any(n for s, n in self.unaccepted if SEVERITIES.index(s) <= worst) else 0

    def kind_total(self, kind: str) -> KindTotal:
        for total in self.kinds:
            if total.kind == kind:
                return total
        return KindTotal(kind, 0, ())

    def abs_impact(self) -> ByCurrency:
        """Σ |amount_impact| of every finding of the date, per currency."""
        return by_currency(pair for kind in self.kinds for pair in kind.abs_impact)

    def log_line(self) -> dict:
        """What the nightly job logs of the date (one JSON line, with its exit code and
        duration added)."""
        return {
            "biz_date": self.biz_date.isoformat(),
            "status": "succeeded",
            "verdict": self.verdict,
            "run_id": self.run_id,
            "rows_read": {"v1": self.v1.rows_read, "v2": self.v2.rows_read},
            "rows_matched": self.v1.rows_matched,
            "rejected": self.rejected,
            "findings": self.findings,
            "abs_impact": exact_by_currency(self.abs_impact()),
            "unexplained": (exact_by_currency(self.balances.unexplained)
                            if self.balances is not None else None),
        }

    def summary(self) -> dict:
        """summary.json: plain JSON; every amount is an exact decimal string."""
        systems = {}
        for name, counts in (("v1", self.v1), ("v2", self.v2)):
            systems[name] = {
                "files": counts.files,
                "rows_read": counts.rows_read,
                "rows_loaded": counts.rows_loaded,
                "rows_matched": counts.rows_matched,
                "rows_missing": counts.rows_missing,
                "rows_rejected": counts.rows_rejected,
                "balance_rows_read": counts.balance_rows_read,
                "balance_rows_rejected": counts.balance_rows_rejected,
                "conservation": {
                    "holds": counts.conserved,
                    "rule": "rows_read = rows_matched + rows_missing + rows_rejected",
                },
            }
        balances = None
        if self.balances is not None:
            b = self.balances
            balances = {
                "accounts_checked": b.accounts_checked,
                "accounts_differing": b.accounts_differing,
                "accounts_unexplained": b.accounts_unexplained,
                "difference_abs": exact_by_currency(b.difference),
                "explained_abs": exact_by_currency(b.explained),
                "unexplained_abs": exact_by_currency(b.unexplained),
            }
        return {
            "biz_date": self.biz_date.isoformat(),
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(timespec="seconds") + "Z",
            "finished_at": self.finished_at.isoformat(timespec="seconds") + "Z",
            "verdict": self.verdict,
            "engine": self.engine,
            "systems": systems,
            "rows_matched": self.v1.rows_matched,
            "rows_rejected": {"v1": self.v1.rows_rejected, "v2": self.v2.rows_rejected},
            "compared_fields": list(self.compare_fields),
            "skipped_fields": list(self.skipped_fields),
            "findings_total": self.findings,
            "findings": {k: self.kind_total(k).count for k in KINDS},
            "abs_impact": {k: exact_by_currency(self.kind_total(k).abs_impact) for k in KINDS},
            "severity": dict(self.severities),
            "status": dict(self.statuses),
            "accepted": self.accepted,
            "resolved_by_this_run": self.resolved,
            "open_items_by_age": dict(self.ageing),
            "in_transit": {
                "window_days": self.timing_window_days,
                "items": sum(n for _, n, _ in self.in_transit),
                "amount_impact": {c: exact(total) for c, _, total in self.in_transit},
            },
            "balances": balances,
            "cut_over": [{"account_id": a, "since": since.isoformat()}
                         for a, since in self.cut_over],
            "rejects": [
                {"system": s, "reason": r, "rows": n} for s, r, n in self.rejects_by_reason
            ],
        }


@dataclass(frozen=True)
class Unchanged:
    """A date not recomputed: what its last successful run recorded."""

    biz_date: date
    run_id: str
    exit_code_then: int
    summary: dict = field(repr=False)
    out_dir: str | None = None

    def exit_code(self, fail_on: str = "any") -> int:
        """As that run counted it (the fingerprint holds its --fail-on)."""
        return self.exit_code_then

    @property
    def verdict(self) -> str:
        return self.summary.get("verdict", "")

    def log_line(self) -> dict:
        return {"biz_date": self.biz_date.isoformat(), "status": "unchanged",
                "run_id": self.run_id, "verdict": self.verdict,
                "findings": self.summary.get("findings_total")}
