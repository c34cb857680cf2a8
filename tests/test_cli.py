"""The command line: every exit code of docs/interface.md §6, help, and backfill."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from click.testing import CliRunner
from conftest import entry, open_state

from recon.cli import cli
from recon.state import run_lock

GOOD = [entry("000001"), entry("000002")]


def test_exit_0_when_clean(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    run = ledgers.diff()
    assert run.exit_code == 0
    assert "2026-11-01  clean" in run.stdout


def test_exit_1_when_findings_and_0_with_fail_on_never(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:1])
    assert ledgers.diff().exit_code == 1
    assert ledgers.diff("--fail-on", "never").exit_code == 0


def test_fail_on_severity(ledgers):
    """One P3 finding: --fail-on P1 passes, --fail-on P3 fails."""
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:1])
    assert ledgers.diff("--fail-on", "P1").exit_code == 0
    assert ledgers.diff("--fail-on", "P3").exit_code == 1


def test_exit_2_on_bad_usage(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    assert ledgers.diff("--date", "2026-13-01").exit_code == 2
    run = ledgers.invoke("diff", "--v1", str(ledgers.v1), "--v2", str(ledgers.v2))
    assert run.exit_code == 2 and "give --date" in run.stderr
    run = ledgers.diff("--from", "2026-11-02", "--to", "2026-11-01")
    assert run.exit_code == 2 and "before --from" in run.stderr
    run = ledgers.invoke("diff", "--date", "2026-11-01", "--v1", str(ledgers.v1))
    assert run.exit_code == 2
    assert "no v2 entries: give --v2 DIR, --v2-table DATABASE or a database" in run.stderr
    # tables are read by the spark engine only; the check comes before any Spark start
    run = ledgers.diff("--v2-table", "ledger_v2")
    assert run.exit_code == 2 and "read by the spark engine (--engine spark)" in run.stderr


def test_exit_2_on_bad_config(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    for text, message in [
        ("[compare\n", "not valid TOML"),
        ('[compare]\nfields = ["amount"]\n', "'amount' is not a comparable field"),
        ('[severity]\np1_amount = 10.5\n', "quoted decimal string"),
        ('[sources.v3.columns]\na = "b"\n', "unknown key 'sources.v3'"),
        ('[sources.v1]\ntable = ""\n', "sources.v1.table must be a non-empty string"),
        ('engine = "spark"\n[spark.conf]\n"spark.x" = [1]\n',
         "spark.conf.spark.x must be a string"),
        ('[sources.v1]\nentries_table = "db.e"\n', "v1 entries is a table (db.e)"),
    ]:
        config = tmp_path / "bad.toml"
        config.write_text(text)
        run = ledgers.diff("--config", str(config))
        assert run.exit_code == 2, text
        assert run.stderr.startswith(f"recon: {config}: ") and message in run.stderr
    run = ledgers.diff("--config", str(tmp_path / "absent.toml"))
    assert run.exit_code == 2 and "config file not found" in run.stderr


def test_exit_3_on_input_error(ledgers):
    ledgers.entries("v1", GOOD)
    run = ledgers.diff()
    assert run.exit_code == 3
    assert "v2 dataset directory not found" in run.stderr


def test_exit_4_when_another_run_holds_the_lock(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    with run_lock(ledgers.db):
        run = ledgers.diff()
    assert run.exit_code == 4
    assert "another run holds the lock: pid" in run.stderr
    assert ledgers.diff().exit_code == 0  # released


def test_backfill_runs_dates_in_order_and_exits_with_the_worst(ledgers):
    ledgers.entries("v1", GOOD, day="2026-11-01")
    ledgers.entries("v2", GOOD, day="2026-11-01")
    ledgers.entries("v1", GOOD, day="2026-11-02")
    ledgers.entries("v2", GOOD[:1], day="2026-11-02")
    run = ledgers.diff("--from", "2026-11-01", "--to", "2026-11-02")
    assert run.exit_code == 1
    assert [line.split()[:2] for line in run.stdout.splitlines()] == [
        ["2026-11-01", "clean"], ["2026-11-02", "breaks"]]
    con = open_state(ledgers.db)
    assert con.execute("SELECT biz_date::VARCHAR, status FROM runs ORDER BY started_at, "
                       "biz_date").fetchall() == [("2026-11-01", "succeeded"),
                                                  ("2026-11-02", "succeeded")]


def test_backfill_stops_at_the_first_input_error_keeping_earlier_dates(ledgers):
    ledgers.entries("v1", GOOD, day="2026-11-01")
    ledgers.entries("v2", GOOD, day="2026-11-01")
    ledgers.entries("v1", GOOD, day="2026-11-03")
    ledgers.entries("v2", GOOD, day="2026-11-03")
    run = ledgers.diff("--from", "2026-11-01", "--to", "2026-11-03")
    assert run.exit_code == 3
    assert "missing entries partition for v1 on 2026-11-02" in run.stderr
    assert (run.out / "2026-11-01" / "summary.json").exists()
    assert not (run.out / "2026-11-03").exists()


def test_summary_json_figures(ledgers):
    ledgers.entries("v1", [*GOOD, entry("000003", direction="D", amount="2.50")])
    ledgers.entries("v2", GOOD)
    summary = ledgers.diff().summary()
    assert summary["verdict"] == "breaks"
    assert summary["findings"]["MISSING_IN_V2"] == 1
    assert summary["abs_impact"]["MISSING_IN_V2"] == {"CNY": "2.50"}
    assert summary["systems"]["v1"]["conservation"]["holds"] is True
    json.dumps(summary)  # plain JSON


def test_help_is_complete():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for code in ("0 no findings", "1 findings", "2 bad usage", "3 input", "4 another run"):
        assert code in " ".join(top.stdout.split())
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, f"{name} has no help text"
        for param in command.params:
            if isinstance(param, __import__("click").Option) and param.name != "help":
                assert param.help, f"{name} {param.opts} has no help"


@pytest.mark.parametrize(("query", "broken", "replacement", "message"), [
    # a MISSING_IN_V2 finding with the wrong sign: amounts no longer add up
    ("classify/missing_in_v2", "CAST(-v1_signed AS DECIMAL(18,2)) AS amount_impact",
     "CAST(v1_signed AS DECIMAL(18,2)) AS amount_impact", "amount conservation failed"),
    # MISSING_IN_V2 findings lost: rows no longer add up
    ("classify/missing_in_v2", "WHERE v2_serial_no IS NULL",
     "WHERE v2_serial_no IS NULL AND FALSE", "row conservation failed for v1"),
    # the evidence join drops the entries v2 lacks: they leave it as if they were clean
    # pairs
    ("match/key_diff", "FULL OUTER JOIN\n     (SELECT * FROM kept_rows WHERE system = 'v2'",
     "RIGHT JOIN\n     (SELECT * FROM kept_rows WHERE system = 'v2'",
     "row conservation failed in the match"),
])
def test_a_broken_classification_is_caught_by_the_conservation_checks(
        ledgers, monkeypatch, query, broken, replacement, message):
    """The checks run inside every run: a matching or classification query that loses a
    row or gets an amount wrong makes the run fail (exit 5), with nothing committed or
    written."""
    from recon import queries

    original = queries.query

    def sabotaged(name: str) -> str:
        text = original(name)
        if name == query:
            assert broken in text
            text = text.replace(broken, replacement, 1)
        return text

    ledgers.entries("v1", [entry("001"), entry("002", amount="7.00")])
    ledgers.entries("v2", [entry("001")])
    # balances that tie out (v2 carries the 7.00 in), so no account is kept whole
    for system, opening in (("v1", "0.00"), ("v2", "7.00")):
        ledgers.balances(system, [{"account_id": "A1", "opening_balance": opening,
                                   "closing_balance": "17.00", "currency": "CNY"}])
    monkeypatch.setattr(queries, "query", sabotaged)
    run = ledgers.diff()
    assert run.exit_code == 5
    assert message in run.stderr
    assert not (ledgers.out / "2026-11-01").exists()
    con = open_state(ledgers.db)
    assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    assert con.execute("SELECT count(*) FROM findings").fetchone() == (0,)


def test_an_audit_failure_carries_every_offending_row(ledgers, monkeypatch):
    """MISSING_IN_V2 impacts with the wrong sign, on four accounts: the amount audit
    returns all four, the error carries them all, and its one line names the first three
    and says how many more there are."""
    from recon import pipeline, queries
    from recon.config import Config
    from recon.errors import AuditError

    original = queries.query
    monkeypatch.setattr(queries, "query", lambda name: original(name).replace(
        "CAST(-v1_signed AS DECIMAL(18,2)) AS amount_impact",
        "CAST(v1_signed AS DECIMAL(18,2)) AS amount_impact"))
    accounts = ("A1", "A2", "A3", "A4", "A5")
    ledgers.entries("v1", [entry(f"{a}01", account_id=a) for a in accounts])
    ledgers.entries("v2", [entry("A501", account_id="A5")])
    ledgers.derived_balances()
    request = pipeline.DiffRequest(v1_dir=ledgers.v1, v2_dir=ledgers.v2, out_dir=ledgers.out,
                               db_path=ledgers.db, config=Config(html=False))
    with pytest.raises(AuditError) as caught:
        pipeline.diff(request, [date(2026, 11, 1)])
    failures = caught.value.failures
    assert [name for name, _ in failures] == ["audit/50_entry_amounts_per_account"] * 4
    assert [problem.split("account ")[1][:2] for _, problem in failures] == [
        "A1", "A2", "A3", "A4"]
    assert caught.value.exit_code == 5
    line = caught.value.one_line()
    assert line.count("amount conservation failed") == 3 and line.endswith("; and 1 more")
    assert "\n" not in line


def test_source_tables_from_the_config_and_the_options():
    from recon.config import parse_config, with_tables

    config = parse_config({"engine": "spark", "sources": {
        "v1": {"table": "ledger_v1", "balances_table": "dw.v1_day_end"},
        "v2": {"columns": {"account_id": "acct"}}}})
    assert [config.source_table("v1", d) for d in ("entries", "balances")] == [
        "ledger_v1.entries", "dw.v1_day_end"]
    assert config.source_table("v2", "entries") is None
    tables = with_tables(config, v1=None, v2="ledger_v2")
    assert dict(tables["v2"]) == {"entries": "ledger_v2.entries",
                                  "balances": "ledger_v2.balances"}
    assert tables["v1"] == config.tables["v1"]  # an option replaces only its own system
    assert with_tables(config, v1=None, v2=None) is None


# -- what users meet (issue 25) -----------------------------------------------------------

def test_rejected_rows_fail_the_run_whatever_the_severity_threshold(ledgers):
    ledgers.entries("v1", [entry("001"), entry("002", direction="X")])
    ledgers.entries("v2", [entry("001")])
    for level in ("P1", "P2", "P3", "any"):
        assert ledgers.diff("--fail-on", level).exit_code == 1, level
    assert ledgers.diff("--fail-on", "never").exit_code == 0


def test_accept_takes_the_database_after_the_verb_too(ledgers):
    ledgers.entries("v1", [entry("001", biz_type="FEE")])
    ledgers.entries("v2", [entry("001")])
    (item,) = ledgers.diff().worklist()
    run = ledgers.invoke("worklist", "accept", item["item_id"], "--reason", "agreed",
                         "--db", str(ledgers.db))
    assert run.exit_code == 0, run.stderr
    assert "-> accepted" in run.stdout


def test_data_never_drives_the_terminal_or_a_spreadsheet(ledgers):
    """A serial number with an escape sequence and an entity with a direction override
    and a formula: the worklist table and explain show them escaped, worklist.csv
    prefixes the formula, report.md leaves no tag open."""
    evil_entity = "=HYPERLINK(\"http://x\")\u202e"
    ledgers.entries("v1", [entry("S\x1b[2J1", legal_entity="LE01"), entry("002")])
    ledgers.entries("v2", [entry("S\x1b[2J1", legal_entity=evil_entity),
                           entry("002", legal_entity="<script>alert(1)</script>")])
    run = ledgers.diff()
    table = ledgers.invoke("worklist", "--db", str(ledgers.db)).stdout
    explained = ledgers.invoke("explain", "--db", str(ledgers.db), "--date", "2026-11-01",
                               "--account", "A1").stdout
    for text in (table, explained):
        assert "\x1b" not in text and "\u202e" not in text
        assert "\\x1b" in text
    csv_text = (run.out / "2026-11-01" / "worklist.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    report = (run.out / "2026-11-01" / "report.md").read_text()
    assert "<script>" not in report and "&lt;script>" in report
    assert "\x1b" not in report


def test_explain_shows_the_first_entries_and_says_how_to_see_the_rest(ledgers):
    ledgers.entries("v1", [entry(f"{i:04d}") for i in range(250)])
    ledgers.entries("v2", [])
    ledgers.diff()
    argv = ["explain", "--db", str(ledgers.db), "--date", "2026-11-01", "--account", "A1"]
    capped = ledgers.invoke(*argv).stdout
    assert "… and 50 more entry finding(s): --all shows every one" in capped
    assert "… and 50 more entr(ies)" in capped
    every = ledgers.invoke(*argv, "--all").stdout
    assert "more entr" not in every and every.count("only in v1") == 250


def test_worklist_json_keeps_numbers_numbers(ledgers):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [])
    ledgers.diff()
    items = json.loads(ledgers.invoke("worklist", "--db", str(ledgers.db), "--format",
                                      "json").stdout)
    assert {type(i["days_open"]) for i in items} == {int}
    assert {i["amount_impact"] for i in items if i["kind"] == "MISSING_IN_V2"} == {"-10.00"}


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("@cmd", "'@cmd"), ("-2+3", "'-2+3"),
    ("\tx", "'\tx"), ("-10.00", "-10.00"), ("+5", "+5"), ("C 10.00", "C 10.00"), (None, None),
])
def test_a_spreadsheet_formula_in_a_text_cell_is_made_text(value, written):
    from recon.text import csv_text_sql

    assert duckdb.execute(f"SELECT {csv_text_sql('v')} FROM (SELECT CAST($v AS VARCHAR) v)",
                          {"v": value}).fetchone() == (written,)
