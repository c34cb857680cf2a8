-- period_causes: the entry findings of the period of each account whose balances
-- differed in it that move money (impact not 0), counted by kind: what caused the
-- differences.
SELECT account_id, kind, count(*) AS findings
FROM findings
WHERE biz_date BETWEEN $first AND $last AND scope = 'entry' AND amount_impact <> 0
  AND account_id IN (SELECT account_id FROM findings
                     WHERE biz_date BETWEEN $first AND $last AND kind IN ({balance_kinds}))
GROUP BY account_id, kind
ORDER BY account_id, kind
