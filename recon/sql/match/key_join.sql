-- key_join: the one pass over both systems' entries that matters (docs/interface.md §2.1): v1
-- and v2 full outer joined on (account_id, serial_no), straight from the sources ({v1},
-- {v2}: each system's valid rows, less the rows of keys either system holds more than
-- once: dup_keys.sql), and folded per account:
--   v1_rows, v2_rows  each system's entries as the join met them (each at most once);
--   differing         the pairs that are not a clean match: an entry on one side only,
--                     or a pair whose amount, direction or a compared field differs
--                     ({fields_differ}: one "OR a.<field> IS DISTINCT FROM b.<field>"
--                     per compared field).
-- Nothing of the entries is kept here: key_diff.sql reads the few accounts that need it.
-- (Keeping the differing pairs here, as a list per account, doubled the join's time.)
-- dup_keys: the keys either system holds more than once, by hash (recon/sql/load/
-- dup_keys.sql, per system: {v1_dups}, {v2_dups}).
CREATE OR REPLACE TEMP TABLE dup_keys AS
SELECT h FROM {v1_dups}
UNION
SELECT h FROM {v2_dups};

CREATE OR REPLACE TEMP TABLE key_join AS
SELECT COALESCE(a.account_id, b.account_id) AS account_id,
       count(a.source_row) AS v1_rows,
       count(b.source_row) AS v2_rows,
       count(*) FILTER (
           WHERE a.account_id IS NULL
              OR b.account_id IS NULL
              OR a.amount <> b.amount
              OR a.direction <> b.direction
              {fields_differ}
       ) AS differing
FROM (SELECT * FROM {v1} WHERE hash(account_id, serial_no) NOT IN (SELECT h FROM dup_keys))
     AS a
FULL OUTER JOIN
     (SELECT * FROM {v2} WHERE hash(account_id, serial_no) NOT IN (SELECT h FROM dup_keys))
     AS b
  ON a.account_id = b.account_id
 AND a.serial_no = b.serial_no
GROUP BY COALESCE(a.account_id, b.account_id);

-- kept_accounts: the accounts whose entries are kept as evidence, and how:
--   whole     every entry: the balance does not tie out (account_balances.sql), so
--             that `recon explain` can walk the account entry by entry;
--   otherwise the entries of the pairs that differ.
-- (The copies of a key held more than once are kept whatever their account.)
CREATE OR REPLACE TEMP TABLE kept_accounts AS
SELECT COALESCE(j.account_id, k.account_id) AS account_id,
       k.account_id IS NOT NULL AS whole
FROM (SELECT account_id FROM key_join WHERE differing > 0) AS j
FULL OUTER JOIN break_accounts AS k ON k.account_id = j.account_id;
