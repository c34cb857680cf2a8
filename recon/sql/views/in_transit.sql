-- in_transit: the MISSING_IN_* items still open whose date lies within the timing window
-- of $as_of ($window days, that date included): the other system may still post them on
-- a later date (docs/interface.md §2), so they are shown apart from older ones.
SELECT item_id, biz_date, kind, account_id, currency, v1_serial_no, v2_serial_no,
       v1_value, v2_value, amount_impact
FROM worklist
WHERE kind IN ('MISSING_IN_V1', 'MISSING_IN_V2')
  AND status IN ('new', 'open')
  AND biz_date <= $as_of
  AND biz_date > $as_of - CAST($window AS INTEGER)
ORDER BY biz_date, account_id, item_id
