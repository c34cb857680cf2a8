-- runs_unpublished: the latest successful run of each date whose outputs (to $out_dir)
-- were not published: a run killed between its commit and the publication of its
-- folder, which the next run publishes.
SELECT run_id, biz_date
FROM (
    SELECT run_id, biz_date, published_at, out_dir,
           row_number() OVER (PARTITION BY biz_date, out_dir ORDER BY started_at DESC)
               AS latest
    FROM runs
    WHERE status = 'succeeded' AND out_dir IS NOT NULL
)
WHERE latest = 1 AND published_at IS NULL AND out_dir = $out_dir;
