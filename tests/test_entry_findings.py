"""Tiny hand-written ledgers, one per entry finding kind, with the exact expected rows."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from conftest import entry, findings, open_state

from recon.contract import ENTRY_KINDS

BASE = [entry("000001", amount="100.00"), entry("000002", direction="D", amount="30.00")]


def entry_findings(run):
    return {f for f in findings(run) if f[0] in ENTRY_KINDS}


def test_identical_ledgers_are_clean(any_format_ledgers):
    """No break planted: exit 0, verdict clean, empty worklist."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", BASE)
    run = lg.diff()
    assert run.exit_code == 0, run.stderr
    assert run.summary()["verdict"] == "clean"
    assert entry_findings(run) == set()
    assert run.summary()["rows_matched"] == 2


def test_missing_in_v2(any_format_ledgers):
    """Planted: v2 lacks v1 serial 000002 (D 30.00) -> MISSING_IN_V2, impact +30.00."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", BASE[:1])
    run = lg.diff()
    assert run.exit_code == 1
    assert entry_findings(run) == {
        ("MISSING_IN_V2", None, "A1", "000002", None, None, "D 30.00", None, D("30.00")),
    }


def test_missing_in_v1(any_format_ledgers):
    """Planted: v2 has an extra serial 000009 (C 5.00) -> MISSING_IN_V1, impact +5.00."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", [*BASE, entry("000009", amount="5.00")])
    run = lg.diff()
    assert entry_findings(run) == {
        ("MISSING_IN_V1", None, "A1", None, "000009", None, None, "C 5.00", D("5.00")),
    }


def test_serial_mismatch(any_format_ledgers):
    """Planted: v2 posted v1's 000002 under serial 900002 (same order, direction, amount)
    -> one SERIAL_MISMATCH with impact 0, not two missing entries."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", [BASE[0], entry("900002", direction="D", amount="30.00",
                                     biz_order_no="O-000002")])
    run = lg.diff()
    assert entry_findings(run) == {
        ("SERIAL_MISMATCH", None, "A1", "000002", "900002", "serial_no", "000002", "900002",
         D("0.00")),
    }
    assert run.summary()["rows_matched"] == 2


def test_amount_mismatch(any_format_ledgers):
    """Planted: v2 000001 is C 100.10 where v1 has C 100.00 -> impact +0.10."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", [entry("000001", amount="100.10"), BASE[1]])
    run = lg.diff()
    assert entry_findings(run) == {
        ("AMOUNT_MISMATCH", None, "A1", "000001", "000001", "amount", "C 100.00", "C 100.10",
         D("0.10")),
    }


def test_direction_mismatch(any_format_ledgers):
    """Planted: v2 000002 is C 30.00 where v1 has D 30.00 -> impact +60.00."""
    lg = any_format_ledgers
    lg.entries("v1", BASE)
    lg.entries("v2", [BASE[0], entry("000002", direction="C", amount="30.00")])
    run = lg.diff()
    assert entry_findings(run) == {
        ("DIRECTION_MISMATCH", None, "A1", "000002", "000002", "direction", "D 30.00",
         "C 30.00", D("60.00")),
    }


def test_amount_and_direction_both_differ_report_amount_only(ledgers):
    """Planted: v1 D 30.00, v2 C 31.00 -> only AMOUNT_MISMATCH, with the full +61.00."""
    ledgers.entries("v1", BASE)
    ledgers.entries("v2", [BASE[0], entry("000002", direction="C", amount="31.00")])
    run = ledgers.diff()
    assert entry_findings(run) == {
        ("AMOUNT_MISMATCH", None, "A1", "000002", "000002", "amount", "D 30.00", "C 31.00",
         D("61.00")),
    }


def test_field_mismatch_one_row_per_field_null_safe(any_format_ledgers):
    """Planted: v1's legal_entity of 000001 is blank (the broken 1.x entity field) and its
    subject_code differs -> two FIELD_MISMATCH rows; NULL vs value is a difference."""
    lg = any_format_ledgers
    lg.entries("v1", [entry("000001", amount="100.00", legal_entity=None, subject_code="9999"),
                      BASE[1]])
    lg.entries("v2", BASE)
    run = lg.diff()
    assert entry_findings(run) == {
        ("FIELD_MISMATCH", None, "A1", "000001", "000001", "legal_entity", None, "LE01",
         D("0.00")),
        ("FIELD_MISMATCH", None, "A1", "000001", "000001", "subject_code", "9999", "2201",
         D("0.00")),
    }


def test_null_equals_null_in_field_compare(ledgers):
    """Both sides have NULL biz_order_no and legal_entity: no finding."""
    rows = [entry("000001", biz_order_no=None, legal_entity=None)]
    ledgers.entries("v1", rows)
    ledgers.entries("v2", rows)
    assert entry_findings(ledgers.diff()) == set()


def test_duplicate_serial_copy_to_copy(any_format_ledgers):
    """Planted: v1 posted 000002 twice, v2 once -> DUPLICATE_SERIAL (v1) with impact 0,
    and the extra copy is MISSING_IN_V2 with +30.00. The first copy matches."""
    lg = any_format_ledgers
    lg.entries("v1", [*BASE, BASE[1]])
    lg.entries("v2", BASE)
    run = lg.diff()
    assert entry_findings(run) == {
        ("DUPLICATE_SERIAL", "v1", "A1", "000002", None, "serial_no", "2 copies", None,
         D("0.00")),
        ("MISSING_IN_V2", None, "A1", "000002", None, None, "D 30.00", None, D("30.00")),
    }
    dup = next(r for r in run.worklist() if r["kind"] == "DUPLICATE_SERIAL")
    assert dup["fix_side"] == "v1"


def test_duplicates_on_both_sides_pair_by_posted_at(ledgers):
    """Planted: both systems hold 000003 twice; v2's later copy has another amount.
    Copies pair in posted_at order: copy 1 matches, copy 2 is an AMOUNT_MISMATCH."""
    early = entry("000003", amount="1.00", posted_at="2026-11-01 09:00:00")
    late = entry("000003", amount="2.00", posted_at="2026-11-01 11:00:00")
    ledgers.entries("v1", [late, early])
    ledgers.entries("v2", [early, entry("000003", amount="2.50",
                                        posted_at="2026-11-01 11:00:00")])
    got = entry_findings(ledgers.diff())
    assert got == {
        ("DUPLICATE_SERIAL", "v1", "A1", "000003", None, "serial_no", "2 copies", None,
         D("0.00")),
        ("DUPLICATE_SERIAL", "v2", "A1", None, "000003", "serial_no", None, "2 copies",
         D("0.00")),
        ("AMOUNT_MISMATCH", None, "A1", "000003", "000003", "amount", "C 2.00", "C 2.50",
         D("0.50")),
    }


def test_secondary_match_is_one_to_one(ledgers):
    """Planted: two v1-only and three v2-only entries share order, direction and amount.
    Two SERIAL_MISMATCH pairs (by posted_at order), one v2 entry left MISSING_IN_V1."""
    def e(serial, hour):
        return entry(serial, amount="7.00", biz_order_no="ORD",
                     posted_at=f"2026-11-01 {hour}:00:00")
    ledgers.entries("v1", [e("a1", 10), e("a2", 11)])
    ledgers.entries("v2", [e("b3", 12), e("b1", 10), e("b2", 11)])
    got = entry_findings(ledgers.diff())
    assert {(k, v1, v2) for k, _s, _a, v1, v2, *_ in got} == {
        ("SERIAL_MISMATCH", "a1", "b1"),
        ("SERIAL_MISMATCH", "a2", "b2"),
        ("MISSING_IN_V1", None, "b3"),
    }


def test_serial_numbers_keep_leading_zeros_and_keys_are_per_account(ledgers):
    """000123 and 123 are different serials; the same serial on two accounts is two keys."""
    ledgers.entries("v1", [entry("000123", biz_order_no=None),
                           entry("000123", account_id="A2", biz_order_no=None)])
    ledgers.entries("v2", [entry("123", biz_order_no=None),
                           entry("000123", account_id="A2", biz_order_no=None)])
    got = entry_findings(ledgers.diff())
    assert {(k, a, v1, v2) for k, _s, a, v1, v2, *_ in got} == {
        ("MISSING_IN_V2", "A1", "000123", None),
        ("MISSING_IN_V1", "A1", None, "123"),
    }


def test_configured_fields_and_ignore(ledgers, tmp_path):
    """Planted: biz_type and subject_code differ. With compare.ignore = ["biz_type"],
    only subject_code is reported."""
    ledgers.entries("v1", [entry("000001", biz_type="DEPOSIT", subject_code="1")])
    ledgers.entries("v2", [entry("000001", biz_type="SPLIT", subject_code="2")])
    config = tmp_path / "recon.toml"
    config.write_text('[compare]\nignore = ["biz_type"]\n')
    got = entry_findings(ledgers.diff("--config", str(config)))
    assert {(k, f) for k, _s, _a, _1, _2, f, *_ in got} == {("FIELD_MISMATCH", "subject_code")}


def test_field_absent_on_one_side_is_not_compared(ledgers):
    """v2's files have no subject_code column: it is skipped, and said so in the summary."""
    cols = [c for c in entry("x") if c != "subject_code"]
    ledgers.entries("v1", [entry("000001", subject_code="1")])
    ledgers.entries("v2", [entry("000001")], columns=cols)
    run = ledgers.diff()
    assert entry_findings(run) == set()
    assert run.summary()["skipped_fields"] == ["subject_code"]


def test_worklist_columns_and_csv_bom(ledgers):
    ledgers.entries("v1", BASE)
    ledgers.entries("v2", BASE[:1])
    run = ledgers.diff()
    row = run.worklist()[0]
    for column in ("item_id", "biz_date", "kind", "severity", "status", "account_id",
                   "v1_serial_no", "v2_serial_no", "field", "v1_value", "v2_value",
                   "amount_impact", "residual", "fix_side", "suggested_action", "first_seen"):
        assert column in row
    assert row["status"] == "new" and row["severity"] in ("P1", "P2", "P3", "P4")
    raw = (run.out / "2026-11-01" / "worklist.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfitem_id,")
    assert b"30.00" in raw


@pytest.mark.parametrize("amount,severity", [("20000.00", "P1"), ("500.00", "P2"),
                                             ("5.00", "P3")])
def test_severity_by_amount(ledgers, amount, severity):
    """A missing entry ranks by its |impact|: ≥ 10,000 P1, ≥ 100 P2, else P3."""
    ledgers.entries("v1", [entry("000001", amount=amount)])
    ledgers.entries("v2", [entry("000002", amount="1.00", biz_order_no=None)])
    rows = {r["kind"]: r for r in ledgers.diff().worklist()}
    assert rows["MISSING_IN_V2"]["severity"] == severity


def _evidence(lg, table: str = "evidence") -> list[tuple]:

    con = open_state(lg.db)
    try:
        return sorted(con.execute(
            f"SELECT system, account_id, serial_no, amount, copy_no, copies, source_row "
            f"FROM {table}").fetchall())
    finally:
        con.close()


def test_evidence_keeps_the_rows_findings_name_and_no_clean_entry(any_format_ledgers,
                                                                  tmp_path):
    """Planted on A1: 000002 only in v1, 000003 C 5.00 vs C 5.50, 000004 twice in v1,
    000905 only in v2 (A1's closing balances then differ, so its clean 000001 is kept
    too, for `recon explain`). A2's 000101 is clean on both sides and its balances tie:
    it is not kept. With keep_entries = "all" the findings are the same and `entries`
    holds every valid row once."""
    lg = any_format_ledgers
    v1 = [entry("000001"), entry("000002"), entry("000003", amount="5.00"),
          entry("000004", amount="1.00"), entry("000004", amount="1.00",
                                                   posted_at="2026-11-01 11:00:00"),
          entry("000101", account_id="A2")]
    v2 = [entry("000001"), entry("000003", amount="5.50"), entry("000004", amount="1.00"),
          entry("000905"), entry("000101", account_id="A2")]
    lg.entries("v1", v1)
    lg.entries("v2", v2)
    run = lg.diff()
    assert run.exit_code == 1
    kept = _evidence(lg)
    assert [(s, a, n, str(m), c, k) for s, a, n, m, c, k, _ in kept] == [
        ("v1", "A1", "000001", "10.00", 1, 1), ("v1", "A1", "000002", "10.00", 1, 1),
        ("v1", "A1", "000003", "5.00", 1, 1), ("v1", "A1", "000004", "1.00", 1, 2),
        ("v1", "A1", "000004", "1.00", 2, 2),
        ("v2", "A1", "000001", "10.00", 1, 1), ("v2", "A1", "000003", "5.50", 1, 1),
        ("v2", "A1", "000004", "1.00", 1, 1), ("v2", "A1", "000905", "10.00", 1, 1),
    ]
    # each kept row names its place in its file: rows are numbered from 1 in file order
    assert {(s, n, r) for s, _, n, _, c, _, r in kept if n == "000004"} == {
        ("v1", "000004", 4), ("v1", "000004", 5), ("v2", "000004", 3)}
    assert _evidence(lg, "entries") == []

    config = tmp_path / "all.toml"
    config.write_text('[state]\nkeep_entries = "all"\n')
    again = lg.diff("--config", str(config))
    assert again.exit_code == 1
    assert findings(again) == findings(run)
    assert _evidence(lg) == kept
    stored = _evidence(lg, "entries")
    assert len(stored) == len(v1) + len(v2)
    assert {(s, n, c, k) for s, _, n, _, c, k, _ in stored if n == "000004"} == {
        ("v1", "000004", 1, 2), ("v1", "000004", 2, 2), ("v2", "000004", 1, 1)}


def test_keep_entries_must_be_evidence_or_all(ledgers, tmp_path):
    ledgers.entries("v1", BASE)
    ledgers.entries("v2", BASE)
    config = tmp_path / "bad.toml"
    config.write_text('[state]\nkeep_entries = "some"\n')
    run = ledgers.diff("--config", str(config))
    assert run.exit_code == 2
    assert "state.keep_entries must be one of evidence, all" in run.stderr
