-- diff_entries: the entries of both systems kept as evidence, one row each, with
-- entry_id = file_index * $stride + source_row, and how they pair (docs/interface.md
-- §2.1): pair_no, joined with the other system's on (account_id, serial_no, pair_no) by
-- match_key.sql.
--   A key held once a side (key_diff): copy 1 of 1, pair_no 1.
--   A key held more than once (kept_rows of dup_keys): its copies are numbered per
--   system by posted_at, then every other column, then their place in the input
--   (copy_no, of `copies`). Copies that agree on every compared value ({compared}: the
--   money and the compared fields) with a copy on the other side are paired first, in
--   that order (pair_no = the v1 copy's copy_no); the rest are paired in copy order
--   (pair_no = −their rank among the rest). Each row pairs at most once, and the work
--   is linear in the copies: no join ever meets a row twice.
-- This table is small: it is the evidence (docs/interface.md §4). {v1_entry} and
-- {v2_entry} select a side's columns of key_diff under their contract names.
CREATE OR REPLACE TEMP TABLE diff_entries AS
WITH copies AS (
    SELECT d.*,
           d.file_index * $stride + d.source_row AS entry_id,
           ROW_NUMBER() OVER copies_in_order AS copy_no,
           COUNT(*) OVER (PARTITION BY d.system, d.account_id, d.serial_no) AS copies,
           ROW_NUMBER() OVER (
               PARTITION BY d.system, d.account_id, d.serial_no, {compared}
               ORDER BY d.posted_at, d.direction, d.amount, d.currency, d.biz_type,
                        d.biz_order_no NULLS LAST, d.legal_entity NULLS LAST,
                        d.subject_code NULLS LAST, d.balance_after NULLS LAST,
                        d.file_index, d.source_row) AS alike_no
    FROM (SELECT * FROM kept_rows
          WHERE hash(account_id, serial_no) IN (SELECT h FROM dup_keys)) AS d
    WINDOW copies_in_order AS (
        PARTITION BY d.system, d.account_id, d.serial_no
        ORDER BY d.posted_at, d.direction, d.amount, d.currency, d.biz_type,
                 d.biz_order_no NULLS LAST, d.legal_entity NULLS LAST,
                 d.subject_code NULLS LAST, d.balance_after NULLS LAST, d.file_index,
                 d.source_row)
),
alike AS (
    SELECT a.entry_id AS v1_entry_id, b.entry_id AS v2_entry_id, a.copy_no AS pair_no
    FROM (SELECT * FROM copies WHERE system = 'v1') AS a
    JOIN (SELECT * FROM copies WHERE system = 'v2') AS b
      ON a.account_id = b.account_id AND a.serial_no = b.serial_no
     AND a.alike_no = b.alike_no
     {compared_equal}
),
rest AS (
    SELECT c.system, c.entry_id,
           -ROW_NUMBER() OVER (PARTITION BY c.system, c.account_id, c.serial_no
                               ORDER BY c.copy_no) AS pair_no
    FROM copies AS c
    WHERE NOT (c.system = 'v1' AND c.entry_id IN (SELECT v1_entry_id FROM alike))
      AND NOT (c.system = 'v2' AND c.entry_id IN (SELECT v2_entry_id FROM alike))
)
SELECT 'v1' AS system, {v1_entry}, v1_file_index * $stride + v1_source_row AS entry_id,
       1 AS copy_no, 1 AS copies, 1 AS pair_no
FROM key_diff
WHERE v1_source_row IS NOT NULL
UNION ALL
SELECT 'v2' AS system, {v2_entry}, v2_file_index * $stride + v2_source_row AS entry_id,
       1 AS copy_no, 1 AS copies, 1 AS pair_no
FROM key_diff
WHERE v2_source_row IS NOT NULL
UNION ALL
SELECT c.system, {copy_columns}, c.entry_id, c.copy_no, c.copies,
       COALESCE(a1.pair_no, a2.pair_no, r.pair_no) AS pair_no
FROM copies AS c
LEFT JOIN alike AS a1 ON c.system = 'v1' AND a1.v1_entry_id = c.entry_id
LEFT JOIN alike AS a2 ON c.system = 'v2' AND a2.v2_entry_id = c.entry_id
LEFT JOIN rest AS r ON r.system = c.system AND r.entry_id = c.entry_id;
