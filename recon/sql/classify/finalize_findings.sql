-- finalize_findings: give every finding of the run (run_findings) its stable item_id,
-- severity, fix_side and suggested action: the date's findings (date_findings), which
-- recon/pipeline/store.py puts in place of the date's earlier ones.
-- Scope, the least severity, fix side and action of each kind come from one table,
-- recon/contract.py's KINDS_TABLE ({kinds} and {action}).
--
-- record: v2 for an account cut over by the date (the temp table cutover,
-- recon/cutover.py), else v1; a `shadow` fix side is the other one.
-- item_id: a hash of the finding's identity. Entry findings (scope 'entry') belong to their date;
-- account-level findings do not, so a difference that persists keeps one item.
-- severity (README "Severity"): the kind's own, raised (unless the kind is fixed) by
--   P1  an unexplained balance difference (residual <> 0), or |amount_impact| >= $p1
--   P2  |amount_impact| >= $p2
--   P3  any other money impact, or a differing currency, legal_entity, subject_code or
--       biz_type ({booking_fields})
CREATE OR REPLACE TEMP TABLE date_findings AS
WITH found AS (
    SELECT f.*, CASE WHEN c.account_id IS NULL THEN 'v1' ELSE 'v2' END AS record,
           c.cutover_date
    FROM run_findings AS f
    LEFT JOIN cutover AS c ON c.account_id = f.account_id AND c.cutover_date <= $d
)
SELECT
    $d AS biz_date,
    $run_id AS run_id,
    substr(md5(concat_ws('|',
        kind,
        CASE WHEN k.scope = 'account' THEN '' ELSE CAST($d AS VARCHAR) END,
        COALESCE(system, ''), account_id,
        COALESCE(v1_serial_no, ''), COALESCE(v2_serial_no, ''),
        COALESCE(CAST(copy_no AS VARCHAR), ''), COALESCE(field, '')
    )), 1, 16) AS item_id,
    kind,
    k.scope AS scope,
    CASE
        WHEN k.fixed THEN k.severity
        WHEN k.severity = 'P1' OR residual <> 0 OR abs(amount_impact) >= $p1 THEN 'P1'
        WHEN k.severity = 'P2' OR abs(amount_impact) >= $p2 THEN 'P2'
        WHEN k.severity = 'P3' OR amount_impact <> 0
          OR field IN ({booking_fields}) THEN 'P3'
        ELSE 'P4'
    END AS severity,
    system, account_id, currency, v1_serial_no, v2_serial_no, copy_no, field,
    v1_value, v2_value, amount_impact, residual,
    CASE k.fix_side WHEN 'system' THEN system WHEN 'record' THEN record
                    ELSE CASE record WHEN 'v2' THEN 'v1' ELSE 'v2' END END AS fix_side,
    {action} AS suggested_action,
    biz_order_no,
    record
FROM found
LEFT JOIN ({kinds}) AS k USING (kind);
