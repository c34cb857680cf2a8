-- key_join: the one pass over both systems' entries that matters (docs/interface.md §2.1): v1
-- and v2 full outer joined on (account_id, serial_no), straight from the sources ({v1},
-- {v2}: each system's valid rows), and folded per account:
--   v1_rows, v2_rows  each system's entries as the join met them: more than the account
--                     has (day_accounts) when a key is duplicated and the other system
--                     has it too (a pair per copy);
--   differing         the pairs that are not a clean match: an entry on one side only,
--                     or a pair whose amount, direction or a compared field differs
--                     ({fields_differ}: one "OR a.<field> IS DISTINCT FROM b.<field>"
--                     per compared field).
-- Nothing of the entries is kept here: key_diff.sql reads the few accounts that need it.
-- (Keeping the differing pairs here, as a list per account, doubled the join's time.)
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
FROM {v1} AS a
FULL OUTER JOIN {v2} AS b
  ON a.account_id = b.account_id
 AND a.serial_no = b.serial_no
GROUP BY COALESCE(a.account_id, b.account_id);

-- kept_accounts: the accounts whose entries are kept as evidence, and how:
--   whole     every entry: a key there is duplicated in one system and present in the
--             other (the join met more entries than the system has: their copies must
--             be numbered), or the balance does not tie out (account_balances.sql), so
--             that `recon explain` can walk the account entry by entry;
--   otherwise the entries of the pairs that differ.
-- A duplicated key the other system lacks is on one side only: kept either way.
CREATE OR REPLACE TEMP TABLE kept_accounts AS
SELECT j.account_id,
       j.v1_rows <> COALESCE(n1.entries, 0) OR j.v2_rows <> COALESCE(n2.entries, 0)
           OR k.account_id IS NOT NULL AS whole
FROM key_join AS j
LEFT JOIN day_accounts AS n1 ON n1.system = 'v1' AND n1.account_id = j.account_id
LEFT JOIN day_accounts AS n2 ON n2.system = 'v2' AND n2.account_id = j.account_id
LEFT JOIN break_accounts AS k ON k.account_id = j.account_id
WHERE j.differing > 0
   OR j.v1_rows <> COALESCE(n1.entries, 0)
   OR j.v2_rows <> COALESCE(n2.entries, 0)
   OR k.account_id IS NOT NULL;
