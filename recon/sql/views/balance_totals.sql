-- balance_totals: the date's balance check: accounts checked, accounts whose closing
-- balances differ (or that one system does not have), those not fully explained (a
-- residual, or one-sided); then, per currency (never added across), Σ |difference|,
-- Σ |explained|, Σ |unexplained|. One row per currency; the counts repeat on each (a
-- date without differences gives one row with NULL money).
WITH differing AS (
    SELECT * FROM findings WHERE biz_date = $d AND kind IN ({balance_kinds})
),
counts AS (
    SELECT (SELECT count(DISTINCT account_id) FROM balances WHERE biz_date = $d) AS checked,
           count(*) AS differing,
           count(*) FILTER (WHERE residual <> 0 OR kind <> 'BALANCE_MISMATCH') AS unexplained
    FROM differing
),
money AS (
    SELECT COALESCE(currency, '?') AS currency,
           SUM(abs(amount_impact)) AS difference,
           SUM(abs(amount_impact - COALESCE(residual, amount_impact))) AS explained,
           SUM(abs(COALESCE(residual, amount_impact))) AS residual
    FROM differing
    GROUP BY ALL
)
SELECT c.checked, c.differing, c.unexplained, m.currency, m.difference, m.explained,
       m.residual
FROM counts AS c
LEFT JOIN money AS m ON TRUE
ORDER BY m.currency
