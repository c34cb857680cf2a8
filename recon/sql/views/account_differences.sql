-- account_differences: every account with a finding on the date, with both systems'
-- balances, the Σ impact of its entry findings and its residual. Unexplained accounts
-- (residual <> 0, or a balance on one side only) come first, then the largest
-- differences.
WITH b1 AS (SELECT * FROM balances WHERE biz_date = $d AND system = 'v1'),
b2 AS (SELECT * FROM balances WHERE biz_date = $d AND system = 'v2'),
per_account AS (
    SELECT account_id,
           any_value(currency) AS currency,
           count(*) AS findings,
           CAST(COALESCE(SUM(amount_impact) FILTER (WHERE scope = 'entry'), 0)
               AS DECIMAL(38,2)) AS entry_impact,
           max(residual) FILTER (WHERE kind = 'BALANCE_MISMATCH') AS residual,
           bool_or(kind IN ('ACCOUNT_MISSING_IN_V1', 'ACCOUNT_MISSING_IN_V2')) AS one_sided
    FROM findings
    WHERE biz_date = $d
    GROUP BY account_id
)
SELECT p.account_id, COALESCE(b1.currency, b2.currency, p.currency) AS currency,
       p.findings, p.entry_impact,
       b1.opening_balance, b2.opening_balance, b1.closing_balance, b2.closing_balance,
       p.residual
FROM per_account AS p
LEFT JOIN b1 ON b1.account_id = p.account_id
LEFT JOIN b2 ON b2.account_id = p.account_id
ORDER BY (COALESCE(p.residual, 0) <> 0 OR p.one_sided) DESC,
         abs(COALESCE(b2.closing_balance, 0) - COALESCE(b1.closing_balance, 0)) DESC,
         abs(p.entry_impact) DESC, p.account_id
LIMIT $limit
