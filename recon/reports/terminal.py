"""What recon prints on a terminal, rendered from the records the commands return: the
line a date's run prints, the worklist table, an account's waterfall (recon explain),
the on-call status. Nothing here queries; every line passes through `visible`, so the
ledgers' own text never drives the terminal (recon/text.py).
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from typing import TYPE_CHECKING

from recon.contract import KINDS_TABLE
from recon.money import plain, shown, shown_by_currency
from recon.result import DateResult, Unchanged
from recon.text import visible
from recon.views.explain import SIDE_BY_SIDE, Explanation

if TYPE_CHECKING:
    import polars as pl


def for_terminal(text_lines: list[str]) -> str:
    """The lines as a terminal may show them: the ledgers' own text shown, never obeyed."""
    return "".join(visible(line) + "\n" for line in text_lines)


def describe(result: DateResult | Unchanged) -> str:
    """The one line a date's run prints on stdout."""
    if isinstance(result, Unchanged):
        said = result.summary
        return visible(f"{result.biz_date.isoformat()}  unchanged since run {result.run_id}"
                       f"  {result.verdict}, {said.get('findings_total', 0):,} finding(s), "
                       f"{sum(said.get('rows_rejected', {}).values()):,} rejected  "
                       f"report: {result.out_dir}/{result.biz_date.isoformat()}/report.md")
    parts = [f"{result.biz_date.isoformat()}  {result.verdict:<6}",
             f"{result.findings:,} finding(s)"]
    if result.severities:
        parts[-1] += " (" + ", ".join(f"{s} {n:,}" for s, n in result.severities) + ")"
    if result.accepted:
        parts[-1] += f", {result.accepted:,} accepted"
    if result.balances is not None and result.balances.accounts_unexplained:
        unexplained = tuple((c, a) for c, a in result.balances.unexplained if a)
        parts.append(f"unexplained {shown_by_currency(unexplained)} in "
                     f"{result.balances.accounts_unexplained} account(s)")
    parts.append(f"{result.rejected:,} rejected")
    parts.append(f"report: {result.out_dir}/report.md")
    return "  ".join(parts)


TABLE_WIDTH = 120
# The table: (column, header, width); the suggested action goes on a line of its own.
TABLE = (("item_id", "item", 16), ("severity", "sev", 3), ("status", "status", 8),
         ("kind", "kind", 21), ("account_id", "account", 12), ("v1_value", "v1", 13),
         ("v2_value", "v2", 13), ("amount_impact", "impact", 13), ("currency", "ccy", 3),
         ("fix_side", "fix", 3), ("days_open", "days", 4))


def worklist(items: pl.DataFrame, fmt: str) -> str:
    def text(value) -> str:
        return "" if value is None else str(plain(value))

    rows = list(items.iter_rows(named=True))
    if fmt == "json":   # numbers stay numbers, money exact strings, dates ISO text
        return json.dumps([{k: plain(v) for k, v in item.items()} for item in rows],
                          indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(items.columns)
        writer.writerows([[text(item[c]) for c in items.columns] for item in rows])
        return buffer.getvalue()
    if not rows:
        return "no worklist items match\n"

    def cell(value: str, width: int, right: bool = False) -> str:
        value = value if len(value) <= width else value[:width - 1] + "…"
        return value.rjust(width) if right else value.ljust(width)

    right = {"amount_impact", "days_open"}
    table = TABLE   # with the record's column when an item's record is v2 (cut over)
    if any(item.get("record") == "v2" for item in rows):
        table = (*TABLE[:-1], ("record", "rec", 3), TABLE[-1])
    lines = [" ".join(cell(h, w, c in right) for c, h, w in table).rstrip()]
    for item in rows:
        lines.append(" ".join(cell(visible(text(item[c])), w, c in right)
                              for c, _, w in table).rstrip())
        lines += textwrap.wrap(visible(text(item["suggested_action"])), TABLE_WIDTH,
                               initial_indent="  → ", subsequent_indent="    ")
    return "\n".join(lines) + f"\n{len(rows)} item(s)\n"


def readiness(result) -> str:
    """`recon readiness` as a table: one line a cohort."""
    last = next((c.last_date for c in result.cohorts if c.last_date), None)
    lines = [f"readiness: {result.days} clean date(s) before the next wave"
             + (f", as of {last}" if last else ", nothing reconciled yet"),
             f"{'cohort':<20} {'cut over':<10} {'accounts':>9} {'clean dates':>11} "
             f"{'open items':>10}  ready"]
    for c in result.cohorts:
        lines.append(f"{visible(c.cohort)[:20]:<20} {c.cutover_date or '—'!s:<10} "
                     f"{c.accounts:>9,} {c.clean_dates:>11} {c.open_items:>10,}  "
                     f"{'yes' if c.ready else 'NO'}")
    return "\n".join(lines) + "\n"


def status(current, db_path: str) -> str:
    def when(run, outcome: bool = True) -> str:
        moment = run.finished_at or run.started_at
        said = [run.status] if outcome else []
        said += [f"took {run.duration_s:.0f} s"] if run.duration_s is not None else []
        return f"{moment:%Y-%m-%d %H:%M}Z ({', '.join(said)})"

    def counts(values: dict) -> str:
        return ", ".join(f"{k} {n:,}" for k, n in values.items()) or "none"

    lines = [f"recon status: {current.verdict} (exit {current.code})   state: {db_path}"]
    last = current.last_success
    lines.append("  last reconciled  " + (
        f"{current.last_date}; last success {when(last, outcome=False)}" if last
        else "never"))
    behind = (f"{current.behind_days} day(s) behind" if current.behind_days
              else "up to date")
    lines.append(f"  due              {current.due}: {behind}")
    if current.in_progress:
        lines.append(f"  running now      {current.latest.biz_date}, since "
                     f"{current.latest.started_at:%Y-%m-%d %H:%M}Z")
    failed = current.failed_since_success
    lines.append("  failed runs      " + ("none since the last success" if not failed else
                                        f"{len(failed)} since the last success; latest: "
                                        f"{failed[-1].biz_date} {when(failed[-1])}: "
                                        f"{failed[-1].message or ''}".rstrip(": ")))
    missing = current.missing
    lines.append("  missing dates    " + (
        "none this month" if not missing else
        f"{len(missing)}: " + (", ".join(map(str, missing)) if len(missing) <= 4 else
                               f"{missing[0]} … {missing[-1]}")))
    lines.append(f"  open items       {counts(current.open_by_severity)}")
    if current.open_by_kind:
        lines += textwrap.wrap(counts(current.open_by_kind), 100, initial_indent=" " * 19,
                               subsequent_indent=" " * 19)
    lines.append("  in transit       " + ("; ".join(
        f"{c} {n:,} item(s), impact {shown(t)}" for c, n, t in current.in_transit)
        or "none"))
    lines.append("  unexplained      " + shown_by_currency(
        sorted((c, v) for c, v in current.unexplained.items() if v), zero="none"))
    month = current.month_end
    lines.append("  month-end        " + (
        "previous month not reconciled" if month is None else
        f"{month['month']} {month['verdict']}" + (
            f" ({len(month['reasons'])} reason(s); recon month-end --month "
            f"{month['month']})" if month["reasons"] else "")))
    for c in current.cohorts if any(c.cutover_date for c in current.cohorts) else ():
        lines.append(f"  cohort           {c.cohort}"
                     + (f" (cut over {c.cutover_date})" if c.cutover_date else "")
                     + f": {c.clean_dates} clean date(s), "
                     + ("ready" if c.ready else "not ready")
                     + (f", {c.open_items:,} open item(s)" if c.open_items else ""))
    return for_terminal(lines)


SHOWN = 200   # entry findings and entries the text shows by default (--all: every one)


# the kinds that stand for a group of entries (SPLIT_MISMATCH, NETTING_DIFFERENCE)
GROUPS = frozenset(kind.name for kind in KINDS_TABLE if kind.counts == "serials")


def explanation(e: Explanation, limit: int | None = SHOWN) -> str:
    """The waterfall and the entries side by side as text; at most `limit` entry
    findings and `limit` entries (None: all), with a line saying how to see the rest."""
    width = 44
    lines = [f"Account {e.account_id} on {e.biz_date.isoformat()}"
             + (f" ({e.currency})" if e.currency else ""), ""]
    lines.append(f"{'':<{width}}{'v1':>16}{'v2':>16}{'v2 − v1':>16}")
    lines.append(f"{'opening balance':<{width}}{shown(e.v1_opening):>16}{shown(e.v2_opening):>16}"
                 f"{shown(e.carried):>16}  carried in")
    for f in e.entry_findings[:limit]:
        label = f"  {f['kind']} {f['v1_serial_no'] or '-'}/{f['v2_serial_no'] or '-'}"
        if f["kind"] in GROUPS:   # its serials are the entries' lines below
            label = f"  {f['kind']} order {f['biz_order_no']}"
        if f["field"] and f["kind"] == "FIELD_MISMATCH":
            label += f" {f['field']}"
        lines.append(f"{label[:width]:<{width}}{'':>32}{shown(f['amount_impact']):>16}")
    lines += _more(len(e.entry_findings), limit, "entry finding(s)")
    lines.append(f"{'  Σ entry findings':<{width}}{'':>32}{shown(e.entry_impact):>16}")
    lines.append(f"{'expected v2 closing (v1 + carried + Σ)':<{width}}{'':>16}"
                 f"{shown(e.expected_v2_closing):>16}")
    closing_diff = e.closing_difference
    lines.append(f"{'closing balance':<{width}}{shown(e.v1_closing) or '—':>16}"
                 f"{shown(e.v2_closing) or '—':>16}{shown(closing_diff):>16}")
    verdict = ("" if e.residual is None else "  explained" if e.residual == 0
               else "  UNEXPLAINED")
    if e.one_sided:
        verdict += f" (no {'v1' if e.v1_closing is None else 'v2'} balance row)"
    lines.append(f"{'residual':<{width}}{'':>32}{shown(e.residual):>16}{verdict}")
    if e.account_findings:
        lines += ["", "Account findings:"]
        for f in e.account_findings:
            system = f" {f['system']}" if f["system"] else ""
            lines.append(f"  {f['kind']}{system}: impact {shown(f['amount_impact'])}"
                         f" — {f['suggested_action']}")
    lines += ["", "Entries (v1 | v2; * marks a differing cell):", ""]
    unshown = _unshown(e)
    if not e.entries:
        return for_terminal([*lines, unshown or "  none"])
    header = " | ".join(f"{c:<14}" for c in SIDE_BY_SIDE)
    lines.append(f"{'posted_at':<19}  {header} ‖ {header}")
    for row in e.entries[:limit]:
        differs = set((row["differs"] or "").split(","))
        cells = []
        for system in ("v1", "v2"):
            cells.append(" | ".join(
                f"{_cell(row[f'{system}_{c}']) + ('*' if c in differs else ''):<14}"
                for c in SIDE_BY_SIDE))
        posted = row["posted_at"].isoformat(sep=" ") if row["posted_at"] else ""
        note = f"  ({row['differs']})" if row["differs"] else ""
        lines.append(f"{posted:<19}  {cells[0]} ‖ {cells[1]}{note}")
    lines += _more(len(e.entries), limit, "entr(ies)")
    if unshown:
        lines += ["", unshown]
    return for_terminal(lines)


def _more(count: int, limit: int | None, what: str) -> list[str]:
    """The line saying what the text leaves out, and how to see it."""
    if limit is None or count <= limit:
        return []
    return [f"  … and {count - limit:,} more {what}: --all shows every one, --format json "
            f"gives them as data"]





def _unshown(e: Explanation) -> str:
    """A line saying how many of the account's entries matched cleanly and are not kept
    (the source datasets hold them), or "" when every entry is shown."""
    kept = {"v1": sum(r["v1_serial_no"] is not None for r in e.entries),
            "v2": sum(r["v2_serial_no"] is not None for r in e.entries)}
    rest = {system: count - kept[system] for system, count in e.entry_counts
            if count > kept[system]}
    if not rest:
        return ""
    parts = " and ".join(f"{n:,} {system}" for system, n in rest.items())
    return (f"  {parts} entr{'y' if sum(rest.values()) == 1 else 'ies'} matched cleanly: "
            f"not kept in the state (the source files hold them)")


def _cell(value) -> str:
    if value is None:
        return "·"
    return str(plain(value))
