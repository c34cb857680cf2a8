-- ACCOUNT_MISSING_IN_V1: an account with a v2 balance row and none in v1: impact +v2
-- closing; as ACCOUNT_MISSING_IN_V2 the other way round.
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'ACCOUNT_MISSING_IN_V1' AS kind,
       CAST(NULL AS VARCHAR) AS system, account_id, v2_currency AS currency,
       CAST(NULL AS VARCHAR) AS v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, CAST(NULL AS VARCHAR) AS field,
       CASE WHEN v1_entries IS NOT NULL
            THEN 'no balance row, ' || CAST(v1_entries AS VARCHAR) || ' entries' END
           AS v1_value,
       CAST(v2_closing AS VARCHAR) AS v2_value,
       CAST(v2_closing AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM account_balances
WHERE v2_closing IS NOT NULL AND v1_closing IS NULL;
