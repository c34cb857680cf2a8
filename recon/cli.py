"""The `recon` command line: parse options, call one verb of recon/api.py, render its
result.

Errors are `ReconError`s; they are turned into one line on stderr,
``recon: <file>: <problem>``, and the exit code they carry (docs/interface.md, exit
codes), in one place: `_reported`, around every command. `--debug` adds the traceback.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import sys
import textwrap
import traceback
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType

import click
import polars as pl

from recon import __version__, api
from recon.config import ENGINES, Config, load_config, table_names
from recon.contract import FAIL_ON, KINDS, SEVERITIES
from recon.dates import SHANGHAI, as_date, date_range, yesterday
from recon.errors import InternalError, ReconError, UsageError
from recon.money import plain, shown, shown_by_currency
from recon.pipeline.stages import LiveProgress, Stages
from recon.result import DateResult
from recon.text import visible
from recon.views.worklist import STATUSES

DEFAULT_DB = "recon.duckdb"
DEFAULT_OUT = "out"


class ReconClickError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"recon: {self.message}", err=True)


def _reported(ctx: click.Context, invoke):
    """Run a command, turning a ReconError into its one line and exit code (docs/interface.md §6)
    and anything else into an internal error (exit 5); --debug adds the traceback."""
    try:
        return invoke(ctx)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except ReconError as exc:
        _traceback(ctx)
        raise ReconClickError(exc.one_line(), exc.exit_code) from exc
    except Exception as exc:
        _traceback(ctx)
        raise ReconClickError(
            f"internal error: {exc!r} (rerun with --debug for the traceback)",
            InternalError.exit_code,
        ) from exc


def _traceback(ctx: click.Context) -> None:
    if any(c.params.get("debug") for c in (ctx, ctx.find_root())):
        traceback.print_exc()


class ReconCommand(click.Command):
    def invoke(self, ctx: click.Context):
        return _reported(ctx, super().invoke)


class ReconGroup(click.Group):
    command_class = ReconCommand

    def invoke(self, ctx: click.Context):
        return _reported(ctx, super().invoke)


ReconGroup.group_class = ReconGroup


def _date(value: str | None, option: str) -> date | None:
    return None if value is None else as_date(value, option)


@contextlib.contextmanager
def progress_printer() -> Iterator[LiveProgress | None]:
    """The per-stage progress display on stderr when it is a terminal; none under cron."""
    progress = LiveProgress() if sys.stderr.isatty() else None
    try:
        yield progress
    finally:
        if progress:
            progress.close()


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
                   "findings, state, outputs, commit, publish) on stderr after each date.")
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
    if v1_dir and v2_dir and Path(v1_dir).resolve() == Path(v2_dir).resolve():
        click.echo(f"recon: warning: --v1 and --v2 are the same directory ({v1_dir}): "
                   f"the ledger is compared with itself", err=True)
    codes = []

    def report_line(result: DateResult) -> None:
        codes.append(result.exit_code(fail_on))
        click.echo(describe(result))

    def show_profile(result: DateResult, stages: Stages) -> None:
        click.echo(stages.table(f"profile {result.biz_date}  ({result.v1.rows_read:,} + "
                                f"{result.v2.rows_read:,} entries)"), err=True)

    with progress_printer() as progress:
        api.open(db_path, config).diff(
            dates, v1=v1_dir, v2=v2_dir, out=out_dir, fail_on=fail_on, progress=progress,
            on_result=report_line, on_stages=show_profile if profile else None)
    sys.exit(max(codes, default=0))


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
    from recon.views.explain import SHOWN, render

    result = api.open(db_path).explain(on_date, account_id)
    if fmt == "json":
        click.echo(json.dumps(result.as_data(), indent=2, ensure_ascii=False))
    else:
        click.echo(render(result, limit=None if every else SHOWN), nl=False)


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
@click.option("--fix-side", type=click.Choice(("v1", "v2")),
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
    click.echo(_format_items(items, fmt), nl=False)


@worklist.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="Why the finding is waived (kept with the item).")
@click.option("--by", "by", default=None,
              help="Who accepts it (default: the OS user running the command).")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The state database (here or before `accept`; default recon.duckdb).")
@click.pass_context
def accept(ctx, item_id, reason, by, db_path) -> None:
    """Accept (waive) worklist item ITEM_ID, with a reason.

    The item stays accepted while later runs find it with the same amount_impact and
    residual; if they change, it opens again.
    """
    done = api.open(db_path or ctx.obj["db_path"]).accept(item_id, reason, by)
    click.echo(f"{done['item_id']}: {done['from_status']} -> accepted by "
               f"{done['accepted_by']}")


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
    result = api.open(db_path).month_end(month, out_dir)
    click.echo(f"{result.month}  {result.verdict}  report: "
               f"{result.folder(out_dir)}/report.md")
    for reason in result.reasons:
        click.echo(f"  - {visible(reason)}")
    sys.exit(result.exit_code())


@cli.command()
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(("text", "json", "prometheus")),
              default="text", show_default=True,
              help="Text for people, JSON for scripts, or the Prometheus text format.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="Pretend today (Asia/Shanghai, noon) is this date; for tests.")
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
    from recon.ops import metrics

    current = api.open(db_path, config_path).status(_pretend_today(today))
    if fmt == "json":
        click.echo(json.dumps(current.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "prometheus":
        click.echo(metrics.render(current), nl=False)
    else:
        click.echo(_format_status(current, db_path), nl=False)
    sys.exit(current.code)


def _pretend_today(today: str | None) -> datetime | None:
    """--today YYYY-MM-DD as noon of that day in Asia/Shanghai (None: really now)."""
    if not today:
        return None
    return datetime.combine(as_date(today, "--today"), time(12), SHANGHAI)


def _format_status(current, db_path: str) -> str:
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
    return "".join(visible(line) + "\n" for line in lines)


@cli.command()
@click.option("--v1", "v1_dir", type=click.Path(file_okay=False),
              help="The v1 dataset directory (unless the config reads v1 from a table or "
                   "database).")
@click.option("--v2", "v2_dir", type=click.Path(file_okay=False),
              help="The v2 dataset directory (likewise).")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True,
              type=click.Path(file_okay=False), help="Outputs go to OUT/<biz_date>/.")
@db_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (TOML); [nightly] catch_up_days bounds the catch-up.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Append the JSON log lines here (default: stderr).")
@click.option("--dry-run", is_flag=True, help="Print the dates that would run, and stop.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="Pretend today (Asia/Shanghai) is this date; for tests and reruns.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="any", show_default=True,
              help="As recon diff --fail-on.")
@click.option("--month-end/--no-month-end", default=True, show_default=True,
              help="After the last date of a month, run that month's month-end check "
                   "(OUT/month-end-YYYY-MM/); a FAIL exits 1.")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def nightly(v1_dir, v2_dir, out_dir, db_path, config_path, log_path, dry_run, today,
            fail_on, month_end, debug) -> None:
    """Reconcile yesterday (Asia/Shanghai), after every date missed since the last
    successful run (at most [nightly] catch_up_days of them); what cron runs.

    After the last date of a month it also runs that month's month-end check. Exit
    codes as `recon diff`: the worst of the dates run; 3 when a partition is not
    delivered yet (the message names the system and date); 4 when another run holds
    the state database. One JSON line per date goes to --log (default: stderr).
    """
    from recon.ops import schedule as plan

    state = api.open(db_path, config_path)
    last, target = state.last_success(), yesterday(_pretend_today(today))
    dates = plan.plan(last, target, state.config.catch_up_days)
    missed = plan.skipped(last, target, state.config.catch_up_days)
    gap = missed and {
        "status": "skipped", "from": missed[0].isoformat(), "to": missed[-1].isoformat(),
        "dates": len(missed),
        "message": f"{len(missed)} date(s) missed since the last success fall before the "
                   f"catch-up window of {state.config.catch_up_days} day(s): backfill them "
                   f"with recon diff --from {missed[0]} --to {missed[-1]}"}
    if dry_run:
        for biz_date in dates:
            click.echo(biz_date.isoformat())
        if gap:
            click.echo(f"not run: {gap['message']}")
        sys.exit(1 if gap else 0)   # as the real run would: missed dates need a person
    with _log_to(log_path) as log, progress_printer() as progress:
        if gap:
            log(json.dumps(gap))
        code = state.nightly(dates, v1=v1_dir, v2=v2_dir, out=out_dir, log=log,
                             fail_on=fail_on, progress=progress, month_end=month_end)
    # dates left unreconciled need a person, as findings do (exit 1 at least)
    sys.exit(max(code, 1) if gap else code)


@contextlib.contextmanager
def _log_to(path: str | None):
    """A function writing one log line to `path` (appended, flushed at once), or to
    stderr when there is no path."""
    if not path:
        yield lambda line: click.echo(line, err=True)
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UsageError(f"cannot write the log: {exc.strerror or exc}", path) from None
    with handle:
        def log(line: str) -> None:
            handle.write(line + "\n")
            handle.flush()

        yield log


TABLE_WIDTH = 120
# The table: (column, header, width); the suggested action goes on a line of its own.
TABLE = (("item_id", "item", 16), ("severity", "sev", 3), ("status", "status", 8),
         ("kind", "kind", 21), ("account_id", "account", 12), ("v1_value", "v1", 13),
         ("v2_value", "v2", 13), ("amount_impact", "impact", 13), ("currency", "ccy", 3),
         ("fix_side", "fix", 3), ("days_open", "days", 4))


def _format_items(items: pl.DataFrame, fmt: str) -> str:
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
    lines = [" ".join(cell(h, w, c in right) for c, h, w in TABLE).rstrip()]
    for item in rows:
        lines.append(" ".join(cell(visible(text(item[c])), w, c in right)
                              for c, _, w in TABLE).rstrip())
        lines += textwrap.wrap(visible(text(item["suggested_action"])), TABLE_WIDTH,
                               initial_indent="  → ", subsequent_indent="    ")
    return "\n".join(lines) + f"\n{len(rows)} item(s)\n"


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
    return list(date_range(start, end))


def describe(result: DateResult) -> str:
    """The one line a date's run prints on stdout."""
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


def main() -> None:
    cli(prog_name="recon")
