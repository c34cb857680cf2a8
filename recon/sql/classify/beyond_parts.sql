-- beyond_parts: the entries the matches beyond one-to-one paired (one row per entry, by
-- the kind that paired it and its system): the run's count of matched entries adds
-- them (recon/pipeline/classify.py), and the audits hold that against the findings.
CREATE OR REPLACE TEMP TABLE beyond_parts (kind VARCHAR, side VARCHAR);

-- left_over: the date's entries still without a counterpart, one row each (the
-- MISSING_IN_* findings the matches before have not taken; a view, so each match sees
-- what the one before it left), with a biz_order_no, as the split and netting matches
-- read them: the side that has the entry, its value ("C 60.00"), direction and signed
-- amount.
CREATE OR REPLACE TEMP VIEW left_over AS
SELECT rowid AS rid, account_id, currency, biz_order_no,
       CASE kind WHEN 'MISSING_IN_V2' THEN 'v1' ELSE 'v2' END AS side,
       COALESCE(v1_serial_no, v2_serial_no) AS serial_no,
       COALESCE(v1_value, v2_value) AS value,
       split_part(COALESCE(v1_value, v2_value), ' ', 1) AS direction,
       CASE kind WHEN 'MISSING_IN_V2' THEN -amount_impact ELSE amount_impact END AS signed
FROM run_findings
WHERE kind IN ('MISSING_IN_V1', 'MISSING_IN_V2') AND biz_order_no IS NOT NULL;
