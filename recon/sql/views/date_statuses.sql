-- date_statuses: the date's findings per worklist status (new, open, resolved, accepted).
SELECT w.status, count(*) AS findings
FROM findings AS f
JOIN worklist AS w USING (item_id)
WHERE f.biz_date = $d
GROUP BY w.status
ORDER BY w.status;
