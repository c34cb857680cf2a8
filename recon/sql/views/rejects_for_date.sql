-- rejects_for_date: the date's rejected input rows, by system, dataset, file and row.
SELECT biz_date, system, dataset, source_file, source_row, reason, raw
FROM rejects
WHERE biz_date = $d
ORDER BY system, dataset, source_file, source_row
