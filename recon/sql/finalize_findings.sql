-- finalize_findings: give every finding of the run (run_findings) its stable item_id,
-- severity, fix_side and suggested action, and replace the date's findings with them.
--
-- item_id: a hash of the finding's identity. Entry findings (scope 'entry') belong to their date;
-- account-level findings do not, so a difference that persists keeps one item.
-- severity (README "Severity"):
--   P1  unexplained balance difference (residual <> 0), roll-forward break, account
--       missing on one side, or |amount_impact| >= $p1
--   P2  |amount_impact| >= $p2, or an explained balance difference
--   P3  any other money impact; duplicate or mismatched serial numbers; a differing
--       currency, legal_entity, subject_code or biz_type
--   P4  any other field difference
DELETE FROM findings WHERE biz_date = $d;

INSERT INTO findings (
    biz_date, run_id, item_id, kind, scope, severity, system, account_id, currency,
    v1_serial_no, v2_serial_no, copy_no, field, v1_value, v2_value,
    amount_impact, residual, fix_side, suggested_action, biz_order_no
)
SELECT
    $d,
    $run_id,
    substr(md5(concat_ws('|',
        kind,
        CASE WHEN scope = 'account' THEN '' ELSE CAST($d AS VARCHAR) END,
        COALESCE(system, ''), account_id,
        COALESCE(v1_serial_no, ''), COALESCE(v2_serial_no, ''),
        COALESCE(CAST(copy_no AS VARCHAR), ''), COALESCE(field, '')
    )), 1, 16) AS item_id,
    kind,
    scope,
    CASE
        WHEN (kind = 'BALANCE_MISMATCH' AND residual <> 0)
          OR kind IN ('ROLLFORWARD_BREAK', 'ACCOUNT_MISSING_IN_V1', 'ACCOUNT_MISSING_IN_V2',
                      'BALANCE_ROW_MISSING')
          OR abs(amount_impact) >= $p1 THEN 'P1'
        WHEN abs(amount_impact) >= $p2 OR kind = 'BALANCE_MISMATCH' THEN 'P2'
        WHEN amount_impact <> 0
          OR kind IN ('DUPLICATE_SERIAL', 'SERIAL_MISMATCH')
          OR field IN ('currency', 'legal_entity', 'subject_code', 'biz_type') THEN 'P3'
        ELSE 'P4'
    END AS severity,
    system, account_id, currency, v1_serial_no, v2_serial_no, copy_no, field,
    v1_value, v2_value, amount_impact, residual,
    CASE WHEN kind IN ('DUPLICATE_SERIAL', 'ROLLFORWARD_BREAK', 'BALANCE_ROW_MISSING')
         THEN system ELSE 'v2' END AS fix_side,
    CASE kind
        WHEN 'MISSING_IN_V2' THEN 'post the missing entry in v2: ' || v1_value
                                  || ' as v1 serial ' || v1_serial_no
        WHEN 'MISSING_IN_V1' THEN 'reverse v2 serial ' || v2_serial_no
                                  || ' (' || v2_value || '): v1 has no such entry'
        WHEN 'SERIAL_MISMATCH' THEN 'renumber v2 serial ' || v2_serial_no
                                    || ' to v1 serial ' || v1_serial_no
        WHEN 'AMOUNT_MISMATCH' THEN 'correct v2 serial ' || v2_serial_no || ' from '
                                    || v2_value || ' to ' || v1_value
        WHEN 'DIRECTION_MISMATCH' THEN 'correct v2 serial ' || v2_serial_no || ' from '
                                       || v2_value || ' to ' || v1_value
        WHEN 'FIELD_MISMATCH' THEN 'set ' || field || ' of v2 serial ' || v2_serial_no
                                   || ' to v1''s ' || COALESCE(v1_value, 'NULL')
                                   || ' (v2 has ' || COALESCE(v2_value, 'NULL')
                                   || '), or correct v1 at source if its value is wrong'
        WHEN 'DUPLICATE_SERIAL' THEN 'remove the extra copies of serial '
                                     || COALESCE(v1_serial_no, v2_serial_no) || ' in ' || system
        WHEN 'BALANCE_MISMATCH' THEN
            CASE WHEN residual = 0
                 THEN 'explained by the carried-in difference and the entry findings: repair those'
                 ELSE 'investigate the unexplained difference of ' || CAST(residual AS VARCHAR)
            END
        WHEN 'ACCOUNT_MISSING_IN_V2' THEN 'open the account in v2 with v1''s balance'
        WHEN 'ACCOUNT_MISSING_IN_V1' THEN 'v1 has no such account: close it in v2'
        WHEN 'ROLLFORWARD_BREAK' THEN 'recompute the ' || system
                                      || ' closing balance: it does not follow from the opening balance and entries'
        WHEN 'BALANCE_ROW_MISSING' THEN 'deliver the day-end balance row of the account in '
                                        || system
    END AS suggested_action,
    biz_order_no
FROM run_findings;
