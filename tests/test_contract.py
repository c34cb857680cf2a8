"""The vocabulary is declared once (recon/contract.py): every kind the finding queries
produce has its row in the kinds table, and every row is produced by some query."""

from __future__ import annotations

import re

import duckdb
import pytest

from recon import contract, queries

FINDING_QUERIES = ("entry_findings", "field_mismatch", "balance_findings", "timing_match",
                   "split_match")


def test_every_kind_the_queries_find_is_in_the_kinds_table_and_back():
    found = set()
    for name in FINDING_QUERIES:
        text = "\n".join(queries.statements(name))
        found |= set(re.findall(r"SELECT\s+(?:'entry' AS scope, )?'([A-Z0-9_]+)'", text))
    assert found == set(contract.KINDS)


@pytest.mark.parametrize("kind", contract.KINDS_TABLE, ids=lambda k: k.name)
def test_each_kinds_action_is_its_template_filled_with_the_findings_values(kind):
    """The action SQL fills each {placeholder} with the finding's value, once: a value
    that itself looks like a placeholder is left as it is."""
    values = {"v1_value": "C 1.00", "v2_value": "{v1_value}", "v1_serial_no": "S1",
              "v2_serial_no": "S2", "field": "biz_type", "system": "v1",
              "residual": "5.00"}
    con = duckdb.connect()
    row = con.execute(
        f"SELECT {contract.action_sql()} FROM (SELECT $kind AS kind, $v1_value AS v1_value, "
        f"$v2_value AS v2_value, $v1_serial_no AS v1_serial_no, $v2_serial_no AS "
        f"v2_serial_no, $field AS field, $system AS system, "
        f"CAST($residual AS DECIMAL(18,2)) AS residual)",
        {"kind": kind.name, **values}).fetchone()
    expected = kind.action.format(serial_no="S1", **values)
    assert row == (expected,)
