-- date_rejects: the date's rejected rows per system and reason, most first.
SELECT system, reason, count(*) AS rows_rejected
FROM rejects
WHERE biz_date = $d
GROUP BY system, reason
ORDER BY system, rows_rejected DESC, reason;
