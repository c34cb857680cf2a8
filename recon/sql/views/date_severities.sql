-- date_severities: the date's findings per severity: all of them, and those nobody has
-- accepted (which decide the verdict and the exit code).
SELECT f.severity, count(*) AS findings,
       count(*) FILTER (WHERE w.status <> 'accepted') AS unaccepted
FROM findings AS f
JOIN worklist AS w USING (item_id)
WHERE f.biz_date = $d
GROUP BY f.severity
ORDER BY f.severity;
