"""The laws of reconciliation, checked with hypothesis on generated ledger pairs.

- recall and precision: every planted break, entry and balance kinds, is found with its
  exact impact (and residual), nothing else;
- symmetry: swapping v1 and v2 swaps MISSING_IN_V1/V2 and negates every impact;
- idempotence: rerunning a date gives identical outputs;
- format independence: CSV and Parquet inputs give identical findings;
- conservation: rows read = matched + missing + rejected, for each system.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import open_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.generate import Spec, generate
from recon import pipeline
from recon.config import Config
from recon.contract import ENTRY_KINDS, KINDS

START = date(2026, 11, 1)
PROFILE = settings(max_examples=5, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])

specs = st.builds(
    Spec,
    start=st.just(START),
    days=st.just(1),
    entries=st.integers(20, 400),
    accounts=st.integers(10, 60),
    breaks=st.integers(0, 3),
    junk=st.integers(0, 7),
    balance_breaks=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
    format=st.sampled_from(["parquet", "csv"]),
    files=st.integers(1, 3),
    chunk=st.sampled_from([2_000_000, 97]),    # 97: a day made in several chunks
)


def reconcile(root: Path, v1: Path, v2: Path, tag: str = "run", force: bool = False,
              config: Config | None = None) -> Path:
    out = root / f"out-{tag}"
    request = pipeline.DiffRequest(v1_dir=v1, v2_dir=v2, out_dir=out,
                                   db_path=root / f"{tag}.duckdb",
                                   config=config or Config(html=False), force=force)
    pipeline.diff(request, [START])
    return out / START.isoformat()


def finding_rows(parquet: str, where: str = "TRUE", *, every_kind: bool = False
                 ) -> list[tuple]:
    """The findings in a parquet file as sorted comparable tuples: the entry findings, or
    with `every_kind` the account findings too, each with its residual."""
    kinds = ", ".join(f"'{k}'" for k in (KINDS if every_kind else ENTRY_KINDS))
    residual = ", residual" if every_kind else ""
    return duckdb.connect().execute(
        f"SELECT kind, COALESCE(system, ''), account_id, COALESCE(v1_serial_no, ''), "
        f"COALESCE(v2_serial_no, ''), COALESCE(field, ''), amount_impact{residual} "
        f"FROM read_parquet('{parquet}') WHERE kind IN ({kinds}) AND {where} ORDER BY ALL"
    ).fetchall()


def entry_rows(day_out: Path) -> list[tuple]:
    return finding_rows(f"{day_out}/worklist.parquet")


@pytest.fixture
def workdir(tmp_path_factory):
    return tmp_path_factory


def fresh(factory) -> Path:
    return factory.mktemp("prop")


@PROFILE
@given(spec=specs)
def test_planted_breaks_found_exactly_and_rows_conserved(workdir, spec):
    """Every planted break, entry and balance kinds, is found with its exact impact and
    residual, and nothing else; every row is accounted for."""
    root = fresh(workdir)
    data = generate(root / "data", spec)
    day = reconcile(root, data / "v1", data / "v2")
    assert finding_rows(f"{day}/worklist.parquet", every_kind=True) == finding_rows(
        f"{data}/truth/findings.parquet", f"biz_date = DATE '{START}'", every_kind=True)
    summary = json.loads((day / "summary.json").read_text())
    for system in ("v1", "v2"):
        s = summary["systems"][system]
        assert s["rows_read"] == s["rows_matched"] + s["rows_missing"] + s["rows_rejected"]
        assert s["rows_rejected"] == spec.junk
    shutil.rmtree(root)


@PROFILE
@given(spec=specs)
def test_swapping_v1_and_v2_mirrors_every_finding(workdir, spec):
    root = fresh(workdir)
    data = generate(root / "data", spec)
    forward = entry_rows(reconcile(root, data / "v1", data / "v2", "fwd"))
    backward = entry_rows(reconcile(root, data / "v2", data / "v1", "bwd"))
    swap_kind = {"MISSING_IN_V1": "MISSING_IN_V2", "MISSING_IN_V2": "MISSING_IN_V1"}
    swap_system = {"v1": "v2", "v2": "v1", "": ""}
    mirrored = sorted(
        (swap_kind.get(kind, kind), swap_system[system], account, v2_serial, v1_serial, field,
         -impact)
        for kind, system, account, v1_serial, v2_serial, field, impact in forward
    )
    assert backward == mirrored
    shutil.rmtree(root)


@PROFILE
@given(spec=specs)
def test_rerun_gives_identical_outputs(workdir, spec):
    root = fresh(workdir)
    data = generate(root / "data", spec)
    first = reconcile(root, data / "v1", data / "v2")
    before = {p.name: p.read_bytes() for p in first.iterdir() if p.suffix != ".json"
              and p.name != "report.md"}
    first_rows = duckdb.connect().execute(
        f"SELECT * EXCLUDE (status, run_id) FROM read_parquet('{first}/worklist.parquet') "
        f"ORDER BY item_id").fetchall()
    again = reconcile(root, data / "v1", data / "v2", force=True)   # recomputed, not skipped
    rows = duckdb.connect().execute(
        f"SELECT * EXCLUDE (status, run_id) FROM read_parquet('{again}/worklist.parquet') "
        f"ORDER BY item_id").fetchall()
    assert rows == first_rows
    statuses = duckdb.connect().execute(
        f"SELECT DISTINCT status FROM read_parquet('{again}/worklist.parquet')").fetchall()
    assert set(statuses) <= {("open",)}
    assert (again / "rejects.parquet").read_bytes() == before["rejects.parquet"]
    con = open_state(root / "run.duckdb")
    assert con.execute("SELECT count(*) - count(DISTINCT item_id) FROM worklist").fetchone() == (0,)
    assert con.execute("SELECT count(DISTINCT biz_date) FROM evidence").fetchone()[0] <= 1
    shutil.rmtree(root)


@PROFILE
@given(spec=specs.filter(lambda s: s.junk == 0))
def test_csv_and_parquet_give_identical_findings(workdir, spec):
    root = fresh(workdir)
    as_parquet = generate(root / "pq", Spec(**{**spec.__dict__, "format": "parquet"}))
    as_csv = generate(root / "csv", Spec(**{**spec.__dict__, "format": "csv"}))
    assert (entry_rows(reconcile(root, as_parquet / "v1", as_parquet / "v2", "pq"))
            == entry_rows(reconcile(root, as_csv / "v1", as_csv / "v2", "csv")))
    shutil.rmtree(root)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs.filter(lambda s: s.breaks > 0), bound=st.sampled_from([2, 3, 20]))
def test_the_netting_match_moves_no_money_and_keeps_to_its_bound(workdir, spec, bound):
    """The netting match moves no money: each account's Σ amount_impact over its entry
    findings is the same with the match on and off. It takes exactly the planted groups
    of at most `bound` entries (a payout and its refund are two, gross, fee and net
    three); a larger group, and every near one, stays MISSING_IN_*."""
    root = fresh(workdir)
    data = generate(root / "data", spec)
    totals, netted = {}, {}
    for tag, limit in (("on", bound), ("off", 0)):
        day = reconcile(root, data / "v1", data / "v2", tag,
                        config=Config(html=False, netting_max_entries=limit))
        con = duckdb.connect()
        totals[tag] = con.execute(
            f"SELECT account_id, sum(amount_impact) FROM '{day}/worklist.parquet' "
            f"WHERE kind IN ({', '.join(repr(k) for k in ENTRY_KINDS)}) "
            f"GROUP BY ALL ORDER BY ALL").fetchall()
        netted[tag] = finding_rows(f"{day}/worklist.parquet", "kind = 'NETTING_DIFFERENCE'")
    assert totals["on"] == totals["off"]
    assert netted["off"] == []
    size = ("COALESCE(len(string_split(v1_serial_no, '+')), 0) "
            "+ COALESCE(len(string_split(v2_serial_no, '+')), 0)")
    planted = finding_rows(f"{data}/truth/findings.parquet",
                           f"kind = 'NETTING_DIFFERENCE' AND {size} <= {bound}")
    assert netted["on"] == planted and planted
    shutil.rmtree(root)


multi_day = st.builds(
    Spec,
    start=st.sampled_from([date(2026, 11, 29), date(2026, 12, 30)]),   # across a month end
    days=st.integers(2, 3),
    entries=st.integers(30, 200),
    accounts=st.integers(10, 40),
    breaks=st.integers(1, 2),
    junk=st.integers(0, 3),
    balance_breaks=st.integers(0, 1),
    seed=st.integers(0, 2**32 - 1),
    format=st.sampled_from(["parquet", "csv"]),
)


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=multi_day)
def test_cut_offs_and_splits_across_dates_found_exactly(workdir, spec):
    """Postings planted on both sides of each cut-off, splits and near-splits: every date
    reports exactly the truth (TIMING_DIFFERENCE on the later date, the earlier date's
    MISSING_IN_* settled). And the law of the timing match: it moves no money, so each
    account's Σ entry impact over the dates is the same with the match off."""
    root = fresh(workdir)
    data = generate(root / "data", spec)
    dates = [spec.start + timedelta(days=k) for k in range(spec.days)]
    totals = {}
    for window in (1, 0):
        out = root / f"out-{window}"
        request = pipeline.DiffRequest(v1_dir=data / "v1", v2_dir=data / "v2", out_dir=out,
                                   db_path=root / f"w{window}.duckdb",
                                   config=Config(html=False, timing_window_days=window))
        pipeline.diff(request, dates)
        totals[window] = duckdb.connect().execute(
            f"SELECT account_id, sum(amount_impact) FROM read_parquet('{out}/*/worklist.parquet')"
            f" WHERE kind IN ({', '.join(repr(k) for k in ENTRY_KINDS)}) GROUP BY ALL "
            f"ORDER BY ALL").fetchall()
        if window == 1:
            for day in dates:
                assert finding_rows(f"{out}/{day}/worklist.parquet", every_kind=True) == \
                    finding_rows(f"{data}/truth/findings.parquet", f"biz_date = DATE '{day}'",
                                 every_kind=True)
    assert totals[1] == totals[0]
    shutil.rmtree(root)
