-- match_key: the kept entries (diff_entries) of v1 and v2 joined on (account_id,
-- serial_no, pair_no) (docs/interface.md §2.1): a key held once a side pairs its two
-- entries, a key held more than once its copies as diff_entries.sql paired them. One row
-- per pair or lone entry,
-- narrow: which entries met, and whether the pair is identical in every compared value
-- (a copy of a duplicated key, or an entry of an account that does not tie out, may
-- well be). {fields_equal} is one "AND a.<field> IS NOT DISTINCT FROM b.<field>" per
-- compared field.
CREATE OR REPLACE TEMP TABLE key_pairs AS
SELECT
    COALESCE(a.account_id, b.account_id) AS account_id,
    a.entry_id AS v1_entry_id,
    b.entry_id AS v2_entry_id,
    CASE
        WHEN a.entry_id IS NOT NULL AND b.entry_id IS NOT NULL
         AND a.amount = b.amount
         AND a.direction = b.direction
         {fields_equal}
        THEN TRUE ELSE FALSE
    END AS clean
FROM (SELECT * FROM diff_entries WHERE system = 'v1') AS a
FULL OUTER JOIN (SELECT * FROM diff_entries WHERE system = 'v2') AS b
  ON a.account_id = b.account_id
 AND a.serial_no = b.serial_no
 AND a.pair_no = b.pair_no;
