-- 50_entry_amounts_per_account: accounts where the entry findings' impacts do not add up
-- to Σ signed v2 − Σ signed v1 over the date's valid entries. Every entry is either
-- matched (impact = signed v2 − signed v1, reported once) or missing (impact = its
-- signed amount), so the two must agree to the cent. The per-account nets come from
-- daily_accounts (the pass that read the entries; 30_ checks that it counts them all).
WITH by_entries AS (
    SELECT account_id,
           SUM(CASE WHEN system = 'v2' THEN net ELSE -net END) AS net
    FROM daily_accounts
    WHERE biz_date = $d
    GROUP BY account_id
),
by_findings AS (
    SELECT account_id, SUM(amount_impact) AS net
    FROM findings
    WHERE biz_date = $d AND scope = 'entry'
    GROUP BY account_id
)
SELECT 'amount conservation failed on ' || CAST($d AS VARCHAR) || ': account '
       || COALESCE(e.account_id, f.account_id) || ' has Σ signed v2 − v1 = '
       || CAST(COALESCE(e.net, 0) AS VARCHAR) || ' but its findings'' impacts add up to '
       || CAST(COALESCE(f.net, 0) AS VARCHAR) AS problem,
       COALESCE(e.account_id, f.account_id) AS account_id
FROM by_entries AS e
FULL OUTER JOIN by_findings AS f ON e.account_id = f.account_id
WHERE COALESCE(e.net, 0) <> COALESCE(f.net, 0)
ORDER BY account_id;
