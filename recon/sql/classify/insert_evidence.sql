-- insert_evidence: the full rows of one system's entries that the date's findings name
-- (diff_entries: every entry that is not a clean match, every copy of a duplicated key,
-- every entry of an account whose balance does not tie out), with their source file
-- and row (docs/interface.md §4). {files} names the system's files.
INSERT INTO date_evidence (
    biz_date, system, entry_id, serial_no, account_id, direction, amount, currency,
    biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after,
    copy_no, copies, pair_no, source_file, source_row
)
SELECT $d, $s, e.entry_id, e.serial_no, e.account_id, e.direction, e.amount, e.currency,
       e.biz_type, e.biz_order_no, e.posted_at, e.legal_entity, e.subject_code,
       e.balance_after, e.copy_no, e.copies, e.pair_no, f.source_file, e.source_row
FROM diff_entries AS e
JOIN {files} AS f ON f.file_index = e.file_index
WHERE e.system = $s;
