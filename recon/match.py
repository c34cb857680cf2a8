"""Matching a date's v1 and v2 entries and classifying what differs (docs/interface.md §2, §3).

All of it is set-based SQL in recon/sql/, run on the date's engine:

- key_join: the one join over both systems' entries, on (account_id, serial_no), as
  they are read from the sources, folded per account: the entries it met per system and
  the pairs that differ. Where it met more entries than the aggregate pass counted, a
  key is duplicated in one system and present in the other. Clean pairs are counted,
  not copied.
- key_diff: a second join, filtered to the few accounts with something to keep: the
  pairs that differ, with every column of both sides, and every pair of an account with
  a duplicated key or a balance that does not tie out.
- diff_entries: those entries, one row each, copies of a key numbered (the evidence);
- match_key, match_serial, diff_pairs, entry_findings: the copy-to-copy pairing, the
  secondary match and the classification, over the kept entries only.

Only the column and field lists are built here, from quoted identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recon import queries
from recon.contract import ENTRY_RULES
from recon.errors import InternalError
from recon.load import FILE_STRIDE, ScannedEntries

EXPLAINED_ACCOUNTS = 1000   # break accounts whose every entry is kept as evidence
ROW_COLUMNS = ("file_index", "source_row", *(r.column for r in ENTRY_RULES))


@dataclass(frozen=True)
class MatchCounts:
    key_matched: int     # pairs joined on (account_id, serial_no), copy by copy
    serial_matched: int  # pairs found by the secondary match
    v1_only: int         # v1 entries left without a counterpart
    v2_only: int
    kept: int            # entries of both systems kept as evidence

    @property
    def matched(self) -> int:
        return self.key_matched + self.serial_matched


def match_entries(engine, biz_date: date, fields: tuple[str, ...], v1: ScannedEntries,
                  v2: ScannedEntries) -> MatchCounts:
    """Build run_findings (the date's entry findings) and diff_entries (the evidence)
    from both systems' scanned entries, on the run's engine (recon/engines.py: DuckDB,
    or the same queries on Spark SQL). Needs day_accounts and the date's balances."""
    params = {"d": biz_date}
    engine.run("account_balances", {"d": biz_date, "limit": EXPLAINED_ACCOUNTS})
    engine.execute(f"CREATE OR REPLACE TEMP TABLE dup_keys AS SELECT h FROM {v1.scan}_dups "
                   f"UNION SELECT h FROM {v2.scan}_dups", {})
    both = [(system, side, c) for system, side in (("v1", "a"), ("v2", "b"))
            for c in ROW_COLUMNS]
    fields_differ = "\n   ".join(
        f"OR a.{queries.ident(f)} IS DISTINCT FROM b.{queries.ident(f)}" for f in fields)
    engine.run("key_join", params, v1=v1.valid, v2=v2.valid, fields_differ=fields_differ)
    engine.run("key_diff", params, v1=v1.valid, v2=v2.valid, fields_differ=fields_differ,
               row_columns=", ".join(queries.ident(c) for c in ROW_COLUMNS),
               columns=",\n       ".join(f"{side}.{queries.ident(c)} AS "
                                         f"{queries.ident(f'{system}_{c}')}"
                                         for system, side, c in both))
    entry = {system: ", ".join(f"{queries.ident(f'{system}_{c}')} AS {queries.ident(c)}"
                               for c in ROW_COLUMNS) for system in ("v1", "v2")}
    compared = ("direction", "amount", *fields)
    engine.run("diff_entries", {"stride": FILE_STRIDE}, v1_entry=entry["v1"],
               v2_entry=entry["v2"],
               copy_columns=", ".join(f"c.{queries.ident(c)}" for c in ROW_COLUMNS),
               compared=", ".join(f"d.{queries.ident(c)}" for c in compared),
               compared_equal="\n     ".join(
                   f"AND a.{queries.ident(c)} IS NOT DISTINCT FROM b.{queries.ident(c)}"
                   for c in compared))

    fields_equal = "\n         ".join(
        f"AND a.{queries.ident(f)} IS NOT DISTINCT FROM b.{queries.ident(f)}" for f in fields
    )
    engine.run("match_key", params, fields_equal=fields_equal)
    engine.run("match_serial", params)
    engine.run("diff_pairs", params)
    field_mismatches = "\n".join(
        queries.query("field_mismatch")
        .replace("{field_name}", queries.literal(f))
        .replace("{v1_field}", queries.ident(f"v1_{f}"))
        .replace("{v2_field}", queries.ident(f"v2_{f}"))
        for f in fields
    )
    engine.run("entry_findings", params, field_mismatches=field_mismatches)

    ((paired, v1_only, v2_only),) = engine.query(
        "SELECT count(*) FILTER (WHERE v1_entry_id IS NOT NULL AND v2_entry_id IS NOT NULL), "
        "count(*) FILTER (WHERE v2_entry_id IS NULL), "
        "count(*) FILTER (WHERE v1_entry_id IS NULL) FROM key_pairs"
    )
    ((serial_matched,),) = engine.query("SELECT count(*) FROM serial_pairs")
    ((kept_v1, kept_v2),) = engine.query(
        "SELECT count(*) FILTER (WHERE system = 'v1'), count(*) FILTER (WHERE system = 'v2') "
        "FROM diff_entries")
    # Every entry the join did not keep is one side of a clean pair: as many of v1's as
    # of v2's, or the join lost rows.
    clean_v1 = v1.stats.rows_loaded - kept_v1
    clean_v2 = v2.stats.rows_loaded - kept_v2
    if clean_v1 != clean_v2 or clean_v1 < 0:
        raise InternalError(
            f"row conservation failed in the match on {biz_date}: {clean_v1} v1 entries and "
            f"{clean_v2} v2 entries left the join as clean pairs")
    return MatchCounts(clean_v1 + paired, serial_matched, v1_only - serial_matched,
                       v2_only - serial_matched, kept_v1 + kept_v2)


def match_beyond(con, biz_date: date, window: int) -> dict[str, int]:
    """The matches beyond one-to-one, on the date's entries left without a counterpart
    (its MISSING_IN_* findings in run_findings, in the state database whichever engine
    made them): the cross-date match against the open items of the `window` dates
    before (sql/timing_match.sql), then the split match (sql/split_match.sql). Returns
    how many of each system's entries they matched."""
    queries.run(con, "timing_match", {"d": biz_date, "window": window})
    queries.run(con, "split_match", {})
    matched = dict(con.execute(
        "SELECT side, count(*) FROM ("
        "  SELECT CASE kind WHEN 'MISSING_IN_V2' THEN 'v1' ELSE 'v2' END AS side "
        "  FROM timing_pairs UNION ALL SELECT side FROM split_parts) GROUP BY side"
    ).fetchall())
    return {system: matched.get(system, 0) for system in ("v1", "v2")}
