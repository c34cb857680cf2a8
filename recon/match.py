"""Matching a date's v1 and v2 entries and classifying what differs (CONTRACT §3, §4).

All of it is set-based SQL in recon/sql/: match_key (copy-to-copy key join),
match_serial (secondary match), diff_pairs (what is not a clean match, side by side)
and entry_findings (one row per finding). Only the compared-field list is built here,
from quoted identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recon import sql


@dataclass(frozen=True)
class MatchCounts:
    key_matched: int     # pairs joined on (account_id, serial_no, copy_no)
    serial_matched: int  # pairs found by the secondary match
    v1_only: int         # v1 entries left without a counterpart
    v2_only: int

    @property
    def matched(self) -> int:
        return self.key_matched + self.serial_matched


def match_entries(engine, biz_date: date, fields: tuple[str, ...]) -> MatchCounts:
    """Build run_findings (the date's entry findings) from the loaded entries, on the
    run's engine (recon/engines.py: DuckDB, or the same queries on Spark SQL)."""
    params = {"d": biz_date}
    fields_equal = "\n         ".join(
        f"AND a.{sql.ident(f)} IS NOT DISTINCT FROM b.{sql.ident(f)}" for f in fields
    )
    engine.run("match_key", params, fields_equal=fields_equal)
    engine.run("match_serial", params)
    engine.run("diff_pairs", params)
    field_mismatches = "\n".join(
        sql.query("field_mismatch")
        .replace("{field_name}", sql.literal(f))
        .replace("{v1_field}", sql.ident(f"v1_{f}"))
        .replace("{v2_field}", sql.ident(f"v2_{f}"))
        for f in fields
    )
    engine.run("entry_findings", params, field_mismatches=field_mismatches)

    ((key_matched, v1_only, v2_only),) = engine.query(
        "SELECT count(*) FILTER (WHERE v1_entry_id IS NOT NULL AND v2_entry_id IS NOT NULL), "
        "count(*) FILTER (WHERE v2_entry_id IS NULL), "
        "count(*) FILTER (WHERE v1_entry_id IS NULL) FROM key_pairs"
    )
    ((serial_matched,),) = engine.query("SELECT count(*) FROM serial_pairs")
    return MatchCounts(key_matched, serial_matched, v1_only - serial_matched,
                       v2_only - serial_matched)
