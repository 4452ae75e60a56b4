-- Refused webhook deliveries, counted per UTC day: only the latest few refused rows are kept in
-- webhook_events (with their bodies cut short), so that forged posts cannot fill the disk; these
-- counts say how many there were in all.
CREATE TABLE webhook_rejections (
    day DATE PRIMARY KEY,
    deliveries BIGINT NOT NULL,
    last_at TIMESTAMP NOT NULL
);
-- Finds the refused rows beyond the kept number, newest first.
CREATE INDEX idx_webhook_events_signature_valid_id ON webhook_events (signature_valid, id);

-- Checkouts are limited per email address and per client IP address and hour: both counts read
-- a range of the last hour. The composite index also serves every lookup by email alone.
DROP INDEX idx_orders_email;
CREATE INDEX idx_orders_email_created_at ON orders (email, created_at);
CREATE INDEX idx_orders_customer_ip_created_at ON orders (customer_ip, created_at);
