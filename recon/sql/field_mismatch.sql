-- field_mismatch: one FIELD_MISMATCH per matched pair whose {field} differs, NULL-safe.
-- Appended to entry_findings once per compared field.
UNION ALL
SELECT 'FIELD_MISMATCH', NULL, account_id, v1_currency, v1_serial_no, v2_serial_no,
       v1_copy_no, {field_name},
       CAST({v1_field} AS VARCHAR), CAST({v2_field} AS VARCHAR),
       CAST(0 AS DECIMAL(18,2)), NULL, v1_biz_order_no, NULL
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL
  AND {v1_field} IS DISTINCT FROM {v2_field}
