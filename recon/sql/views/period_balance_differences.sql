-- period_balance_differences: each account whose closing balances differed on a date of
-- the period ({balance_kinds}): on how many dates, its last difference (date, amount,
-- currency), whether that one was explained (residual 0), and its record on the last
-- date of the period (v2 when cut over by then).
WITH differed AS (
    SELECT account_id, biz_date, amount_impact, currency, residual,
           count(*) OVER (PARTITION BY account_id) AS dates,
           row_number() OVER (PARTITION BY account_id ORDER BY biz_date DESC, kind) AS k
    FROM findings
    WHERE biz_date BETWEEN $first AND $last AND kind IN ({balance_kinds})
)
SELECT d.account_id, d.dates, d.biz_date AS last_date, d.amount_impact AS last_difference,
       d.currency, COALESCE(d.residual = 0, false) AS explained,
       CASE WHEN c.cutover_date <= $last THEN 'v2' ELSE 'v1' END AS record
FROM differed AS d
LEFT JOIN cutover AS c USING (account_id)
WHERE d.k = 1
ORDER BY explained, abs(d.amount_impact) DESC, d.account_id
