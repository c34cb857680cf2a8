-- insert_scan_rejects: the rows of one system, dataset and date that broke a rule of
-- docs/interface.md §1, with their file, row number, every reason, and the raw values.
-- {scan} is the relation of the rows, {files} names their files.
INSERT INTO date_rejects (biz_date, system, dataset, source_file, source_row, reason, raw)
SELECT $d, $s, $ds, f.source_file, s.source_row, s.reason, s.raw
FROM {scan} AS s
JOIN {files} AS f ON f.file_index = s.file_index
WHERE s.reason IS NOT NULL;
