-- Ledgers written before lots and sequences existed (0002): number their
-- entries per account in the order they were written, and give each
-- account one lot, never expiring, that holds its balance, so that
-- VerifyLedger holds and spending finds the points. Accounts created after
-- 0002 are untouched (their entries have sequences, their lots exist).
UPDATE ledger_entries e
  JOIN (SELECT customer_id, id,
               ROW_NUMBER() OVER (PARTITION BY customer_id
                                  ORDER BY create_time, id) AS n
          FROM ledger_entries) numbered
    ON numbered.customer_id = e.customer_id AND numbered.id = e.id
  SET e.sequence = numbered.n
  WHERE e.customer_id IN (SELECT customer_id FROM (
          SELECT customer_id FROM ledger_entries GROUP BY customer_id
          HAVING MAX(sequence) = 0) legacy);

INSERT INTO point_lots (customer_id, id, points, remaining_points, earn_time,
                        expire_time)
  SELECT a.customer_id, 'before-lots', a.points_balance, a.points_balance,
         a.update_time, NULL
    FROM accounts a
   WHERE a.points_balance > 0
     AND NOT EXISTS (SELECT 1 FROM point_lots l
                      WHERE l.customer_id = a.customer_id);
