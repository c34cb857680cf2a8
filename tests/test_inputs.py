"""Bad input, file by file and type by type (docs/interface.md, "Bad input"): what is
read, what is rejected row by row, what is an input error (exit 3) naming the file and
the column — never a traceback, never exit 5."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DAY, entry

GOOD = [entry("000001"), entry("000002", amount="1234567.89")]

# (column, Parquet type, values) -> "read" | "rejected: reason" | "error: words"
TYPES = [
    ("amount", pa.decimal128(18, 2), [Decimal("10.00"), Decimal("1234567.89")], "read"),
    ("amount", pa.decimal128(12, 0), [Decimal("10"), Decimal("1234567")], "read"),
    ("amount", pa.int64(), [10, 1234567], "read"),
    ("amount", pa.string(), ["10.00", "1234567.89"], "read"),
    ("amount", pa.float32(), [10.0, 1234567.89], "error: is floating point (FLOAT)"),
    ("amount", pa.float64(), [10.0, 1234567.89], "error: is floating point (DOUBLE)"),
    ("amount", pa.decimal128(18, 4), [Decimal("10.0000"), Decimal("1.0000")],
     "error: money has at most 2 decimals"),
    ("amount", pa.bool_(), [True, False], "error: money must be DECIMAL(p,2)"),
    ("amount", pa.string(), ["10.00", "-0.00"], "read"),
    ("amount", pa.string(), ["10.00", "-1.00"], "rejected: negative amount"),
    ("amount", pa.string(), ["10.00", "1.5e16"], "rejected: amount out of range"),
    ("serial_no", pa.int64(), [1, 2], "error: keys must be text"),
    ("account_id", pa.int32(), [1, 1], "error: keys must be text"),
    ("account_id", pa.string(), ["A1", "   "], "rejected: missing account_id"),
    ("account_id", pa.string(), ["A1", "\t "], "rejected: missing account_id"),
    ("account_id", pa.string(), ["A1", " A2"], "read"),
    ("posted_at", pa.string(), ["2026-11-01 10:00:00", "2026-11-01 10:00:01"], "read"),
]


def _parquet(path, rows, column, typ, values):
    arrays = {}
    for c in rows[0]:
        if c == column:
            arrays[c] = pa.array(values, typ)
        elif c in ("amount", "balance_after"):
            arrays[c] = pa.array([None if r[c] is None else Decimal(r[c]) for r in rows],
                                 pa.decimal128(18, 2))
        else:
            arrays[c] = pa.array([r[c] for r in rows], pa.string())
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), path)


@pytest.mark.parametrize(("column", "typ", "values", "outcome"), TYPES,
                         ids=[f"{c}-{t}-{o.split(':')[0]}" for c, t, _, o in TYPES])
def test_parquet_types_of_the_contract_columns(ledgers, column, typ, values, outcome):
    ledgers.entries("v2", GOOD, fmt="parquet")
    ledgers.entries("v1", GOOD, fmt="parquet")   # for the derived balances
    path = ledgers.v1 / "entries" / f"biz_date={DAY}" / "part-0.parquet"
    _parquet(path, GOOD, column, typ, values)
    run = ledgers.diff()
    if outcome.startswith("error: "):
        assert run.exit_code == 3, run.stderr
        assert run.stderr.count("\n") == 1
        assert str(path) in run.stderr and f"column '{column}'" in run.stderr
        assert outcome.removeprefix("error: ") in run.stderr
        return
    assert run.exit_code in (0, 1), run.stderr
    reasons = [r["reason"] for r in run.rejects() if r["system"] == "v1"]
    if outcome == "read":
        assert reasons == []
        assert run.summary()["systems"]["v1"]["rows_loaded"] == 2
    else:
        assert reasons == [outcome.removeprefix("rejected: ")]


# -- files a partition may hold ---------------------------------------------------------

def test_a_file_that_is_not_data_is_an_input_error_naming_it(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    stray = ledgers.v1 / "entries" / f"biz_date={DAY}" / "part-3.txt"
    stray.write_text("serial_no\n")
    (stray.parent / "_SUCCESS").write_text("")
    (stray.parent / ".part-0.csv.crc").write_text("")
    run = ledgers.diff()
    assert run.exit_code == 3
    assert f"{stray}: not a data file" in run.stderr


def test_gzip_csv_and_upper_case_suffixes_are_read(ledgers):
    import gzip

    ledgers.entries("v2", GOOD)
    path = ledgers.entries("v1", GOOD[:1], name="part-0")
    path.rename(path.with_name("part-0.CSV"))
    other = ledgers.entries("v1", GOOD[1:], name="part-1")
    other.with_name("part-1.csv.gz").write_bytes(gzip.compress(other.read_bytes()))
    other.unlink()
    ledgers.files[("v1", DAY)] = {"part-0": GOOD}
    run = ledgers.diff()
    assert run.summary()["verdict"] == "clean", run.stdout + run.stderr
    assert run.summary()["systems"]["v1"]["files"] == 2


@pytest.mark.parametrize(("content", "message"), [
    (b"", "csv file is empty: no header row"),
    ("serial_no,account_id\n".encode("utf-16"), "UTF-16 encoded"),
    (b"serial_no;account_id;direction\n1;A1;C\n", "separated by semicolons, not commas"),
    (b"serial_no,,account_id\n1,,A1\n", "csv header has no name for column 2"),
    (b"serial_no,serial_no\n1,2\n", "csv header names column 'serial_no' twice"),
])
def test_a_csv_file_that_is_not_comma_separated_utf8_says_so(ledgers, content, message):
    ledgers.entries("v2", GOOD)
    path = ledgers.entries("v1", GOOD)
    path.write_bytes(content)
    run = ledgers.diff()
    assert run.exit_code == 3
    assert f"{path}: " in run.stderr and message in run.stderr


def test_a_corrupt_parquet_page_is_an_input_error_naming_the_file(ledgers):
    rows = [entry(f"{i:06d}", biz_order_no=f"order-{i:08d}-" + "x" * 40) for i in range(4000)]
    ledgers.entries("v2", rows, fmt="parquet")
    path = ledgers.entries("v1", rows, fmt="parquet")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 512] = b"\x13" * 512     # the footer stays intact
    path.write_bytes(bytes(data))
    run = ledgers.diff()
    assert run.exit_code == 3, run.stderr
    assert f"recon: {path}: cannot read parquet file" in run.stderr


# -- what is the user's to fix: config, options, permissions -----------------------------

@pytest.mark.parametrize(("toml", "key"), [
    ("[compare]\nfields = 5\n", "compare.fields"),
    ('[compare]\nfields = "currency"\n', "compare.fields"),
    ("[duckdb]\nthreads = true\n", "duckdb.threads"),
    ("[nightly]\ncatch_up_days = false\n", "nightly.catch_up_days"),
    ("[spark]\nshuffle_partitions = 1.5\n", "spark.shuffle_partitions"),
])
def test_config_values_of_the_wrong_type_are_exit_2_naming_the_key(ledgers, toml, key):
    config = ledgers.root / "recon.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(toml)
    run = ledgers.diff("--config", str(config))
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"recon: {config}: {key} must be")


def test_a_bad_date_for_the_nightly_job_is_exit_2(ledgers):
    run = ledgers.invoke("nightly", "--v1", str(ledgers.v1), "--v2", str(ledgers.v2),
                         "--db", str(ledgers.db), "--today", "2026/11/04", "--dry-run")
    assert run.exit_code == 2
    assert "--today '2026/11/04' is not a date in the form YYYY-MM-DD" in run.stderr


def test_an_output_folder_or_state_that_cannot_be_written_is_exit_2_naming_it(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    ledgers.derived_balances()
    blocker = ledgers.root / "a-file"
    blocker.write_text("")
    run = ledgers.invoke("diff", "--date", DAY, "--v1", str(ledgers.v1), "--v2",
                         str(ledgers.v2), "--out", str(blocker / "out"), "--db",
                         str(ledgers.db), "--no-html")
    assert run.exit_code == 2, run.stderr
    assert str(blocker / "out") in run.stderr and "cannot write the outputs" in run.stderr
    run = ledgers.invoke("diff", "--date", DAY, "--v1", str(ledgers.v1), "--v2",
                         str(ledgers.v2), "--out", str(ledgers.out), "--db",
                         str(blocker / "recon.duckdb"), "--no-html")
    assert run.exit_code == 2, run.stderr
    assert str(blocker) in run.stderr


def test_a_partition_that_cannot_be_listed_is_exit_3_naming_it(ledgers, monkeypatch):
    """As root the tests cannot lose a permission, so the file system refuses here."""
    from pathlib import Path

    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    ledgers.derived_balances()
    part = ledgers.v2 / "balances" / f"biz_date={DAY}"
    listing = Path.iterdir

    def refuse(self):
        if self == part:
            raise PermissionError(13, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    run = ledgers.diff()
    assert run.exit_code == 3
    assert run.stderr == f"recon: {part}: cannot list the partition: Permission denied\n"


def test_the_same_directory_twice_is_said(ledgers):
    ledgers.entries("v1", GOOD)
    run = ledgers.diff(v2=ledgers.v1)
    assert "--v1 and --v2 are the same directory" in run.stderr
