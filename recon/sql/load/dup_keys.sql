-- dup_keys: the keys (account_id, serial_no) that one system's rows ({scan}) hold more
-- than once, by their hash. The join on the key (key_join.sql) leaves their rows out,
-- so that it meets each row at most once however many copies a key has; they are
-- paired copy by copy instead (diff_entries.sql), which is linear in the copies.
-- Rejected rows count here too, and two keys may share a hash: either only sends a few
-- more rows the way of the copies, where they are matched on the real key.
CREATE OR REPLACE TEMP TABLE {scan}_dups AS
SELECT hash(account_id, serial_no) AS h
FROM {scan}
WHERE account_id IS NOT NULL AND serial_no IS NOT NULL
GROUP BY hash(account_id, serial_no)
HAVING count(*) > 1;
