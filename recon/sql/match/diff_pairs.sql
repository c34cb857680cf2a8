-- diff_pairs: every pair or lone entry that is not a clean key match, with both sides'
-- values side by side. Lone entries taken by the secondary match are replaced by their
-- 'serial' pair. This table is small: only what differs.
CREATE OR REPLACE TEMP TABLE diff_pairs AS
WITH pairs AS (
    SELECT k.v1_entry_id, k.v2_entry_id, 'key' AS match_type
    FROM key_pairs AS k
    WHERE NOT k.clean
      AND NOT (k.v2_entry_id IS NULL
               AND k.v1_entry_id IN (SELECT v1_entry_id FROM serial_pairs))
      AND NOT (k.v1_entry_id IS NULL
               AND k.v2_entry_id IN (SELECT v2_entry_id FROM serial_pairs))
    UNION ALL
    SELECT v1_entry_id, v2_entry_id, 'serial' AS match_type
    FROM serial_pairs
)
SELECT
    p.match_type,
    COALESCE(a.account_id, b.account_id) AS account_id,
    a.serial_no AS v1_serial_no,         b.serial_no AS v2_serial_no,
    a.copy_no AS v1_copy_no,             b.copy_no AS v2_copy_no,
    a.copies AS v1_copies,               b.copies AS v2_copies,
    a.direction AS v1_direction,         b.direction AS v2_direction,
    a.amount AS v1_amount,               b.amount AS v2_amount,
    CASE a.direction WHEN 'C' THEN a.amount ELSE -a.amount END AS v1_signed,
    CASE b.direction WHEN 'C' THEN b.amount ELSE -b.amount END AS v2_signed,
    a.currency AS v1_currency,           b.currency AS v2_currency,
    a.biz_type AS v1_biz_type,           b.biz_type AS v2_biz_type,
    a.biz_order_no AS v1_biz_order_no,   b.biz_order_no AS v2_biz_order_no,
    a.posted_at AS v1_posted_at,         b.posted_at AS v2_posted_at,
    a.legal_entity AS v1_legal_entity,   b.legal_entity AS v2_legal_entity,
    a.subject_code AS v1_subject_code,   b.subject_code AS v2_subject_code,
    a.balance_after AS v1_balance_after, b.balance_after AS v2_balance_after
FROM pairs AS p
LEFT JOIN (SELECT * FROM diff_entries WHERE system = 'v1') AS a
  ON a.entry_id = p.v1_entry_id
LEFT JOIN (SELECT * FROM diff_entries WHERE system = 'v2') AS b
  ON b.entry_id = p.v2_entry_id;
