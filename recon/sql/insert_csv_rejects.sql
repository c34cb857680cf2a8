-- insert_csv_rejects: the lines of one CSV file that could not be split into the
-- header's columns (too many or too few fields, bad quoting, invalid UTF-8).
-- DuckDB counts the header as line 1, so the data row is line - 1.
INSERT INTO rejects (biz_date, system, dataset, source_file, source_row, reason, raw)
SELECT $d, $s, $ds, $file, line - 1,
       'malformed CSV row: ' || string_agg(DISTINCT lower(CAST(error_type AS VARCHAR)), ', '),
       first(csv_line)
FROM {rejects}
GROUP BY line;
