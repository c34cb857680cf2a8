-- SPLIT_MISMATCH: one posting split in two or more (docs/interface.md §2). After the key,
-- serial and timing matches, per (account_id, biz_order_no, direction, currency) with a
-- biz_order_no: when one system has exactly one entry left without a counterpart and
-- the other two or more whose amounts add up exactly to it, they are one SPLIT_MISMATCH
-- (impact 0; each side's serials joined by '+' and values by ' + ', in serial order),
-- not a MISSING_IN_* each. All or nothing: parts that do not add up stay missing. The
-- parts and the whole share one currency: amounts of two currencies never add up.
-- left_over is beyond_parts.sql's.
CREATE OR REPLACE TEMP TABLE split_parts AS
WITH groups AS (
    SELECT account_id, biz_order_no, direction, currency
    FROM left_over
    GROUP BY account_id, biz_order_no, direction, currency
    HAVING ((count(*) FILTER (WHERE side = 'v1') = 1 AND count(*) FILTER (WHERE side = 'v2') >= 2)
         OR (count(*) FILTER (WHERE side = 'v2') = 1 AND count(*) FILTER (WHERE side = 'v1') >= 2))
       AND sum(signed) FILTER (WHERE side = 'v1') = sum(signed) FILTER (WHERE side = 'v2')
)
SELECT l.*
FROM left_over AS l
JOIN groups AS g USING (account_id, biz_order_no, direction, currency);

DELETE FROM run_findings WHERE rowid IN (SELECT rid FROM split_parts);

INSERT INTO run_findings BY NAME
SELECT 'entry' AS scope, 'SPLIT_MISMATCH' AS kind,
       CASE WHEN count(*) FILTER (WHERE side = 'v1') > 1 THEN 'v1' ELSE 'v2' END AS system,
       account_id, currency,
       string_agg(serial_no, '+' ORDER BY serial_no) FILTER (WHERE side = 'v1') AS v1_serial_no,
       string_agg(serial_no, '+' ORDER BY serial_no) FILTER (WHERE side = 'v2') AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, CAST(NULL AS VARCHAR) AS field,
       string_agg(value, ' + ' ORDER BY serial_no) FILTER (WHERE side = 'v1') AS v1_value,
       string_agg(value, ' + ' ORDER BY serial_no) FILTER (WHERE side = 'v2') AS v2_value,
       CAST(0 AS DECIMAL(18,2)) AS amount_impact, CAST(NULL AS DECIMAL(18,2)) AS residual,
       biz_order_no
FROM split_parts
GROUP BY account_id, biz_order_no, direction, currency;

-- the entries it matched: every part and every whole
INSERT INTO beyond_parts
SELECT 'SPLIT_MISMATCH', side FROM split_parts;
