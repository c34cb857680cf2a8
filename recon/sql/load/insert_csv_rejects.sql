-- insert_csv_rejects: the lines of one CSV file that are not a record of the header's
-- columns (recon/sources/csvfile.py: unclosed quote, bad quoting, too many or too few
-- fields, not UTF-8), each with its reason. `line` counts the header as line 1, so the
-- data line is line - 1.
INSERT INTO date_rejects (biz_date, system, dataset, source_file, source_row, reason, raw)
SELECT $d, $s, $ds, $file, line - 1,
       'malformed CSV row: ' || string_agg(DISTINCT CAST(error_type AS VARCHAR), ', '),
       first(csv_line)
FROM {rejects}
GROUP BY line;
