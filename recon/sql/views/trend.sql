-- trend: the findings and unexplained difference (per currency, as the run stored them)
-- of the last $days dates reconciled before $d, each date's latest successful run.
SELECT biz_date,
       arg_max(CAST(counts->>'findings_total' AS BIGINT), started_at) AS findings,
       arg_max(counts->'balances'->>'unexplained_abs', started_at) AS unexplained
FROM runs
WHERE status = 'succeeded' AND biz_date < $d
GROUP BY biz_date
ORDER BY biz_date DESC
LIMIT $days;
