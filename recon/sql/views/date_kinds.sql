-- date_kinds: the date's findings per kind and currency, with Σ |amount_impact| (money
-- of two currencies is never added: one row per currency).
SELECT kind, COALESCE(currency, '?') AS currency, count(*) AS findings,
       CAST(SUM(abs(amount_impact)) AS DECIMAL(38,2)) AS abs_impact
FROM findings
WHERE biz_date = $d
GROUP BY ALL
ORDER BY ALL;
