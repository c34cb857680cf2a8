-- readiness_groups: each cut-over cohort (its latest cut-over date, its accounts, the
-- worklist items new or open of them) and then shadow: the accounts on the last date
-- reconciled ($last) not cut over by then, and their open items. An account's items
-- count for its cohort once it is cut over by $last, for shadow before.
WITH cohorts AS (
    SELECT cohort, max(cutover_date) AS cutover_date, count(*) AS accounts
    FROM cutover
    GROUP BY cohort
),
open_items AS (
    SELECT CASE WHEN c.cutover_date <= $last THEN c.cohort ELSE 'shadow' END AS cohort,
           count(*) AS items
    FROM worklist AS w
    LEFT JOIN cutover AS c USING (account_id)
    WHERE w.status IN ('new', 'open')
    GROUP BY 1
),
shadow AS (
    SELECT count(DISTINCT account_id) AS accounts
    FROM (SELECT account_id FROM balances WHERE biz_date = $last
          UNION ALL
          SELECT account_id FROM daily_accounts WHERE biz_date = $last)
    WHERE account_id NOT IN (SELECT account_id FROM cutover WHERE cutover_date <= $last)
)
SELECT c.cohort, c.cutover_date, c.accounts, COALESCE(o.items, 0) AS open_items
FROM cohorts AS c
LEFT JOIN open_items AS o USING (cohort)
UNION ALL
SELECT 'shadow', CAST(NULL AS DATE), (SELECT accounts FROM shadow),
       COALESCE((SELECT items FROM open_items WHERE cohort = 'shadow'), 0)
ORDER BY cutover_date NULLS LAST, cohort
