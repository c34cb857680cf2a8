-- key_diff: the rows the evidence may need, and the pairs of them kept as evidence.
-- kept_rows: a second pass over each system's valid rows ({v1}, {v2}), filtered before
-- anything else to the kept accounts (kept_accounts, from key_join.sql) and the keys
-- held more than once (dup_keys); only these few rows are read in full.
CREATE OR REPLACE TEMP TABLE kept_rows AS
SELECT 'v1' AS system, {row_columns}
FROM {v1}
WHERE account_id IN (SELECT account_id FROM kept_accounts)
   OR hash(account_id, serial_no) IN (SELECT h FROM dup_keys)
UNION ALL
SELECT 'v2' AS system, {row_columns}
FROM {v2}
WHERE account_id IN (SELECT account_id FROM kept_accounts)
   OR hash(account_id, serial_no) IN (SELECT h FROM dup_keys);

-- key_diff: the pairs of the kept accounts' keys held once, with every column of both
-- sides ({columns}: v1_<column> and v2_<column>): every pair of an account kept whole,
-- the pairs that differ ({fields_differ}, as in key_join.sql) of the others. The keys
-- held more than once are paired copy by copy in diff_entries.sql.
CREATE OR REPLACE TEMP TABLE key_diff AS
SELECT {columns}
FROM (SELECT * FROM kept_rows WHERE system = 'v1'
        AND hash(account_id, serial_no) NOT IN (SELECT h FROM dup_keys)) AS a
FULL OUTER JOIN
     (SELECT * FROM kept_rows WHERE system = 'v2'
        AND hash(account_id, serial_no) NOT IN (SELECT h FROM dup_keys)) AS b
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
