-- audit_entry_rows: per account, the entries each system has on the date (day_accounts,
-- from the pass that read them) against the findings: every entry is matched or in a
-- MISSING_IN_* finding, and a match takes one entry of each side, so
-- v1 entries − MISSING_IN_V2 = v2 entries − MISSING_IN_V1 for every account. The join
-- counts nothing here: an entry it lost breaks this. Zero rows = rows conserved.
WITH entries AS (
    SELECT account_id,
           sum(CASE WHEN system = 'v1' THEN entries ELSE 0 END) AS v1,
           sum(CASE WHEN system = 'v2' THEN entries ELSE 0 END) AS v2
    FROM daily_accounts
    WHERE biz_date = $d
    GROUP BY account_id
),
missing AS (
    SELECT account_id,
           count(*) FILTER (WHERE kind = 'MISSING_IN_V2') AS v1,
           count(*) FILTER (WHERE kind = 'MISSING_IN_V1') AS v2
    FROM findings
    WHERE biz_date = $d AND kind IN ('MISSING_IN_V1', 'MISSING_IN_V2')
    GROUP BY account_id
)
SELECT COALESCE(e.account_id, m.account_id) AS account_id,
       COALESCE(e.v1, 0) AS v1_entries, COALESCE(m.v1, 0) AS missing_in_v2,
       COALESCE(e.v2, 0) AS v2_entries, COALESCE(m.v2, 0) AS missing_in_v1
FROM entries AS e
FULL OUTER JOIN missing AS m ON m.account_id = e.account_id
WHERE COALESCE(e.v1, 0) - COALESCE(m.v1, 0) <> COALESCE(e.v2, 0) - COALESCE(m.v2, 0)
   OR COALESCE(m.v1, 0) > COALESCE(e.v1, 0)
   OR COALESCE(m.v2, 0) > COALESCE(e.v2, 0)
ORDER BY 1
LIMIT 5;
