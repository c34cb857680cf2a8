-- key_diff: the pairs of the kept accounts (kept_accounts, from key_join.sql) that are
-- kept as evidence, with every column of both sides ({columns}: v1_<column> and
-- v2_<column>): every pair of an account kept whole, the pairs that differ
-- ({fields_differ}, as in key_join.sql) of the others. A second pass over the sources,
-- filtered to those accounts before the join. A duplicated key's rows are in several
-- pairs; diff_entries keeps one of each.
CREATE OR REPLACE TEMP TABLE key_diff AS
SELECT {columns}
FROM (SELECT * FROM {v1} WHERE account_id IN (SELECT account_id FROM kept_accounts)) AS a
FULL OUTER JOIN
     (SELECT * FROM {v2} WHERE account_id IN (SELECT account_id FROM kept_accounts)) AS b
  ON a.account_id = b.account_id
 AND a.serial_no = b.serial_no
LEFT JOIN kept_accounts AS k
  ON k.account_id = COALESCE(a.account_id, b.account_id)
WHERE k.whole
   OR a.account_id IS NULL
   OR b.account_id IS NULL
   OR a.amount <> b.amount
   OR a.direction <> b.direction
   {fields_differ};
