-- replace_date: one state table's rows of the date ({table}) replaced by the date's rows
-- the run staged for it ({staged}), matched by column name.
DELETE FROM {table} WHERE biz_date = $d;

INSERT INTO {table} BY NAME SELECT * FROM {staged};
