-- month_flows: the deposit / withdrawal flow check (出入金流水校验). Count and Σ amount
-- per legal_entity × biz_type × direction × currency, in v1 and in v2, over the month's
-- daily aggregates; deposits and withdrawals first.
SELECT legal_entity, biz_type, direction, currency,
       COALESCE(v1_count, 0) AS v1_count, CAST(COALESCE(v1_amount, 0) AS DECIMAL(38,2)) AS v1_amount,
       COALESCE(v2_count, 0) AS v2_count, CAST(COALESCE(v2_amount, 0) AS DECIMAL(38,2)) AS v2_amount
FROM (PIVOT (SELECT * FROM daily_flows WHERE biz_date BETWEEN $first AND $last)
      ON system IN ('v1', 'v2') USING sum(entries) AS count, sum(amount) AS amount
      GROUP BY legal_entity, biz_type, direction, currency)
ORDER BY CASE biz_type WHEN 'DEPOSIT' THEN 0 WHEN 'WITHDRAW' THEN 1 ELSE 2 END, biz_type,
         legal_entity NULLS LAST, direction, currency
