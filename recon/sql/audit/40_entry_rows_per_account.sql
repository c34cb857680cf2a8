-- 40_entry_rows_per_account: per account, the entries each system has on the date
-- (daily_accounts, from the pass that read them) against the findings: every entry is
-- matched one-to-one, matched beyond (the kinds whose `counts` in the kinds table says
-- how: 'system', one entry of the finding's system, as this date's side of a
-- TIMING_DIFFERENCE; 'serials', every serial of each side, as the parts of a
-- SPLIT_MISMATCH) or in a MISSING_IN_* finding, and a one-to-one match takes one
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
    SELECT f.account_id,
           sum(CASE WHEN f.kind = 'MISSING_IN_V2' THEN 1
                    WHEN k.counts = 'system' AND f.system = 'v1' THEN 1
                    WHEN k.counts = 'serials'
                        THEN COALESCE(len(string_split(f.v1_serial_no, '+')), 0)
                    ELSE 0 END) AS v1,
           sum(CASE WHEN f.kind = 'MISSING_IN_V1' THEN 1
                    WHEN k.counts = 'system' AND f.system = 'v2' THEN 1
                    WHEN k.counts = 'serials'
                        THEN COALESCE(len(string_split(f.v2_serial_no, '+')), 0)
                    ELSE 0 END) AS v2
    FROM findings AS f
    JOIN ({kinds}) AS k USING (kind)
    WHERE f.biz_date = $d
      AND (f.kind IN ('MISSING_IN_V1', 'MISSING_IN_V2') OR k.counts IS NOT NULL)
    GROUP BY f.account_id
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
