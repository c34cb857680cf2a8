-- insert_entries: the valid staged entries of one system and date. Copies of one
-- (account_id, serial_no) are numbered by posted_at, then every other column, then
-- their place in the input (CONTRACT §3.1), so copies are joined copy-to-copy.
INSERT INTO entries (
    biz_date, system, entry_id, serial_no, account_id, direction, amount, currency,
    biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after,
    copy_no, copies, source_file, source_row
)
SELECT
    $d, $s, file_index * $stride + source_row,
    serial_no, account_id, direction, amount, currency,
    biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after,
    ROW_NUMBER() OVER copies_in_order,
    COUNT(*) OVER (PARTITION BY account_id, serial_no),
    source_file, source_row
FROM {stage}
WHERE reason IS NULL
WINDOW copies_in_order AS (
    PARTITION BY account_id, serial_no
    ORDER BY posted_at, direction, amount, currency, biz_type,
             biz_order_no NULLS LAST, legal_entity NULLS LAST, subject_code NULLS LAST,
             balance_after NULLS LAST, source_file, source_row
);
