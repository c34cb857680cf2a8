-- 30_aggregates_count_every_entry: daily_accounts and daily_flows, which explain and
-- month-end read instead of the entries, each count every valid entry of each system.
WITH counted AS (
    SELECT 'daily_accounts' AS aggregate, system, sum(entries) AS entries
    FROM daily_accounts WHERE biz_date = $d GROUP BY system
    UNION ALL
    SELECT 'daily_flows', system, sum(entries)
    FROM daily_flows WHERE biz_date = $d GROUP BY system
),
expected AS (
    SELECT a.aggregate, c.system, c.rows_loaded
    FROM run_counts AS c
    CROSS JOIN (VALUES ('daily_accounts'), ('daily_flows')) AS a(aggregate)
    WHERE c.dataset = 'entries'
)
SELECT e.aggregate || ' of ' || e.system || ' on ' || CAST($d AS VARCHAR) || ' count '
       || CAST(COALESCE(n.entries, 0) AS VARCHAR) || ' entries, but '
       || CAST(e.rows_loaded AS VARCHAR) || ' were read as valid' AS problem,
       e.system
FROM expected AS e
LEFT JOIN counted AS n ON n.aggregate = e.aggregate AND n.system = e.system
WHERE COALESCE(n.entries, 0) <> e.rows_loaded
ORDER BY e.aggregate, e.system;
