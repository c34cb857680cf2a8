-- insert_entries: the valid staged entries of one system and date. Copies of one
-- (account_id, serial_no) are numbered by posted_at, then every other column, then
-- their place in the input (CONTRACT §3.1), so copies are joined copy-to-copy. Files
-- are numbered in name order, so file_index orders them as their paths do; the paths
-- come from {stage}_files.
-- Duplicated keys are rare: only their rows go through the window; every other row
-- is copy 1 of 1 (a window over every row would sort the whole day).
INSERT INTO entries (
    biz_date, system, entry_id, serial_no, account_id, direction, amount, currency,
    biz_type, biz_order_no, posted_at, legal_entity, subject_code, balance_after,
    copy_no, copies, source_file, source_row
)
WITH duplicated AS (
    SELECT account_id, serial_no
    FROM {stage}
    WHERE reason IS NULL
    GROUP BY account_id, serial_no
    HAVING count(*) > 1
),
numbered AS (
    SELECT s.file_index, s.source_row,
           ROW_NUMBER() OVER copies_in_order AS copy_no,
           COUNT(*) OVER (PARTITION BY s.account_id, s.serial_no) AS copies
    FROM {stage} AS s
    SEMI JOIN duplicated AS d ON d.account_id = s.account_id AND d.serial_no = s.serial_no
    WHERE s.reason IS NULL
    WINDOW copies_in_order AS (
        PARTITION BY s.account_id, s.serial_no
        ORDER BY s.posted_at, s.direction, s.amount, s.currency, s.biz_type,
                 s.biz_order_no NULLS LAST, s.legal_entity NULLS LAST,
                 s.subject_code NULLS LAST, s.balance_after NULLS LAST, s.file_index,
                 s.source_row
    )
)
SELECT
    $d, $s, s.file_index * $stride + s.source_row,
    s.serial_no, s.account_id, s.direction, s.amount, s.currency,
    s.biz_type, s.biz_order_no, s.posted_at, s.legal_entity, s.subject_code, s.balance_after,
    COALESCE(n.copy_no, 1), COALESCE(n.copies, 1),
    f.source_file, s.source_row
FROM {stage} AS s
JOIN {stage}_files AS f ON f.file_index = s.file_index
LEFT JOIN numbered AS n ON n.file_index = s.file_index AND n.source_row = s.source_row
WHERE s.reason IS NULL;
