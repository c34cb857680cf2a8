-- month_differing_accounts: the accounts whose closing balances differ on $as_of, with
-- the part of each difference the entry findings explain. unexplained is the residual
-- of a BALANCE_MISMATCH, or the whole balance of an account one system does not have.
SELECT f.account_id, f.kind, f.currency, f.severity, w.status, f.item_id,
       v1.closing_balance AS v1_closing,
       v2.closing_balance AS v2_closing,
       f.amount_impact AS difference,
       f.amount_impact - COALESCE(f.residual, f.amount_impact) AS explained,
       COALESCE(f.residual, f.amount_impact) AS unexplained
FROM findings AS f
JOIN worklist AS w USING (item_id)
LEFT JOIN balances AS v1
       ON v1.biz_date = f.biz_date AND v1.system = 'v1' AND v1.account_id = f.account_id
LEFT JOIN balances AS v2
       ON v2.biz_date = f.biz_date AND v2.system = 'v2' AND v2.account_id = f.account_id
WHERE f.biz_date = $as_of
  AND f.kind IN ({balance_kinds})
ORDER BY abs(COALESCE(f.residual, f.amount_impact)) DESC, abs(f.amount_impact) DESC,
         f.account_id
