-- month_open_work: worklist items still to be worked (new or open) that were first seen
-- on or before the month's last date ($d), with their age in days at the month end.
-- {age_bucket} is worklist.AGEING_SQL, the buckets every report uses.
SELECT item_id, kind, severity, status, account_id, biz_date, first_seen,
       v1_serial_no, v2_serial_no, field, amount_impact, currency, residual,
       suggested_action,
       $d - first_seen AS age_days,
       {age_bucket} AS age_bucket
FROM worklist
WHERE status IN ('new', 'open') AND first_seen <= $d
ORDER BY severity, abs(amount_impact) DESC, first_seen, account_id, item_id
