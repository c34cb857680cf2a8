"""The `recon` command line: parse options, call one core function, render its result.

Errors from the core are `ReconError`s; they are turned into one line on stderr,
``recon: <file>: <problem>``, and the exit code they carry (CONTRACT §7), in one place:
`ReconGroup.invoke`. `--debug` adds the traceback.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import traceback
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType

import click

from recon import __version__, core
from recon.config import ENGINES, Config, load_config, table_names
from recon.contract import FAIL_ON, KINDS
from recon.errors import InternalError, ReconError, UsageError
from recon.result import DateResult
from recon.stages import LiveProgress, Stages
from recon.worklist import STATUSES

DEFAULT_DB = "recon.duckdb"
DEFAULT_OUT = "out"


class ReconClickError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"recon: {self.message}", err=True)


class ReconGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ReconError as exc:
            if ctx.params.get("debug"):
                traceback.print_exc()
            raise ReconClickError(exc.one_line(), exc.exit_code) from exc
        except Exception as exc:
            if ctx.params.get("debug"):
                traceback.print_exc()
            raise ReconClickError(
                f"internal error: {exc!r} (rerun with --debug for the traceback)",
                InternalError.exit_code,
            ) from exc


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in the form YYYY-MM-DD",
                                 param_hint=option) from None


def progress_printer() -> LiveProgress | None:
    """The per-stage progress display on stderr when it is a terminal; none under cron."""
    return LiveProgress() if sys.stderr.isatty() else None


def duckdb_options(command):
    """--threads, --memory-limit, --temp-directory: override the config's [duckdb]."""
    command = click.option(
        "--temp-directory", type=click.Path(file_okay=False),
        help="Where DuckDB spills when data exceeds the memory limit "
             "(default: <db>.tmp next to the state database).")(command)
    command = click.option(
        "--memory-limit", metavar="SIZE",
        help="DuckDB's memory limit, e.g. 4GB (default: 1.5 GB per thread, at most 80% "
             "of RAM); above it DuckDB spills to the temp directory.")(command)
    return click.option("--threads", type=click.IntRange(min=1),
                        help="DuckDB worker threads (default: one per core).")(command)


def with_overrides(config: Config, **options) -> Config:
    """The config with the command-line options that were given (not None) in place."""
    changes = {name: value for name, value in options.items() if value is not None}
    return dataclasses.replace(config, **changes) if changes else config


def with_tables(config: Config, **databases: str | None) -> MappingProxyType | None:
    """The config's source tables with each system given --vN-table DATABASE reading
    DATABASE.entries and DATABASE.balances; None when no such option was given."""
    if not any(databases.values()):
        return None
    return MappingProxyType({
        system: MappingProxyType(table_names(databases[system]))
        if databases.get(system) else config.tables[system]
        for system in config.tables
    })


db_option = click.option(
    "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
    help="The state database (DuckDB file).",
)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False),
    help="Config file (TOML): column mapping, compared fields, severity, DuckDB settings.",
)


@click.group(cls=ReconGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recon")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """Reconcile ledger v1 (account system 1.x, the system of record) against v2 (2.0).

    recon loads both systems' entries for a business date into DuckDB, joins them on
    (account_id, serial_no), reports every missing entry, amount, direction and field
    difference with its exact effect on the balance, and keeps a worklist of what to
    repair across runs.

    Exit codes: 0 no findings, 1 findings written, 2 bad usage or config, 3 input
    error, 4 another run holds the lock, 5 internal error.
    """


@cli.command()
@click.option("--date", "on_date", metavar="YYYY-MM-DD", help="Reconcile this business date.")
@click.option("--from", "from_date", metavar="YYYY-MM-DD",
              help="First date of a backfill (with --to); dates run one by one, in order.")
@click.option("--to", "to_date", metavar="YYYY-MM-DD", help="Last date of a backfill.")
@click.option("--v1", "v1_dir", type=click.Path(file_okay=False),
              help="The v1 dataset directory (holding entries/ and balances/).")
@click.option("--v2", "v2_dir", type=click.Path(file_okay=False),
              help="The v2 dataset directory.")
@click.option("--v1-table", metavar="DATABASE",
              help="Read v1 from metastore tables DATABASE.entries and DATABASE.balances "
                   "(partitioned by biz_date) instead of --v1; spark engine only.")
@click.option("--v2-table", metavar="DATABASE", help="The same for v2.")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True,
              type=click.Path(file_okay=False), help="Outputs go to OUT/<biz_date>/.")
@db_option
@config_option
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="any", show_default=True,
              help="Exit 1 on any finding or rejected row (any), on findings of this "
                   "severity or worse (P1..P3), or never.")
@duckdb_options
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Where inputs are read, checked, matched and classified (default: "
                   "duckdb, or engine in the config). spark needs `pip install "
                   "'recon[spark]'` and Java 17.")
@click.option("--html/--no-html", default=None,
              help="Write report.html for each date (default: yes, or [outputs] html in the "
                   "config); --no-html saves ~0.3 s a date in long backfills.")
@click.option("--profile", is_flag=True,
              help="Print each stage's time and rows (load v1, load v2, match, balances, "
                   "findings, state, outputs) on stderr after each date.")
def diff(on_date, from_date, to_date, v1_dir, v2_dir, v1_table, v2_table, out_dir, db_path,
         config_path, fail_on, threads, memory_limit, temp_directory, engine, html,
         profile) -> None:
    """Reconcile one business date, or a range of dates in order.

    Writes OUT/<date>/worklist.parquet, worklist.csv, rejects.parquet, summary.json,
    report.md and report.html, and records the run in the state database. Rerunning a
    date replaces its results. With --from/--to the exit code is the worst of the dates;
    the first input error stops the backfill (the dates before it stay done).
    """
    dates = _dates(on_date, from_date, to_date)
    config = load_config(config_path)
    config = with_overrides(config, threads=threads, memory_limit=memory_limit,
                            temp_directory=temp_directory, engine=engine, html=html,
                            tables=with_tables(config, v1=v1_table, v2=v2_table))
    request = core.DiffRequest(
        v1_dir=Path(v1_dir) if v1_dir else None, v2_dir=Path(v2_dir) if v2_dir else None,
        out_dir=Path(out_dir), db_path=Path(db_path), config=config, command="diff",
    )
    codes = []

    def report_line(result: DateResult) -> None:
        codes.append(result.exit_code(fail_on))
        click.echo(describe(result))

    def show_profile(result: DateResult, stages: Stages) -> None:
        click.echo(stages.table(f"profile {result.biz_date}  ({result.v1.rows_read:,} + "
                                f"{result.v2.rows_read:,} entries)"), err=True)

    progress = progress_printer()
    try:
        core.diff(request, dates, progress=progress, on_result=report_line,
                  on_stages=show_profile if profile else None)
    finally:
        if progress:
            progress.close()
    sys.exit(max(codes, default=0))


@cli.command()
@click.option("--date", "on_date", required=True, metavar="YYYY-MM-DD",
              help="The business date, reconciled before by `recon diff`.")
@click.option("--account", "account_id", required=True, help="The account to explain.")
@db_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Text waterfall, or the same as JSON data.")
def explain(on_date, account_id, db_path, fmt) -> None:
    """Explain one account's balance difference on one date, entry by entry.

    Prints the waterfall — v1 and v2 opening (the carried-in difference), each entry
    finding with its impact on v2 − v1, the v2 closing they explain, the actual v2
    closing and the residual — then the account's entries side by side. Reads the state
    database only; an unknown date or account is an error (exit 2).
    """
    from recon.explain import explain as explain_account
    from recon.explain import render
    from recon.state import connect

    biz_date = _date(on_date, "--date")
    con = connect(db_path, load_config(None), read_only=True)
    try:
        result = explain_account(con, biz_date, account_id)
    finally:
        con.close()
    if fmt == "json":
        click.echo(json.dumps(result.as_data(), indent=2, ensure_ascii=False))
    else:
        click.echo(render(result), nl=False)


@cli.group(invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only items with this status (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only items of this kind (repeatable).")
@click.option("--account", "account_id", help="Only items of this account.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD",
              help="Only items last found on this business date.")
@click.option("--min-impact", type=str, metavar="AMOUNT",
              help="Only items with |amount_impact| at least this (a decimal, e.g. 100.00).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True, help="How to print the items.")
@db_option
@click.pass_context
def worklist(ctx, statuses, kinds, account_id, on_date, min_impact, fmt, db_path) -> None:
    """List the worklist across all dates, worst first; or accept an item (see below).

    Every finding is one item (item_id) with a status: new, open (found again),
    resolved (no longer found), accepted (waived by a person, with a reason).
    """
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    if ctx.invoked_subcommand is not None:
        return
    from recon.state import connect
    from recon.worklist import Filters, list_items

    try:
        impact = Decimal(min_impact) if min_impact is not None else None
    except InvalidOperation:
        raise click.BadParameter(f"'{min_impact}' is not an amount",
                                 param_hint="--min-impact") from None
    filters = Filters(statuses=statuses, kinds=kinds, account_id=account_id,
                      biz_date=_date(on_date, "--date"), min_impact=impact)
    con = connect(db_path, load_config(None), read_only=True)
    try:
        items = list_items(con, filters)
    finally:
        con.close()
    click.echo(_format_items(items, fmt), nl=False)


@worklist.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="Why the finding is waived (kept with the item).")
@click.option("--by", "by", default=None,
              help="Who accepts it (default: the OS user running the command).")
@click.pass_context
def accept(ctx, item_id, reason, by) -> None:
    """Accept (waive) worklist item ITEM_ID, with a reason.

    The item stays accepted while later runs find it with the same amount_impact and
    residual; if they change, it opens again.
    """
    import getpass

    from recon.state import connect, run_lock
    from recon.worklist import accept as accept_item

    db_path = ctx.obj["db_path"]
    who = by or getpass.getuser()
    with run_lock(db_path):
        con = connect(db_path, load_config(None))
        try:
            done = accept_item(con, item_id, reason, who, core.utcnow())
        finally:
            con.close()
    click.echo(f"{done['item_id']}: {done['from_status']} -> accepted by {who}")


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
    from recon.monthend import Month, check
    from recon.monthend_outputs import write
    from recon.state import connect

    target = Month.parse(month)
    con = connect(db_path, load_config(None), read_only=True)
    try:
        result = check(con, target)
    finally:
        con.close()
    folder = write(result, Path(out_dir))
    click.echo(f"{target}  {result.verdict}  report: {folder}/report.md")
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    sys.exit(result.exit_code())


def _format_items(items: list[dict], fmt: str) -> str:
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    if fmt == "json":
        return json.dumps([{k: text(v) if v is not None else None for k, v in item.items()}
                           for item in items], indent=2, ensure_ascii=False) + "\n"
    columns = list(items[0]) if items else []
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[text(item[c]) for c in columns] for item in items])
        return buffer.getvalue()
    if not items:
        return "no worklist items match\n"
    shown = ("item_id", "biz_date", "kind", "severity", "status", "account_id",
             "v1_serial_no", "v2_serial_no", "field", "amount_impact", "days_open")
    rows = [[text(item[c]) for c in shown] for item in items]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(shown)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines) + f"\n{len(items)} item(s)\n"


def _dates(on_date, from_date, to_date) -> list[date]:
    if on_date and (from_date or to_date):
        raise UsageError("give either --date or --from/--to, not both")
    if on_date:
        return [_date(on_date, "--date")]
    if not (from_date and to_date):
        raise UsageError("give --date YYYY-MM-DD, or both --from and --to")
    start, end = _date(from_date, "--from"), _date(to_date, "--to")
    if end < start:
        raise UsageError(f"--to {to_date} is before --from {from_date}")
    return list(core.date_range(start, end))


def describe(result: DateResult) -> str:
    """The one line a date's run prints on stdout."""
    parts = [f"{result.biz_date.isoformat()}  {result.verdict:<6}",
             f"{result.findings:,} finding(s)"]
    if result.severities:
        parts[-1] += " (" + ", ".join(f"{s} {n:,}" for s, n in result.severities) + ")"
    if result.balances is not None and result.balances.accounts_unexplained:
        parts.append(f"unexplained {result.balances.unexplained:,.2f} in "
                     f"{result.balances.accounts_unexplained} account(s)")
    parts.append(f"{result.rejected:,} rejected")
    parts.append(f"report: {result.out_dir}/report.md")
    return "  ".join(parts)


def main() -> None:
    cli(prog_name="recon")
