-- readiness_unclean: (group, date) for each date on or before $last on which an account
-- of the group has a finding nobody accepted. An account's group on a date: its cohort
-- from its cut-over date on, shadow before (and for an account never cut over).
SELECT DISTINCT
       CASE WHEN c.cutover_date <= f.biz_date THEN c.cohort ELSE 'shadow' END AS cohort,
       f.biz_date
FROM findings AS f
LEFT JOIN cutover AS c USING (account_id)
LEFT JOIN worklist AS w USING (item_id)
WHERE f.biz_date <= $last
  AND w.status IS DISTINCT FROM 'accepted'
