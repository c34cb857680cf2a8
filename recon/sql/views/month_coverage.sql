-- month_coverage: every date of the month ($first .. $last) and how it stands. A date
-- is reconciled when its latest finished run succeeded; 'failed' when that run failed;
-- 'interrupted' when its only runs never finished (killed); 'missing' when never run.
WITH days AS (
    SELECT CAST(d AS DATE) AS biz_date
    FROM range(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP) + INTERVAL 1 DAY,
               INTERVAL 1 DAY) AS t(d)
),
finished AS (
    SELECT biz_date,
           arg_max(status, (started_at, run_id)) AS status,
           arg_max(run_id, (started_at, run_id)) AS run_id,
           arg_max(COALESCE(message, ''), (started_at, run_id)) AS message
    FROM runs
    WHERE biz_date BETWEEN $first AND $last AND status IN ('succeeded', 'failed')
    GROUP BY biz_date
),
started AS (
    SELECT DISTINCT biz_date FROM runs WHERE biz_date BETWEEN $first AND $last
)
SELECT days.biz_date,
       CASE WHEN finished.status = 'succeeded' THEN 'reconciled'
            WHEN finished.status = 'failed' THEN 'failed'
            WHEN started.biz_date IS NOT NULL THEN 'interrupted'
            ELSE 'missing' END AS status,
       finished.run_id,
       NULLIF(finished.message, '') AS message
FROM days
LEFT JOIN finished USING (biz_date)
LEFT JOIN started USING (biz_date)
ORDER BY days.biz_date
