-- match_serial: the secondary match (docs/interface.md §2.2). A v1-only and a v2-only entry of
-- the same account with the same biz_order_no, direction, amount and currency are one
-- posting under two serial numbers (a pair never mixes currencies). Candidates on each side are ranked by posted_at, serial_no,
-- copy_no and paired rank-to-rank, so pairing is one-to-one and deterministic.
CREATE OR REPLACE TEMP TABLE serial_pairs AS
WITH lone AS (
    SELECT e.system, e.entry_id, e.account_id, e.biz_order_no, e.direction, e.amount,
           e.currency,
           ROW_NUMBER() OVER (
               PARTITION BY e.system, e.account_id, e.biz_order_no, e.direction, e.amount,
                            e.currency
               ORDER BY e.posted_at, e.serial_no, e.copy_no
           ) AS rank_no
    FROM key_pairs AS p
    JOIN diff_entries AS e
      ON (e.system = 'v1' AND e.entry_id = p.v1_entry_id AND p.v2_entry_id IS NULL)
      OR (e.system = 'v2' AND e.entry_id = p.v2_entry_id AND p.v1_entry_id IS NULL)
    WHERE e.biz_order_no IS NOT NULL
)
SELECT a.account_id, a.entry_id AS v1_entry_id, b.entry_id AS v2_entry_id
FROM (SELECT * FROM lone WHERE system = 'v1') AS a
JOIN (SELECT * FROM lone WHERE system = 'v2') AS b
  ON a.account_id = b.account_id
 AND a.biz_order_no = b.biz_order_no
 AND a.direction = b.direction
 AND a.amount = b.amount
 AND a.currency = b.currency
 AND a.rank_no = b.rank_no;
