-- break_accounts: the accounts whose balances do not tie out on the date: their v1 and
-- v2 closing balances differ, a system's roll-forward (opening + Σ signed entries =
-- closing) breaks, or a system has entries or a balance row for the account and the
-- other system has no balance row. Balances and aggregates alone tell them, before the
-- join, so the join keeps every entry of these accounts as evidence in the same pass,
-- and `recon explain` can walk such an account entry by entry. At most $limit accounts,
-- the largest differences first (a broken balance file must not turn the evidence into a
-- copy of the day).
CREATE OR REPLACE TEMP TABLE break_accounts AS
WITH b AS (SELECT * FROM balances WHERE biz_date = $d),
candidates AS (
    SELECT b1.account_id, abs(b2.closing_balance - b1.closing_balance) AS size
    FROM b AS b1
    JOIN b AS b2 ON b2.account_id = b1.account_id AND b2.system = 'v2'
    WHERE b1.system = 'v1' AND b1.closing_balance <> b2.closing_balance
    UNION ALL
    SELECT b.account_id,
           abs(b.closing_balance - (b.opening_balance + COALESCE(a.net, 0))) AS size
    FROM b
    LEFT JOIN day_accounts AS a ON a.system = b.system AND a.account_id = b.account_id
    WHERE b.closing_balance <> b.opening_balance + COALESCE(a.net, 0)
    UNION ALL
    SELECT b.account_id, abs(b.closing_balance) AS size
    FROM b
    WHERE NOT EXISTS (SELECT 1 FROM b AS other
                      WHERE other.account_id = b.account_id AND other.system <> b.system)
    UNION ALL
    SELECT a.account_id, abs(a.net) AS size
    FROM day_accounts AS a
    WHERE NOT EXISTS (SELECT 1 FROM b
                      WHERE b.account_id = a.account_id AND b.system = a.system)
)
SELECT account_id
FROM candidates
GROUP BY account_id
ORDER BY max(size) DESC, account_id
LIMIT $limit;
