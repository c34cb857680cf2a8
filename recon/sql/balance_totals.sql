-- balance_totals: the date's balance check in one row: accounts checked, accounts whose
-- closing balances differ (or that one system does not have), those not fully explained
-- (a residual, or one-sided), and Σ |difference|, Σ |explained|, Σ |unexplained|.
SELECT
    (SELECT count(DISTINCT account_id) FROM balances WHERE biz_date = $d) AS checked,
    count(*) AS differing,
    count(*) FILTER (WHERE residual <> 0 OR kind <> 'BALANCE_MISMATCH') AS unexplained,
    COALESCE(SUM(abs(amount_impact)), 0) AS difference,
    COALESCE(SUM(abs(amount_impact - COALESCE(residual, amount_impact))), 0) AS explained,
    COALESCE(SUM(abs(COALESCE(residual, amount_impact))), 0) AS residual
FROM findings
WHERE biz_date = $d AND kind IN ({balance_kinds})
