-- explain_entries: one account's entries on one date as the evidence keeps them (the
-- entries its findings name; every entry when its balance does not tie out), v1 and v2
-- side by side: paired on serial number as the match paired them (pair_no; copy by copy
-- for rows of runs before schema 5), and across serial numbers where
-- the secondary match paired them (SERIAL_MISMATCH). `differs` names the cells that differ:
-- the key and the money, and the fields the date's run compared ({field_differs}). An
-- entry a split or netting group took says so, with the group's order, instead of
-- "only in".
WITH grouped AS (
    SELECT unnest(string_split(concat_ws('+', v1_serial_no, v2_serial_no), '+')) AS serial_no,
           CASE kind WHEN 'SPLIT_MISMATCH' THEN 'split' ELSE 'netted' END
               || ', order ' || biz_order_no AS note
    FROM findings
    WHERE biz_date = $d AND account_id = $a AND kind IN ('SPLIT_MISMATCH', 'NETTING_DIFFERENCE')
),
a AS (
    SELECT * FROM evidence WHERE biz_date = $d AND system = 'v1' AND account_id = $a
),
b AS (
    SELECT e.*,
           COALESCE(s.v1_serial_no, e.serial_no) AS join_serial,
           s.copy_no AS serial_copy
    FROM evidence AS e
    LEFT JOIN findings AS s
      ON s.biz_date = $d AND s.kind = 'SERIAL_MISMATCH' AND s.account_id = $a
     AND s.v2_serial_no = e.serial_no
    WHERE e.biz_date = $d AND e.system = 'v2' AND e.account_id = $a
)
SELECT a.serial_no AS v1_serial_no, b.serial_no AS v2_serial_no,
       a.direction AS v1_direction, b.direction AS v2_direction,
       a.amount AS v1_amount, b.amount AS v2_amount,
       a.biz_type AS v1_biz_type, b.biz_type AS v2_biz_type,
       a.legal_entity AS v1_legal_entity, b.legal_entity AS v2_legal_entity,
       a.subject_code AS v1_subject_code, b.subject_code AS v2_subject_code,
       a.biz_order_no AS v1_biz_order_no, b.biz_order_no AS v2_biz_order_no,
       a.currency AS v1_currency, b.currency AS v2_currency,
       COALESCE(a.posted_at, b.posted_at) AS posted_at,
       CASE WHEN a.serial_no IS NULL
                THEN COALESCE((SELECT any_value(note) FROM grouped AS g
                               WHERE g.serial_no = b.serial_no), 'only in v2')
            WHEN b.serial_no IS NULL
                THEN COALESCE((SELECT any_value(note) FROM grouped AS g
                               WHERE g.serial_no = a.serial_no), 'only in v1')
            ELSE concat_ws(',',
                CASE WHEN a.serial_no <> b.serial_no THEN 'serial_no' END,
                CASE WHEN a.direction <> b.direction THEN 'direction' END,
                CASE WHEN a.amount <> b.amount THEN 'amount' END{field_differs})
       END AS differs
FROM a
FULL OUTER JOIN b
  ON a.serial_no = b.join_serial
 AND CASE WHEN b.serial_copy IS NOT NULL THEN a.copy_no = b.serial_copy
          ELSE COALESCE(a.pair_no, a.copy_no) = COALESCE(b.pair_no, b.copy_no) END
ORDER BY COALESCE(a.posted_at, b.posted_at), COALESCE(a.serial_no, b.serial_no),
         COALESCE(a.copy_no, b.copy_no)
