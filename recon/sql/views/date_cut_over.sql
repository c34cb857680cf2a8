-- date_cut_over: the accounts among the date's findings whose record is v2 on the date
-- (cut over, recon/cutover.py), with their cut-over dates: the reports mark them.
SELECT DISTINCT f.account_id, c.cutover_date
FROM findings AS f
JOIN cutover AS c ON c.account_id = f.account_id
WHERE f.biz_date = $d AND c.cutover_date <= $d
ORDER BY f.account_id
