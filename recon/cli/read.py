"""The commands that read the state (never blocked by a running diff): `recon explain`,
`recon worklist` (and `worklist accept`, a person's waiver), `recon month-end`,
`recon status`. Each parses its options, calls one verb of recon/api.py and prints what
it returns (recon/reports/)."""

from __future__ import annotations

import json
import sys

import click

from recon.cli.base import DEFAULT_OUT, cli, config_option, db_option, today_option
from recon.contract import KINDS, SEVERITIES, STATUSES, SYSTEMS
from recon.dates import pretend_today
from recon.errors import UsageError


@cli.command()
@click.option("--date", "on_date", required=True, metavar="YYYY-MM-DD",
              help="The business date, reconciled before by `recon diff`.")
@click.option("--account", "account_id", required=True, help="The account to explain.")
@db_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Text waterfall, or the same as JSON data.")
@click.option("--all", "every", is_flag=True,
              help="Show every entry finding and entry (the text shows the first 200 of "
                   "each, and says how many more there are).")
def explain(on_date, account_id, db_path, fmt, every) -> None:
    """Explain one account's balance difference on one date, entry by entry.

    Prints the waterfall — v1 and v2 opening (the carried-in difference), each entry
    finding with its impact on v2 − v1, the v2 closing they explain, the actual v2
    closing and the residual — then the account's entries side by side. Reads the state
    database only; an unknown date or account is an error (exit 2).
    """
    from recon import api
    from recon.reports import terminal

    result = api.open(db_path).explain(on_date, account_id)
    if fmt == "json":
        click.echo(json.dumps(result.as_data(), indent=2, ensure_ascii=False))
    else:
        click.echo(terminal.explanation(result, limit=None if every else terminal.SHOWN),
                   nl=False)


@cli.group(invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only items with this status (repeatable; default: new and open, the "
                   "work still to do).")
@click.option("--all", "every", is_flag=True,
              help="Every item, resolved and accepted ones too.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only items of this kind (repeatable).")
@click.option("--severity", "severities", multiple=True, type=click.Choice(SEVERITIES),
              help="Only items of this severity (repeatable).")
@click.option("--fix-side", type=click.Choice(SYSTEMS),
              help="Only items whose repair is in this system.")
@click.option("--account", "account_id", help="Only items of this account.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD",
              help="Only items last found on this business date.")
@click.option("--min-impact", type=str, metavar="AMOUNT",
              help="Only items with |amount_impact| at least this (a decimal, e.g. 100.00).")
@click.option("--in-transit", is_flag=True,
              help="Only MISSING_IN_* items still open within the timing window of the last "
                   "date reconciled ([match] timing_window_days): they may yet arrive.")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True, help="How to print the items.")
@db_option
@config_option
@click.pass_context
def worklist(ctx, statuses, every, kinds, severities, fix_side, account_id, on_date,
             min_impact, in_transit, fmt, db_path, config_path) -> None:
    """List the work still to do across all dates, worst first (severity, then
    |amount_impact|); or accept an item (see below).

    Every finding is one item (item_id) with a status: new, open (found again),
    resolved (no longer found), accepted (waived by a person, with a reason). The table
    gives what to repair: both systems' values, the impact and its currency, the
    system to fix, the days open (to the last date reconciled), and the suggested
    action on a line of its own.
    """
    from recon import api
    from recon.reports import terminal

    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    if ctx.invoked_subcommand is not None:
        return
    if every and statuses:
        raise UsageError("give --all or --status, not both")
    items = api.open(db_path, config_path).worklist(
        status=() if every else statuses or ("new", "open"), kind=kinds,
        severity=severities, fix_side=fix_side, account=account_id, date=on_date,
        min_impact=min_impact, in_transit=in_transit)
    click.echo(terminal.worklist(items, fmt), nl=False)


@worklist.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="Why the finding is waived (kept with the item).")
@click.option("--by", "by", default=None,
              help="Who accepts it (default: the OS user running the command).")
@click.option("--db", "db_path", default=None, type=click.Path(),
              help="The state database (here or before `accept`; default recon.duckdb).")
@click.pass_context
def accept(ctx, item_id, reason, by, db_path) -> None:
    """Accept (waive) worklist item ITEM_ID, with a reason.

    The item stays accepted while later runs find it with the same amount_impact and
    residual; if they change, it opens again.
    """
    from recon import api
    from recon.text import visible

    done = api.open(db_path or ctx.obj["db_path"]).accept(item_id, reason, by)
    click.echo(f"{done['item_id']}: {done['from_status']} -> accepted by "
               f"{visible(done['accepted_by'])}")


@cli.command("month-end")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to check.")
@db_option
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True,
              type=click.Path(file_okay=False),
              help="Outputs go to OUT/month-end-YYYY-MM/.")
def month_end(month, db_path, out_dir) -> None:
    """Finance month-end check: do v1 and v2 tie out for the whole month?

    Reads the state database only (the daily aggregates each `recon diff` stored), and
    checks: every date reconciled; deposit/withdrawal and other flows per legal_entity ×
    biz_type × direction equal in both systems; the same accounts active; no account's
    closing balance differing on the last day; no P1 worklist item open. Writes
    summary.json, report.md, month-end-YYYY-MM.xlsx and month-end-YYYY-MM.html under
    OUT/month-end-YYYY-MM/.
    Exit 0 for PASS, 1 for FAIL (the reasons are printed).
    """
    from recon import api
    from recon.reports import terminal

    result = api.open(db_path).month_end(month, out_dir)
    click.echo(terminal.for_terminal(
        [f"{result.month}  {result.verdict}  report: {result.folder(out_dir)}/report.md",
         *(f"  - {reason}" for reason in result.reasons)]), nl=False)
    sys.exit(result.exit_code())


@cli.command()
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(("text", "json", "prometheus")),
              default="text", show_default=True,
              help="Text for people, JSON for scripts, or the Prometheus text format.")
@today_option
def status(db_path, config_path, fmt, today) -> None:
    """Did the reconciliation run, is it late, is it clean? For people on call and
    health checks; reads the state database only (never blocked by a run).

    Shows the last date reconciled and when, how many days it is behind the date due
    (yesterday in Asia/Shanghai, from [status] due_hour o'clock, default 6), runs that
    failed or were killed since the last success, dates of the month not reconciled,
    open worklist items by severity and kind, items in transit, the unexplained
    difference per currency and the previous month's month-end verdict. With [metrics]
    textfile in the config it also rewrites that file.

    Exit 0 healthy and clean, 1 healthy with open work, 6 behind (a date that should be
    done is not), 7 the latest run failed or was killed.
    """
    from recon import api
    from recon.reports import terminal

    current = api.open(db_path, config_path).status(pretend_today(today))
    if fmt == "json":
        click.echo(json.dumps(current.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "prometheus":
        from recon.ops import metrics

        click.echo(metrics.render(current), nl=False)
    else:
        click.echo(terminal.status(current, db_path), nl=False)
    sys.exit(current.code)
