-- ROLLFORWARD_BREAK: per system and account, closing ≠ opening + Σ signed entries:
-- impact closing − (opening + Σ signed entries); the system's value shows the sum.
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'ROLLFORWARD_BREAK' AS kind, system, account_id, currency,
       CAST(NULL AS VARCHAR) AS v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, CAST(NULL AS VARCHAR) AS field,
       CASE WHEN system = 'v1' THEN sum_text END AS v1_value,
       CASE WHEN system = 'v2' THEN sum_text END AS v2_value,
       CAST(closing - (opening + net) AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM (
    SELECT *, 'opening ' || CAST(opening AS VARCHAR) || ' + entries '
              || CAST(CAST(net AS DECIMAL(18,2)) AS VARCHAR)
              || ' <> closing ' || CAST(closing AS VARCHAR) AS sum_text
    FROM account_sides
) AS s
WHERE closing <> opening + net;
