-- key_diff: the one pass over both systems' entries that matters (CONTRACT §3.1): v1
-- and v2 joined on (account_id, serial_no), keeping only what is not a clean match,
-- with every contract column of both sides: an entry on one side only, a pair whose
-- amount, direction or a compared field differs ({fields_differ}: one
-- "OR a.<field> IS DISTINCT FROM b.<field>" per compared field), and ({also}) every
-- pair of a key seen more than once (duplicate_keys.sql, by hash) or of an account
-- whose balance does not tie out (break_accounts.sql). Clean pairs are counted, not
-- kept: the sources remain their record. {v1} and {v2} are the systems' valid rows,
-- {columns} both sides' columns as v1_<column> and v2_<column>.
CREATE OR REPLACE TEMP TABLE key_diff AS
SELECT {columns}
FROM {v1} AS a
FULL OUTER JOIN {v2} AS b
  ON a.account_id = b.account_id
 AND a.serial_no = b.serial_no
WHERE a.account_id IS NULL
   OR b.account_id IS NULL
   OR a.amount <> b.amount
   OR a.direction <> b.direction
   {fields_differ}
   {also};
