-- Every request the shop sent to AsiaBill and its answer, for the admin's "Gateway calls":
-- headers with the signature (never the sign key), bodies with personal data masked. Kept for
-- ASIABILL_LOG_DAYS, then purged by a daily job.
CREATE TABLE gateway_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TIMESTAMP NOT NULL,
    method TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    url TEXT NOT NULL,
    request_headers TEXT NOT NULL,
    request_body TEXT NOT NULL,
    status BIGINT,
    response_body TEXT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    -- The payment it belongs to, as AsiaBill's numbers name it (orderNo is the attempt's).
    order_no TEXT,
    trade_no TEXT
);
CREATE INDEX idx_gateway_calls_created_at ON gateway_calls (created_at);
CREATE INDEX idx_gateway_calls_order_no ON gateway_calls (order_no);
CREATE INDEX idx_gateway_calls_trade_no ON gateway_calls (trade_no);
