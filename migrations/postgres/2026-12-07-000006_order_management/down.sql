ALTER TABLE refunds DROP COLUMN cancels_order;
DROP TABLE order_notes;
