"""CSV rows are counted by the file, not by the parser (recon/sources/csvfile.py).

Hypothesis damages random lines of a good CSV file — an unclosed quote, a stray quote,
a field too many or too few, bytes that are not UTF-8 — and mixes in what is legal: a quoted field
spanning lines, blank lines, CRLF line ends. Whatever it does:

- every record is a row read: rows_read is the number of records written;
- each damaged record is rejected, with its data line number and the reason;
- every other record is read, matched against the undamaged copy in v2;
- read = matched + missing + rejected.
"""

from __future__ import annotations

import itertools
import uuid

import duckdb
from conftest import DAY, Ledgers, entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.contract import ENTRY_COLUMNS

DAMAGE = {
    "unclosed quote": lambda f, k: f.__setitem__(k, '"' + f[k]),
    "too many fields": lambda f, k: f.append("x"),
    "too few fields": lambda f, k: f.pop(),
    "not UTF-8": lambda f, k: f.__setitem__(5, f[5] + "\udcff"),
    # a quote closing nothing: with an unclosed quote before it, the lines between would
    # parse as one record, but they are records of their own
    "bad quoting": lambda f, k: f.__setitem__(k, f[k] + '"'),
}
LEGAL = ("plain", "multi-line", "blank after", "crlf")
# where biz_order_no, the column the quotes go into, stands in the file: a quoted field
# spanning lines is legal in the first and the last column as in any other
POSITIONS = {"middle": 6, "first": 0, "last": len(ENTRY_COLUMNS) - 1}

records = st.lists(st.tuples(st.sampled_from(list(DAMAGE) + list(LEGAL) * 2)),
                   min_size=1, max_size=25)


def _line(fields: list[str]) -> str:
    return ",".join(fields)


@given(plan=records, position=st.sampled_from(list(POSITIONS)))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_record_is_read_and_every_damaged_one_rejected_at_its_line(tmp_path, plan,
                                                                         position):
    ledgers = Ledgers(tmp_path / uuid.uuid4().hex)
    columns = [c for c in ENTRY_COLUMNS if c != "biz_order_no"]
    columns.insert(POSITIONS[position], "biz_order_no")
    k = POSITIONS[position]
    rows = [entry(f"{i:06d}", biz_order_no=f"O{i}") for i in range(1, len(plan) + 1)]
    text, expected, line = [",".join(columns) + "\n"], {}, 1
    for row, (what,) in zip(rows, plan, strict=True):
        fields = [row[c] or "" for c in columns]
        line += 1
        end = "\n"
        if what in DAMAGE:
            DAMAGE[what](fields, k)
            expected[line - 1] = what
        elif what == "multi-line":
            fields[k] = f'"{fields[k]}\nsecond line"'
            row["biz_order_no"] = f"{row['biz_order_no']}\nsecond line"
        elif what == "crlf":
            end = "\r\n"
        text.append(_line(fields) + end)
        line += text[-1].count("\n") - 1
        if what == "blank after":
            text.append("\n")
            line += 1
    path = ledgers.entries("v1", [])
    path.write_bytes("".join(text).encode("utf-8", "surrogateescape"))
    ledgers.entries("v2", rows)
    ledgers.files[("v1", DAY)] = {"part-0": rows}   # balances as if nothing were damaged

    run = ledgers.diff()
    assert run.exit_code in (0, 1), run.stderr
    v1 = run.summary()["systems"]["v1"]
    assert v1["rows_read"] == len(rows)
    assert v1["conservation"]["holds"]
    rejected = {r["source_row"]: r["reason"] for r in run.rejects() if r["system"] == "v1"}
    assert set(rejected) == set(expected)
    for source_row, what in expected.items():
        assert rejected[source_row].startswith(f"malformed CSV row: {what}")
    assert v1["rows_matched"] == len(rows) - len(expected)


def test_the_unclosed_quote_of_the_issue_loses_no_row(ledgers):
    """5,000 rows, row 4,000 with an unclosed quote: 5,000 read, that one rejected."""
    rows = [entry(f"{i:06d}", biz_order_no=f"O{i}") for i in range(1, 5001)]
    path = ledgers.entries("v1", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4000] = lines[4000].replace(",O4000,", ',"O4000,')
    path.write_text("".join(lines), encoding="utf-8")
    ledgers.entries("v2", rows)
    ledgers.files[("v1", DAY)] = {"part-0": rows}
    run = ledgers.diff()
    v1 = run.summary()["systems"]["v1"]
    assert (v1["rows_read"], v1["rows_matched"], v1["rows_rejected"]) == (5000, 4999, 1)
    assert [(r["source_row"], r["reason"]) for r in run.rejects()] == [
        (4000, "malformed CSV row: unclosed quote")]
    missing = duckdb.connect().execute(
        f"SELECT count(*) FROM '{run.out / DAY / 'worklist.parquet'}' "
        f"WHERE kind = 'MISSING_IN_V1'").fetchone()[0]
    assert missing == 1    # v2's copy of the rejected row, and nothing else


def test_a_file_with_only_good_lines_is_parsed_the_same_by_either_path(ledgers, monkeypatch):
    """The fast path (DuckDB's reader) and the split path give the same rows."""
    from recon.engines import duckdb as engine

    rows = [entry(f"{i:06d}", biz_order_no=f'O "{i}", quoted') for i in range(1, 40)]
    ledgers.entries("v1", rows)
    ledgers.entries("v2", rows)
    fast = ledgers.diff().summary()
    monkeypatch.setattr(engine.DuckDBEngine, "_parse_csv", lambda *a: None)
    split = ledgers.diff().summary()
    assert fast["verdict"] == split["verdict"] == "clean"
    assert fast["systems"] == split["systems"]


def test_blank_lines_and_crlf_are_not_rows(ledgers):
    rows = [entry(f"{i:06d}") for i in range(1, 4)]
    path = ledgers.entries("v1", rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_bytes(("\r\n".join(itertools.chain(lines[:2], [""], lines[2:])) + "\r\n\r\n")
                     .encode())
    ledgers.entries("v2", rows)
    run = ledgers.diff()
    assert run.summary()["verdict"] == "clean", run.stdout
    assert run.summary()["systems"]["v1"]["rows_read"] == 3


def test_a_quoted_field_spanning_lines_in_the_last_column_is_one_record(ledgers):
    """The audit's file (issue 25, item 6): biz_order_no last, one record's value on two
    lines. Four records, four rows read, none rejected (it was five rows, two rejected,
    a false MISSING_IN_V1 and a P1 ROLLFORWARD_BREAK)."""
    columns = [c for c in ENTRY_COLUMNS if c != "biz_order_no"] + ["biz_order_no"]
    rows = [entry(f"S{i}", biz_order_no=f"O-S{i}") for i in range(1, 5)]
    rows[1]["biz_order_no"] = "O-S2\nsecond line"
    ledgers.entries("v1", rows, columns=columns)
    ledgers.entries("v2", rows)
    run = ledgers.diff()
    v1 = run.summary()["systems"]["v1"]
    assert (v1["rows_read"], v1["rows_rejected"]) == (4, 0)
    assert run.summary()["verdict"] == "clean", run.stdout


def test_lines_ending_in_cr_only_are_an_input_error_naming_the_file(ledgers):
    ledgers.entries("v2", [entry("001")])
    path = ledgers.entries("v1", [entry("001")])
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    run = ledgers.diff()
    assert run.exit_code == 3, run.stderr
    assert f"recon: {path}: csv file's lines end in CR only" in run.stderr


def test_nul_bytes_in_a_value_do_not_make_a_file_utf16(ledgers):
    """Three NUL bytes in a value near the start of a UTF-8 file: the file is read (the
    value is what it is), never refused as UTF-16."""
    ledgers.entries("v2", [entry("001", biz_type="DEP\x00\x00\x00OSIT")])
    ledgers.entries("v1", [entry("001", biz_type="DEP\x00\x00\x00OSIT")])
    run = ledgers.diff()
    assert run.exit_code == 0, run.stderr
    assert run.summary()["systems"]["v1"]["rows_matched"] == 1
