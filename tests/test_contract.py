"""The vocabulary is declared once (recon/contract.py): every kind the finding queries
produce has its row in the kinds table, and every row is produced by some query."""

from __future__ import annotations

import re

import duckdb
import pytest

from recon import contract, queries


def test_every_kind_has_its_query_and_its_query_finds_that_kind():
    """A kind is one row of the kinds table and one query, found through the table:
    each query adds rows of its own kind (and the matches beyond one-to-one take the
    MISSING_IN_* rows they pair)."""
    for kind in contract.KINDS_TABLE:
        text = "\n".join(queries.statements(kind.query))
        assert set(re.findall(r"'([A-Z][A-Z0-9_]+)' AS kind", text)) == {kind.name}, kind.name


TEMPLATES = [(k.name, t) for k in contract.KINDS_TABLE
             for t in (k.action, *(text for _, text in k.cases))]


@pytest.mark.parametrize(("kind", "template"), TEMPLATES, ids=[k for k, _ in TEMPLATES])
def test_each_action_template_is_filled_once_with_the_findings_values(kind, template):
    """Each {placeholder} gets the finding's value, once: a value that itself looks like a
    placeholder is left as it is."""
    values = {"v1_value": "C 1.00", "v2_value": "{v1_value}", "v1_serial_no": "S1",
              "v2_serial_no": "S2", "field": "biz_type", "system": "v1",
              "residual": "5.00", "biz_order_no": "O-7", "cutover_date": "2026-11-02"}
    row = duckdb.connect().execute(
        f"SELECT {contract.fill_sql(template)} FROM (SELECT $v1_value AS v1_value, "
        f"$v2_value AS v2_value, $v1_serial_no AS v1_serial_no, $v2_serial_no AS "
        f"v2_serial_no, $field AS field, $system AS system, $biz_order_no AS biz_order_no, "
        f"CAST($residual AS DECIMAL(18,2)) AS residual, "
        f"CAST($cutover_date AS DATE) AS cutover_date)", values).fetchone()
    assert row == (template.format(serial_no="S1", **values),)


@pytest.mark.parametrize(("kind", "columns", "starts"), [
    ("BALANCE_MISMATCH", {"residual": "0.00"}, "explained by the carried-in difference"),
    ("BALANCE_MISMATCH", {"residual": "3.00"}, "investigate the unexplained difference"),
    ("ACCOUNT_MISSING_IN_V1", {"v1_value": "no balance row, 4 entries"},
     "v1 has the account (no balance row, 4 entries): deliver v1's day-end balance row"),
    ("ACCOUNT_MISSING_IN_V1", {}, "v1 has no such account: close it in v2"),
    ("MISSING_IN_V2", {"copies": 2, "v1_value": "C 5.00"},
     "v1 has serial S1 more than once (DUPLICATE_SERIAL): remove this extra copy"),
    ("MISSING_IN_V2", {"copies": 1, "v1_value": "C 5.00"}, "post the missing entry in v2"),
    ("NETTING_DIFFERENCE", {"v1_value": "D 5.00 + C 5.00", "v2_serial_no": None},
     "business order O-1 nets to nothing: v1 posts D 5.00 + C 5.00, v2 nothing"),
    ("NETTING_DIFFERENCE", {"v2_value": "D 5.00 + C 5.00", "v1_serial_no": None},
     "business order O-1 nets to nothing: v2 posts D 5.00 + C 5.00, v1 nothing"),
    ("NETTING_DIFFERENCE", {"v1_value": "C 101.00 + D 1.00", "v2_value": "C 100.00"},
     "business order O-1 nets to the same in both: v1 posts C 101.00 + D 1.00, v2 posts "
     "C 100.00"),
    # cut over: v2 is the record, the action repairs v1 and says why
    ("MISSING_IN_V1", {"record": "v2", "v2_value": "C 5.00"},
     "post it in v1: v2 is the record since 2026-11-02 (C 5.00 as v2 serial S2)"),
    ("MISSING_IN_V2", {"record": "v2", "v1_value": "C 5.00", "copies": 1},
     "reverse v1 serial S1 (C 5.00): v2 is the record since 2026-11-02"),
    ("AMOUNT_MISMATCH", {"record": "v2", "v1_value": "C 5.00", "v2_value": "C 6.00"},
     "correct v1 serial S1 from C 5.00 to C 6.00: v2 is the record since 2026-11-02"),
    ("NETTING_DIFFERENCE", {"record": "v2", "v2_value": "D 5.00 + C 5.00",
                            "v1_serial_no": None},
     "business order O-1 nets to nothing: v2 posts D 5.00 + C 5.00, v1 nothing; post the "
     "same in v1"),
    ("ACCOUNT_MISSING_IN_V1", {"record": "v2"},
     "open the account in v1 with v2's balance: v2 is the record since 2026-11-02"),
])
def test_an_action_follows_what_the_data_says(kind, columns, starts):
    row = {"v1_value": None, "v2_value": None, "residual": None, "copies": None,
           "v1_serial_no": "S1", "v2_serial_no": "S2", "record": "v1", **columns}
    (action,) = duckdb.connect().execute(
        f"SELECT {contract.action_sql()} FROM (SELECT $kind AS kind, $v1_value AS v1_value, "
        f"$v2_value AS v2_value, $v1_serial_no AS v1_serial_no, $v2_serial_no AS "
        f"v2_serial_no, NULL AS field, 'v1' AS system, 'O-1' AS biz_order_no, "
        f"$record AS record, DATE '2026-11-02' AS cutover_date, "
        f"CAST($residual AS DECIMAL(18,2)) AS residual, "
        f"CAST($copies AS BIGINT) AS copies)", {"kind": kind, **row}).fetchone()
    assert action.startswith(starts)
