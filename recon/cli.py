"""The `recon` command line: parse options, call one core function, render its result.

Errors from the core are `ReconError`s; they are turned into one line on stderr,
``recon: <file>: <problem>``, and the exit code they carry (CONTRACT §7), in one place:
`ReconGroup.invoke`. `--debug` adds the traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import date, datetime
from pathlib import Path

import click

from recon import __version__, core
from recon.config import load_config
from recon.errors import InternalError, ReconError, UsageError
from recon.result import FAIL_ON, DateResult

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


def _progress_printer():
    """Per-stage progress on stderr when it is a terminal; nothing under cron."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, detail: str) -> None:
        click.echo(click.style(f"  {stage:<10}", dim=True) + f" {detail}", err=True)

    return show


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
@click.option("--v1", "v1_dir", required=True, type=click.Path(file_okay=False),
              help="The v1 dataset directory (holding entries/ and balances/).")
@click.option("--v2", "v2_dir", required=True, type=click.Path(file_okay=False),
              help="The v2 dataset directory.")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True,
              type=click.Path(file_okay=False), help="Outputs go to OUT/<biz_date>/.")
@db_option
@config_option
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="any", show_default=True,
              help="Exit 1 on any finding or rejected row (any), on findings of this "
                   "severity or worse (P1..P3), or never.")
def diff(on_date, from_date, to_date, v1_dir, v2_dir, out_dir, db_path, config_path,
         fail_on) -> None:
    """Reconcile one business date, or a range of dates in order.

    Writes OUT/<date>/worklist.parquet, worklist.csv, rejects.parquet, summary.json and
    report.md, and records the run in the state database. Rerunning a date replaces
    its results. With --from/--to the exit code is the worst of the dates; the first
    input error stops the backfill (the dates before it stay done).
    """
    dates = _dates(on_date, from_date, to_date)
    config = load_config(config_path)
    request = core.DiffRequest(
        v1_dir=Path(v1_dir), v2_dir=Path(v2_dir), out_dir=Path(out_dir),
        db_path=Path(db_path), config=config, command="diff",
    )
    codes = []

    def report_line(result: DateResult) -> None:
        codes.append(result.exit_code(fail_on))
        click.echo(describe(result))

    core.diff(request, dates, progress=_progress_printer(), on_result=report_line)
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
