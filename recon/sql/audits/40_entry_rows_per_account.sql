-- 40_entry_rows_per_account: per account, the entries each system has on the date
-- (daily_accounts, from the pass that read them) against the findings: every entry is
-- matched one-to-one, matched beyond (this date's side of a TIMING_DIFFERENCE, the parts
-- of a SPLIT_MISMATCH) or in a MISSING_IN_* finding, and a one-to-one match takes one
-- entry of each side, so for every account
--   v1 entries − MISSING_IN_V2 − v1 beyond = v2 entries − MISSING_IN_V1 − v2 beyond.
-- The join counts nothing here: an entry it lost breaks this.
WITH entries AS (
    SELECT account_id,
           sum(CASE WHEN system = 'v1' THEN entries ELSE 0 END) AS v1,
           sum(CASE WHEN system = 'v2' THEN entries ELSE 0 END) AS v2
    FROM daily_accounts
    WHERE biz_date = $d
    GROUP BY account_id
),
unpaired AS (
    SELECT account_id,
           sum(CASE WHEN kind = 'MISSING_IN_V2' THEN 1
                    WHEN kind = 'TIMING_DIFFERENCE' AND system = 'v1' THEN 1
                    WHEN kind = 'SPLIT_MISMATCH' THEN len(string_split(v1_serial_no, '+'))
                    ELSE 0 END) AS v1,
           sum(CASE WHEN kind = 'MISSING_IN_V1' THEN 1
                    WHEN kind = 'TIMING_DIFFERENCE' AND system = 'v2' THEN 1
                    WHEN kind = 'SPLIT_MISMATCH' THEN len(string_split(v2_serial_no, '+'))
                    ELSE 0 END) AS v2
    FROM findings
    WHERE biz_date = $d
      AND kind IN ('MISSING_IN_V1', 'MISSING_IN_V2', 'TIMING_DIFFERENCE', 'SPLIT_MISMATCH')
    GROUP BY account_id
)
SELECT 'row conservation failed on ' || CAST($d AS VARCHAR) || ': account '
       || COALESCE(e.account_id, m.account_id) || ' has '
       || CAST(COALESCE(e.v1, 0) AS VARCHAR) || ' v1 entries ('
       || CAST(COALESCE(m.v1, 0) AS VARCHAR) || ' not paired one-to-one) and '
       || CAST(COALESCE(e.v2, 0) AS VARCHAR) || ' v2 entries ('
       || CAST(COALESCE(m.v2, 0) AS VARCHAR) || ' not paired one-to-one), which cannot pair up'
           AS problem,
       COALESCE(e.account_id, m.account_id) AS account_id
FROM entries AS e
FULL OUTER JOIN unpaired AS m ON m.account_id = e.account_id
WHERE COALESCE(e.v1, 0) - COALESCE(m.v1, 0) <> COALESCE(e.v2, 0) - COALESCE(m.v2, 0)
   OR COALESCE(m.v1, 0) > COALESCE(e.v1, 0)
   OR COALESCE(m.v2, 0) > COALESCE(e.v2, 0)
ORDER BY account_id;
