-- insert_entries: with [state] keep_entries = "all", every valid entry of one system and
-- date ({valid}), as read, numbered as the match numbered it (copies of a duplicated
-- key from diff_entries, every other entry copy 1 of 1). {files} names the files.
INSERT INTO date_entries (
    biz_date, system, entry_id, serial_no, account_id, direction, amount, currency,
    biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after,
    copy_no, copies, source_file, source_row
)
SELECT $d, $s, s.file_index * $stride + s.source_row,
       s.serial_no, s.account_id, s.direction, s.amount, s.currency,
       s.biz_type, s.biz_order_no, s.posted_at, s.legal_entity, s.subject_code,
       s.balance_after, COALESCE(d.copy_no, 1), COALESCE(d.copies, 1),
       f.source_file, s.source_row
FROM {valid} AS s
JOIN {files} AS f ON f.file_index = s.file_index
LEFT JOIN (SELECT * FROM diff_entries WHERE system = $s) AS d
  ON d.file_index = s.file_index AND d.source_row = s.source_row;
