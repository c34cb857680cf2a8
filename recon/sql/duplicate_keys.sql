-- duplicate_keys: the hashes of the (account_id, serial_no) keys that occur more than
-- once among a system's valid entries of the date ({valid}). Grouping one 64-bit hash
-- is cheaper than grouping two strings; a collision only adds a candidate, which
-- diff_entries.sql confirms (or not) on the real key.
CREATE OR REPLACE TEMP TABLE {scan}_dup_hashes AS
SELECT hash(account_id, serial_no) AS key_hash
FROM {valid}
GROUP BY hash(account_id, serial_no)
HAVING count(*) > 1;
