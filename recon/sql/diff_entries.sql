-- diff_entries: the entries of both systems that key_diff kept, one row each (a row of
-- a duplicated key is in several of its pairs), with the copies of one
-- (system, account_id, serial_no) numbered by posted_at, then every other column, then
-- their place in the input (docs/interface.md §2.1). Every row of a duplicated key is here, so
-- `copies` is exact; a key that only shared a hash with a duplicated one is copy 1 of
-- 1. entry_id = file_index * $stride + source_row. This table is small: it is the
-- evidence (docs/interface.md §4). {v1_entry} and {v2_entry} select a side's columns under
-- their contract names.
CREATE OR REPLACE TEMP TABLE diff_entries AS
WITH kept AS (
    SELECT DISTINCT 'v1' AS system, {v1_entry}
    FROM key_diff
    WHERE v1_source_row IS NOT NULL
    UNION ALL
    SELECT DISTINCT 'v2' AS system, {v2_entry}
    FROM key_diff
    WHERE v2_source_row IS NOT NULL
)
SELECT k.*,
       k.file_index * $stride + k.source_row AS entry_id,
       ROW_NUMBER() OVER copies_in_order AS copy_no,
       COUNT(*) OVER (PARTITION BY k.system, k.account_id, k.serial_no) AS copies
FROM kept AS k
WINDOW copies_in_order AS (
    PARTITION BY k.system, k.account_id, k.serial_no
    ORDER BY k.posted_at, k.direction, k.amount, k.currency, k.biz_type,
             k.biz_order_no NULLS LAST, k.legal_entity NULLS LAST,
             k.subject_code NULLS LAST, k.balance_after NULLS LAST, k.file_index,
             k.source_row
);
