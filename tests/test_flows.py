"""The month-end check's flows and entities, held to sums computed here, independently of
recon, over random ledgers (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from conftest import Ledgers, entry, month_end, open_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# -- the flows are the sums of the entries, computed independently --------------------

ENTITY = st.sampled_from(["LE01", "LE02", None])
BIZ = st.sampled_from(["DEPOSIT", "WITHDRAW", "FEE"])
ROWS = st.lists(st.tuples(
    st.sampled_from(["A1", "A2", "A3"]), st.sampled_from(["C", "D"]),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False), BIZ, ENTITY,
    st.sampled_from(["CNY", "USD"])), max_size=12)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(st.tuples(ROWS, ROWS), min_size=1, max_size=3))
def test_flow_totals_equal_independent_sums(tmp_path_factory, days):
    ledgers = Ledgers(tmp_path_factory.mktemp("flows"))
    expected: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
    dates = [f"2026-04-{k + 1:02d}" for k in range(len(days))]
    for d, sides in zip(dates, days, strict=True):
        for system, rows in zip(("v1", "v2"), sides, strict=True):
            ledgers.entries(system, [
                entry(f"S{i}", account_id=acct, direction=dc, amount=f"{amount:.2f}",
                      biz_type=biz, legal_entity=le, currency=ccy,
                      posted_at=f"{d} 09:{i % 60:02d}:00")
                for i, (acct, dc, amount, biz, le, ccy) in enumerate(rows)], day=d)
            for _acct, dc, amount, biz, le, ccy in rows:
                totals = expected[(le, biz, dc, ccy)]
                k = 0 if system == "v1" else 2
                totals[k] += 1
                totals[k + 1] += amount
    ledgers.diff("--from", dates[0], "--to", dates[-1], "--fail-on", "never")
    _, summary = month_end(ledgers.db, ledgers.root / "me", month="2026-04")
    got = {(f["legal_entity"], f["biz_type"], f["direction"], f["currency"]):
           [f["v1_count"], Decimal(f["v1_amount"]), f["v2_count"], Decimal(f["v2_amount"])]
           for f in summary["flows"]}
    assert got == dict(expected)
    assert summary["verdict"] == "FAIL"                  # April has 30 dates, not all run
    assert len(summary["missing_dates"]) == 30 - len(dates)


ACCOUNT_ROWS = st.lists(st.tuples(
    st.sampled_from(["A1", "A2", "A3"]), st.sampled_from([8, 9, 10]),   # hour: ties happen
    st.sampled_from(["LE01", "LE02", None])), min_size=1, max_size=15)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ACCOUNT_ROWS, order=st.randoms(use_true_random=False), split=st.integers(0, 15))
def test_an_account_takes_the_entity_of_its_latest_entry(tmp_path_factory, rows, order,
                                                          split):
    """daily_accounts: each account's entity is that of an entry at its latest instant
    (the only one when it is unique there); the same entries in v2, shuffled and split
    over two files, give every account the same entity; counts and nets are exact."""
    ledgers = Ledgers(tmp_path_factory.mktemp("entity"))
    entries = [entry(f"S{i:03d}", account_id=acct, legal_entity=le, amount=f"{i + 1}.25",
                     direction="CD"[i % 2], posted_at=f"2026-11-01 {hour:02d}:00:00")
               for i, (acct, hour, le) in enumerate(rows)]
    ledgers.entries("v1", entries)
    shuffled = entries[:]
    order.shuffle(shuffled)
    ledgers.entries("v2", shuffled[:split], name="part-0")
    ledgers.entries("v2", shuffled[split:], name="part-1")
    ledgers.diff("--fail-on", "never")
    con = open_state(ledgers.db)
    got = {(s, a): (le, n, net) for s, a, le, n, net in con.execute(
        "SELECT system, account_id, legal_entity, entries, net FROM daily_accounts").fetchall()}
    con.close()
    for acct in {r["account_id"] for r in entries}:
        mine = [r for r in entries if r["account_id"] == acct]
        latest = max(r["posted_at"] for r in mine)
        at_latest = {r["legal_entity"] for r in mine if r["posted_at"] == latest}
        net = sum(Decimal(r["amount"]) * (1 if r["direction"] == "C" else -1) for r in mine)
        entity, count, total = got[("v1", acct)]
        assert entity in at_latest
        assert (count, total) == (len(mine), net)
        assert got[("v2", acct)] == got[("v1", acct)]
