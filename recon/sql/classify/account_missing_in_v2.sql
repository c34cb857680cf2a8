-- ACCOUNT_MISSING_IN_V2: an account with a v1 balance row and none in v2: impact −v1
-- closing. When v2 has entries for the account (its balance row is missing or was
-- rejected), v2's value says so, and the action is to deliver the row, not to open the
-- account.
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'ACCOUNT_MISSING_IN_V2' AS kind,
       CAST(NULL AS VARCHAR) AS system, account_id, v1_currency AS currency,
       CAST(NULL AS VARCHAR) AS v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, CAST(NULL AS VARCHAR) AS field,
       CAST(v1_closing AS VARCHAR) AS v1_value,
       CASE WHEN v2_entries IS NOT NULL
            THEN 'no balance row, ' || CAST(v2_entries AS VARCHAR) || ' entries' END
           AS v2_value,
       CAST(-v1_closing AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM account_balances
WHERE v1_closing IS NOT NULL AND v2_closing IS NULL;
