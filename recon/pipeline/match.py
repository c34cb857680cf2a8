"""The match stage: a date's v1 and v2 entries paired (docs/interface.md §2).

All of it is set-based SQL in recon/sql/match/, run on the date's engine:

- key_join: the one join over both systems' entries, on (account_id, serial_no), as
  they are read from the sources, folded per account: the entries it met per system and
  the pairs that differ. Where it met more entries than the aggregate pass counted, a
  key is duplicated in one system and present in the other. Clean pairs are counted,
  not copied.
- key_diff: a second join, filtered to the few accounts with something to keep: the
  pairs that differ, with every column of both sides, and every pair of an account with
  a duplicated key or a balance that does not tie out.
- dup_keys (load stage) and diff_entries: the keys held more than once, left out of the
  joins above and paired copy by copy here, those that agree first (the evidence is
  diff_entries: every kept entry, one row each);
- match_key, match_serial, diff_pairs: the pairing on the key, the secondary match, and
  the pairs and lone entries side by side, over the kept entries only, for the classify
  stage (recon/pipeline/classify.py).

Only the column and field lists are built here, from quoted identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recon import queries
from recon.contract import ENTRY_RULES
from recon.errors import InternalError
from recon.pipeline.load import FILE_STRIDE, ScannedEntries, reading
from recon.pipeline.run import DateRun

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


def run(r: DateRun) -> None:
    """Pair both systems' entries (the counts go to r.counts)."""
    v1, v2 = r.scans["v1"], r.scans["v2"]
    with r.stages.stage("match") as stage:
        with reading(r.engine, v1.stats.files + v2.stats.files):
            r.engine.run("load/day_accounts", {}, v1=v1.scan, v2=v2.scan)
            r.counts = match_entries(r.engine, r.biz_date, r.fields, v1, v2)
        stage.rows = v1.stats.rows_loaded + v2.stats.rows_loaded
        stage.detail = (f"{r.counts.matched:,} pairs on {r.engine.name}, "
                        f"{r.counts.kept:,} kept")


def match_entries(engine, biz_date: date, fields: tuple[str, ...], v1: ScannedEntries,
                  v2: ScannedEntries) -> MatchCounts:
    """Build diff_entries (the evidence) and diff_pairs (its pairs and lone entries, side
    by side) from both systems' scanned entries, on the run's engine (DuckDB, or the
    same queries on Spark SQL). Needs day_accounts and the date's balances."""
    params = {"d": biz_date}
    engine.run("match/account_balances", {"d": biz_date, "limit": EXPLAINED_ACCOUNTS})
    both = [(system, side, c) for system, side in (("v1", "a"), ("v2", "b"))
            for c in ROW_COLUMNS]
    fields_differ = "\n   ".join(
        f"OR a.{queries.ident(f)} IS DISTINCT FROM b.{queries.ident(f)}" for f in fields)
    engine.run("match/key_join", params, v1=v1.valid, v2=v2.valid, fields_differ=fields_differ,
               v1_dups=f"{v1.scan}_dups", v2_dups=f"{v2.scan}_dups")
    engine.run("match/key_diff", params, v1=v1.valid, v2=v2.valid, fields_differ=fields_differ,
               row_columns=", ".join(queries.ident(c) for c in ROW_COLUMNS),
               columns=",\n       ".join(f"{side}.{queries.ident(c)} AS "
                                         f"{queries.ident(f'{system}_{c}')}"
                                         for system, side, c in both))
    entry = {system: ", ".join(f"{queries.ident(f'{system}_{c}')} AS {queries.ident(c)}"
                               for c in ROW_COLUMNS) for system in ("v1", "v2")}
    compared = ("direction", "amount", *fields)
    engine.run("match/diff_entries", {"stride": FILE_STRIDE}, v1_entry=entry["v1"],
               v2_entry=entry["v2"],
               copy_columns=", ".join(f"c.{queries.ident(c)}" for c in ROW_COLUMNS),
               compared=", ".join(f"d.{queries.ident(c)}" for c in compared),
               compared_equal="\n     ".join(
                   f"AND a.{queries.ident(c)} IS NOT DISTINCT FROM b.{queries.ident(c)}"
                   for c in compared))

    fields_equal = "\n         ".join(
        f"AND a.{queries.ident(f)} IS NOT DISTINCT FROM b.{queries.ident(f)}" for f in fields
    )
    engine.run("match/match_key", params, fields_equal=fields_equal)
    engine.run("match/match_serial", params)
    engine.run("match/diff_pairs", params)
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
