-- worklist_for_date: the date's findings with their worklist status, in the order the
-- ledger team works them: severity, then largest |amount_impact|, then account.
SELECT f.item_id, f.biz_date, f.kind, f.severity, w.status, f.account_id,
       f.v1_serial_no, f.v2_serial_no, f.field, f.v1_value, f.v2_value,
       f.amount_impact, f.residual, f.fix_side, f.suggested_action, w.first_seen,
       f.currency, f.system, f.copy_no, f.biz_order_no, f.run_id,
       COALESCE(f.record, 'v1') AS record
FROM findings AS f
JOIN worklist AS w ON w.item_id = f.item_id
WHERE f.biz_date = $d
ORDER BY f.severity, abs(f.amount_impact) DESC, f.account_id, f.kind, f.item_id
