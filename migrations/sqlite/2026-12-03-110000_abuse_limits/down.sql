DROP INDEX idx_orders_customer_ip_created_at;
DROP INDEX idx_orders_email_created_at;
CREATE INDEX idx_orders_email ON orders (email);
DROP INDEX idx_webhook_events_signature_valid_id;
DROP TABLE webhook_rejections;
