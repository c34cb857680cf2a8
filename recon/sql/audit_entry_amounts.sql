-- audit_entry_amounts: accounts where the entry findings' impacts do not add up to
-- Σ signed v2 − Σ signed v1 over the date's loaded entries. Every entry is either
-- matched (impact = signed v2 − signed v1, reported once) or missing (impact = its
-- signed amount), so the two must agree to the cent. Zero rows = amounts conserved.
-- The per-account nets come from daily_accounts (daily_aggregates.sql, one pass over
-- the entries; the run checks that it counts every loaded entry).
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
SELECT COALESCE(e.account_id, f.account_id) AS account_id,
       COALESCE(e.net, 0) AS entries_net,
       COALESCE(f.net, 0) AS findings_net
FROM by_entries AS e
FULL OUTER JOIN by_findings AS f ON e.account_id = f.account_id
WHERE COALESCE(e.net, 0) <> COALESCE(f.net, 0)
ORDER BY 1
LIMIT 5;
