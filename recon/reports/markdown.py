"""report.md: the mismatch report handed to the ledger engineers, rendered from a
DateResult (never from a new query)."""

from __future__ import annotations

from decimal import Decimal

from recon.contract import KINDS
from recon.money import shown, shown_by_currency
from recon.result import DateResult
from recon.text import md_cell as cell


def render(result: DateResult) -> str:
    lines: list[str] = []
    add = lines.append
    add(f"# Reconciliation report — {result.biz_date.isoformat()}")
    add("")
    accepted = f" ({result.accepted} accepted)" if result.accepted else ""
    add(f"**Verdict: {result.verdict.upper()}** · {result.findings} finding(s){accepted} · "
        f"{result.rejected} rejected row(s) · run `{result.run_id}`")
    add("")
    if result.cut_over:
        add(f"Cut over to v2: {len(result.cut_over):,} account(s) here have v2 as their "
            f"record and v1 as the shadow their actions repair (marked *v2 record*): "
            + ", ".join(f"{cell(a)} since {since.isoformat()}"
                        for a, since in result.cut_over) + ".")
        add("")
    add("## Totals")
    add("")
    add("| | v1 | v2 |")
    add("|---|---:|---:|")
    for label, attr in (
        ("files", "files"),
        ("entry rows read", "rows_read"),
        ("matched", "rows_matched"),
        ("missing on the other side", "rows_missing"),
        ("rejected", "rows_rejected"),
    ):
        add(f"| {label} | {getattr(result.v1, attr):,} | {getattr(result.v2, attr):,} |")
    if result.balances is not None:
        add(f"| balance rows read | {result.v1.balance_rows_read:,} | "
            f"{result.v2.balance_rows_read:,} |")
        add(f"| balance rows rejected | {result.v1.balance_rows_rejected:,} | "
            f"{result.v2.balance_rows_rejected:,} |")
    add("")
    add("Every row is accounted for: read = matched + missing + rejected, for each system.")
    add("")
    add(f"Compared fields: {', '.join(result.compare_fields) or 'none'}.")
    if result.skipped_fields:
        add(f"Not compared (absent on one side): {', '.join(result.skipped_fields)}.")
    add("")

    add("## Findings by kind")
    add("")
    add("| kind | findings | Σ \\|amount_impact\\| per currency |")
    add("|---|---:|---:|")
    for kind in KINDS:
        total = result.kind_total(kind)
        if total.count:
            add(f"| {kind} | {total.count:,} | {cell(shown_by_currency(total.abs_impact))} |")
    add(f"| **total** | **{result.findings:,}** | |")
    add("")
    if result.severities:
        add("By severity: " + ", ".join(f"{s} {n:,}" for s, n in result.severities)
            + ". By status: " + ", ".join(f"{s} {n:,}" for s, n in result.statuses)
            + f". Resolved by this run: {result.resolved:,}.")
        add("")

    if any(n for _, n in result.ageing):
        add("Open worklist items (new or open, all dates) by age: "
            + ", ".join(f"{bucket} {n:,}" for bucket, n in result.ageing) + ".")
        add("")

    if result.in_transit:
        add(f"In transit: {sum(n for _, n, _ in result.in_transit):,} MISSING_IN_* item(s) "
            f"of the last {result.timing_window_days} day(s), still open, may yet arrive on "
            f"the other side (Σ amount_impact "
            + ", ".join(f"{cell(c)} {shown(t)}" for c, _, t in result.in_transit) + ").")
        add("")

    if result.balances is not None:
        b = result.balances
        add("## Balances")
        add("")
        add(f"{b.accounts_checked:,} account(s) checked, {b.accounts_differing:,} with "
            f"different closing balances, {b.accounts_unexplained:,} of them not fully "
            f"explained.")
        add("")
        currencies = sorted({c for c, _ in (*b.difference, *b.explained, *b.unexplained)})
        add("| Σ \\|amount\\| | " + " | ".join(map(cell, currencies or ["—"])) + " |")
        add("|---|" + "---:|" * max(len(currencies), 1))
        for label, amounts in (("closing difference", b.difference),
                               ("explained (carried in + entry findings)", b.explained),
                               ("**unexplained (residual)**", b.unexplained)):
            by = dict(amounts)
            add(f"| {label} | " + " | ".join(shown(by.get(c, Decimal("0.00")))
                                            for c in currencies or ["—"]) + " |")
        add("")

    if result.top_accounts:
        add("## Accounts with the largest differences")
        add("")
        if result.balances is not None:
            add("| account | currency | findings | v1 closing | v2 closing | difference "
                "| carried in | entry findings | residual |")
            add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
            for a in result.top_accounts:
                missing = ("" if not a.one_sided else " (no v1 balance row)"
                           if a.v1_closing is None else " (no v2 balance row)")
                add(f"| {_account(result, a.account_id)} | {cell(a.currency)} | {a.findings} | "
                    f"{shown(a.v1_closing) or '—'} | {shown(a.v2_closing) or '—'} | "
                    f"{shown(a.closing_difference)} | {shown(a.carried)} | "
                    f"{shown(a.entry_impact)} | {shown(a.unexplained)}{missing} |")
        else:
            add("| account | currency | findings | Σ amount_impact |")
            add("|---|---|---:|---:|")
            for a in result.top_accounts:
                add(f"| {_account(result, a.account_id)} | {cell(a.currency)} | {a.findings} | "
                    f"{shown(a.entry_impact)} |")
        add("")

    if result.samples:
        add("## First rows of each kind")
        add("")
        for kind, rows in result.samples:
            add(f"### {kind}")
            add("")
            add("| item_id | sev | account | v1 serial | v2 serial | field | v1 | v2 "
                "| impact | suggested action |")
            add("|---|---|---|---|---|---|---|---|---:|---|")
            for r in rows:
                add(f"| {cell(r['item_id'])} | {cell(r['severity'])} | "
                    f"{_account(result, r['account_id'])} | " + " | ".join(cell(r[k]) for k in (
                        "v1_serial_no", "v2_serial_no", "field", "v1_value", "v2_value"))
                    + f" | {shown(r['amount_impact'])} | "
                    f"{cell(r['suggested_action'])} |")
            add("")

    if result.rejects_by_reason:
        add("## Rejected rows")
        add("")
        add("| system | reason | rows |")
        add("|---|---|---:|")
        for system, reason, n in result.rejects_by_reason:
            add(f"| {system} | {cell(reason)} | {n:,} |")
        add("")
        add("Each rejected row, with its file and row number, is in `rejects.parquet`.")
        add("")
    return "\n".join(lines)


def _account(result: DateResult, account_id: str) -> str:
    """An account's cell, marked when v2 is its record on the date."""
    mark = " *v2 record*" if result.record(account_id) == "v2" else ""
    return cell(account_id) + mark
