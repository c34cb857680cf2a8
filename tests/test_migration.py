"""The migration's phases (issue 29): cut-over cohorts, `recon readiness`, `recon summary`.

One hand-written week in the shape of the team's weekly report, reconciled once for the
module: three accounts whose v2 posted a retry of a business order under a new serial
number (their balances differ), a pilot cohort cut over on day 2 whose v1 has a
legal_entity anomaly on day 1 and is clean after, a wave cut over on day 4 with a v1-only
entry on the last day, and a run that fails on day 3 (a broken file) and is rerun.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.generate import Spec, generate
from tests.conftest import Ledgers, entry

DAYS = [f"2026-11-0{d}" for d in range(1, 6)]
GOLDEN = Path(__file__).parent / "golden"
RUN_ID = re.compile(r"\d{8}-\d{8}T\d{6}-[0-9a-f]{6}")


def _day(day: str, v1_extra=(), v2_extra=(), v1_changes=None) -> tuple[list, list]:
    """Every account's clean entry of `day`, plus each system's extra rows."""
    at = f"{day} 10:00:00"
    rows = [entry(f"{a}-{day}", account_id=a, amount="100.00", posted_at=at)
            for a in ("R1", "R2", "R3", "P1", "P2", "W1", "S1")]
    v1 = [{**r, **(v1_changes or {}).get(r["account_id"], {})} for r in rows]
    return v1 + list(v1_extra), rows + list(v2_extra)


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> Ledgers:
    ledgers = Ledgers(tmp_path_factory.mktemp("week"))
    (ledgers.root / "cutover.csv").write_text(
        "account_id,cutover_date,cohort\nP1,2026-11-02,pilot\nP2,2026-11-02,pilot\n"
        "W1,2026-11-04,wave-1\n")
    (ledgers.root / "recon.toml").write_text('[cutover]\naccounts = "cutover.csv"\n')
    retries = [entry(f"{a}-retry", account_id=a, amount="25.00", biz_order_no=f"O-{a}",
                     posted_at="2026-11-02 11:00:00") for a in ("R1", "R2", "R3")]
    plans = {
        DAYS[0]: _day(DAYS[0], v1_changes={"P1": {"legal_entity": None}}),
        DAYS[1]: _day(DAYS[1], v2_extra=retries),
        DAYS[2]: _day(DAYS[2]),
        DAYS[3]: _day(DAYS[3]),
        DAYS[4]: _day(DAYS[4], v1_extra=[entry("W1-only", account_id="W1", amount="7.00",
                                               posted_at="2026-11-05 12:00:00")]),
    }
    for day, (v1, v2) in plans.items():
        ledgers.entries("v1", v1, day=day)
        ledgers.entries("v2", v2, day=day)
    config = str(ledgers.root / "recon.toml")
    for day in DAYS[:2]:
        assert ledgers.diff("--config", config, day=day).exit_code == 1
    broken = ledgers.root / "v1" / "entries" / f"biz_date={DAYS[2]}" / "part-0.csv"
    good = broken.read_text()
    broken.write_text("not,a,ledger\n1,2,3\n")
    assert ledgers.diff("--config", config, day=DAYS[2], derive_balances=False
                        ).exit_code == 3
    broken.write_text(good)
    for day in DAYS[2:]:
        ledgers.diff("--config", config, day=day)
    return ledgers


def _invoke(week: Ledgers, *argv: str):
    return week.invoke(*argv, "--db", str(week.db), "--config",
                       str(week.root / "recon.toml"))


def test_fix_side_and_record_follow_the_cut_over(week):
    day1 = {(r["kind"], r["account_id"]): r for r in week_worklist(week, DAYS[0])}
    anomaly = day1[("FIELD_MISMATCH", "P1")]        # before the pilot's cut-over
    assert (anomaly["record"], anomaly["fix_side"]) == ("v1", "v2")
    assert anomaly["suggested_action"].startswith("set legal_entity of v2 serial")
    day5 = {(r["kind"], r["account_id"]): r for r in week_worklist(week, DAYS[4])}
    only_v1 = day5[("MISSING_IN_V2", "W1")]         # the wave is cut over on day 4
    assert (only_v1["record"], only_v1["fix_side"]) == ("v2", "v1")
    assert only_v1["suggested_action"] == (
        "reverse v1 serial W1-only (C 7.00): v2 is the record since 2026-11-04 and has no "
        "such entry")
    day2 = {(r["kind"], r["account_id"]): r for r in week_worklist(week, DAYS[1])}
    retried = day2[("BALANCE_MISMATCH", "R1")]
    assert (retried["record"], retried["fix_side"]) == ("v1", "v2")
    report = (week.out / DAYS[4] / "report.md").read_text()
    assert "Cut over to v2: 1 account(s)" in report and "W1 *v2 record*" in report


def week_worklist(week: Ledgers, day: str) -> list[dict]:
    """The items last found on `day`, every status."""
    run = week.invoke("worklist", "--date", day, "--all", "--format", "json", "--db",
                      str(week.db))
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_readiness_per_cohort(week):
    run = _invoke(week, "readiness", "--format", "json")
    assert run.exit_code == 1, run.stderr      # the wave is not ready
    said = json.loads(run.stdout)
    assert said["days"] == 3
    cohorts = {c["cohort"]: c for c in said["cohorts"]}
    assert list(cohorts) == ["pilot", "wave-1", "shadow"]
    assert cohorts["pilot"] == {"cohort": "pilot", "cutover_date": "2026-11-02",
                                "accounts": 2, "last_date": DAYS[4], "clean_dates": 4,
                                "open_items": 1, "ready": True}   # day 1's anomaly
    assert (cohorts["wave-1"]["clean_dates"], cohorts["wave-1"]["ready"]) == (0, False)
    assert cohorts["wave-1"]["open_items"] >= 1
    # shadow: day 2's retries, clean since (days 3, 4, 5); R1-R3 and S1 on the last date
    assert (cohorts["shadow"]["clean_dates"], cohorts["shadow"]["accounts"]) == (3, 4)
    assert _invoke(week, "readiness", "--cohort", "pilot").exit_code == 0
    unknown = _invoke(week, "readiness", "--cohort", "nope")
    assert unknown.exit_code == 2
    assert "the cohorts are pilot, wave-1, shadow" in unknown.stderr


def test_the_summary_of_the_week(week):
    run = _invoke(week, "summary", "--from", DAYS[0], "--to", DAYS[4], "--format", "json")
    assert run.exit_code == 0, run.stderr
    said = json.loads(run.stdout)
    assert set(said) == {"from", "to", "dates", "active_accounts", "balance_differences",
                         "failed_runs", "reruns", "findings", "ageing", "month_end",
                         "cohorts", "readiness_days"}
    assert [d["reconciled"] for d in said["dates"]] == [True] * 5
    assert all(a["v1"] == a["v2"] == 7 and a["equal"] for a in said["active_accounts"])
    differences = {b["account_id"]: b for b in said["balance_differences"]}
    assert set(differences) == {"R1", "R2", "R3", "W1"}
    for account in ("R1", "R2", "R3"):
        assert differences[account] == {
            "account_id": account, "dates": 1, "last_date": DAYS[1],
            "last_difference": "25.00", "currency": "CNY",
            "causes": {"MISSING_IN_V1": 1}, "explained": True, "record": "v1"}
    assert differences["W1"]["record"] == "v2"
    assert [(f["biz_date"], f["exit_code"]) for f in said["failed_runs"]] == [(DAYS[2], 3)]
    assert said["reruns"] == [DAYS[2]]
    assert said["findings"]["opened"]["MISSING_IN_V1"] == 3
    assert said["findings"]["opened"]["FIELD_MISMATCH"] == 1
    assert sum(said["ageing"].values()) == sum(said["findings"]["open_at_end"].values())
    assert said["cohorts"] == json.loads(_invoke(week, "readiness", "--format", "json")
                                         .stdout)["cohorts"]
    markdown = _invoke(week, "summary", "--from", DAYS[0], "--to", DAYS[4]).stdout
    pinned = RUN_ID.sub("<run>", markdown).replace(str(week.root), "<root>")
    golden = GOLDEN / "summary.md"
    if __import__("os").environ.get("RECON_UPDATE_GOLDEN"):
        golden.write_text(pinned)
    assert pinned == golden.read_text()


def test_an_empty_period_and_a_reversed_one(week, tmp_path):
    empty = _invoke(week, "summary", "--from", "2026-10-01", "--to", "2026-10-03",
                    "--format", "json")
    assert empty.exit_code == 0
    said = json.loads(empty.stdout)
    assert [d["reconciled"] for d in said["dates"]] == [False] * 3
    assert said["balance_differences"] == [] and said["failed_runs"] == []
    reversed_ = _invoke(week, "summary", "--from", DAYS[4], "--to", DAYS[0])
    assert reversed_.exit_code == 2 and "is before --from" in reversed_.stderr
    page = tmp_path / "week.html"
    assert _invoke(week, "summary", "--from", DAYS[0], "--to", DAYS[4], "--format", "html",
                   "--out", str(page)).exit_code == 0
    assert "Cut-over readiness" in page.read_text()


@pytest.mark.parametrize(("text", "problem"), [
    ("account_id,cutover_date\nA1,2026-11-02\nA1,2026-11-03\n",
     "line 3: account A1 is in the cut-over file twice (first on line 2)"),
    ("account_id,cutover_date\nA1,2026-13-02\n",
     "line 2: cutover_date '2026-13-02' is not a date"),
    ("account_id,cohort\nA1,pilot\n", "the cut-over file has no column cutover_date"),
    ("account_id,cutover_date,cohort\nA1,2026-11-02,shadow\n",
     "line 2: cohort 'shadow' is the name"),
    (None, "cutover.accounts: the cut-over file is not there"),
])
def test_a_bad_cut_over_file_is_a_config_error_naming_its_line(ledgers, text, problem):
    cut = ledgers.root / "cut.csv"
    if text is not None:
        cut.write_text(text)
    (ledgers.root / "recon.toml").write_text('[cutover]\naccounts = "cut.csv"\n')
    ledgers.entries("v1", [entry("S1")])
    ledgers.entries("v2", [entry("S1")])
    run = ledgers.diff("--config", str(ledgers.root / "recon.toml"))
    assert run.exit_code == 2
    assert f"recon: {cut}: {problem}" in run.stderr, run.stderr
    assert run.stderr.count("\n") == 1


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), entries=st.integers(40, 200))
def test_a_cut_over_that_has_not_begun_changes_no_output(tmp_path_factory, seed, entries):
    """Every output of a ledger reconciled with a cut-over file whose cut-overs all lie
    after the date is the output without one, byte for byte but for run ids and times."""
    root = tmp_path_factory.mktemp("later")
    data = generate(root / "data", Spec(days=1, entries=entries, accounts=30, breaks=2,
                                        junk=1, seed=seed))
    (root / "cut.csv").write_text("account_id,cutover_date\n" + "".join(
        f"AC{i:07d},2027-01-01\n" for i in range(30)))
    (root / "with.toml").write_text('[cutover]\naccounts = "cut.csv"\n')
    outputs = {}
    for tag, extra in (("without", ()), ("with", ("--config", str(root / "with.toml")))):
        ledgers = Ledgers(root / tag)
        assert ledgers.diff(*extra, "--html", v1=data / "v1", v2=data / "v2",
                            derive_balances=False).exit_code in (0, 1)
        day = ledgers.out / "2026-11-01"
        outputs[tag] = {
            p.name: _masked(p) for p in sorted(day.iterdir())}
    assert outputs["with"] == outputs["without"]
    shutil.rmtree(root)


def _masked(path: Path) -> bytes:
    """A file's bytes, its run ids and times masked (Parquet files: its rows)."""
    if path.suffix == ".parquet":
        import duckdb
        rows = duckdb.connect().execute(f"SELECT * FROM '{path}'").fetchall()
        return RUN_ID.sub("<run>", repr(rows)).encode()
    text = RUN_ID.sub("<run>", path.read_text(encoding="utf-8-sig"))
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text).encode()


@pytest.mark.browser
def test_the_summary_page_reads_at_1400_and_800_pixels(week, browser, tmp_path):
    """The page as a team lead opens it: the paragraph first, every cohort's line, no
    sideways scrolling of the page (wide tables scroll in their own box); screenshots
    in tests/artifacts/."""
    from selenium.webdriver.common.by import By

    page = tmp_path / "week.html"
    assert _invoke(week, "summary", "--from", DAYS[0], "--to", DAYS[4], "--format", "html",
                   "--out", str(page)).exit_code == 0
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for width in (1400, 800):
        browser.set_window_size(width, 1000)
        browser.get(page.as_uri())
        lead = browser.find_element(By.CSS_SELECTOR, "p.lead")
        assert lead.is_displayed() and "5 of 5 date(s) reconciled" in lead.text
        cohorts = browser.find_elements(By.CSS_SELECTOR, "#cohorts tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in cohorts] == [
            "pilot", "wave-1", "shadow"]
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, height + 100)
        shot = artifacts / f"summary-{width}.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
