-- 20_balance_rows_conserved: per system, every balance row read is stored or rejected, and
-- the state holds as many of each as the run counted.
SELECT 'row conservation failed for ' || c.system || ' balances on ' || CAST($d AS VARCHAR)
       || ': read ' || CAST(c.rows_read AS VARCHAR)
       || ', stored ' || CAST(stored.n AS VARCHAR)
       || ' (counted ' || CAST(c.rows_loaded AS VARCHAR) || ')'
       || ', rejected ' || CAST(rejected.n AS VARCHAR)
       || ' (counted ' || CAST(c.rows_rejected AS VARCHAR) || ')' AS problem,
       c.system
FROM run_counts AS c,
     LATERAL (SELECT count(*) AS n FROM balances
              WHERE biz_date = $d AND system = c.system) AS stored,
     LATERAL (SELECT count(*) AS n FROM rejects
              WHERE biz_date = $d AND system = c.system AND dataset = 'balances') AS rejected
WHERE c.dataset = 'balances'
  AND (c.rows_read <> c.rows_loaded + c.rows_rejected
       OR stored.n <> c.rows_loaded
       OR rejected.n <> c.rows_rejected)
ORDER BY c.system;
