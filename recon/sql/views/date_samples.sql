-- date_samples: the first $rows findings of each kind of the date, worst first: the
-- rows report.md shows with their suggested action.
SELECT kind, item_id, severity, account_id, v1_serial_no, v2_serial_no, field, v1_value,
       v2_value, amount_impact, residual, suggested_action
FROM (
    SELECT *, row_number() OVER (PARTITION BY kind
                                 ORDER BY severity, abs(amount_impact) DESC, account_id,
                                          item_id) AS rn
    FROM findings
    WHERE biz_date = $d
)
WHERE rn <= $rows
ORDER BY kind, rn;
