-- Initial schema (SQLite). Keep in step with migrations/postgres/2026-11-25-000001_initial/up.sql
-- and src/db/schema.rs: same tables, columns, nullability, constraints and index names.
-- Conventions: ids and integers are 64-bit; money is *_minor (minor units) next to an ISO 4217
-- `currency`; times are naive UTC TIMESTAMP; JSON is TEXT; statuses are TEXT with a CHECK.

CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX uq_admin_users_email ON admin_users (email);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_categories_slug ON categories (slug);
CREATE INDEX idx_categories_position ON categories (position);

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    slug TEXT NOT NULL,
    sku TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    currency TEXT NOT NULL,
    stock BIGINT NOT NULL CHECK (stock >= 0),
    image_path TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_products_slug ON products (slug);
CREATE UNIQUE INDEX uq_products_sku ON products (sku);
CREATE INDEX idx_products_category_id ON products (category_id);
CREATE INDEX idx_products_active ON products (active);

CREATE TABLE carts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL,
    currency TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_carts_token ON carts (token);
CREATE INDEX idx_carts_updated_at ON carts (updated_at);

CREATE TABLE cart_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cart_id BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_cart_items_cart_id_product_id ON cart_items (cart_id, product_id);
CREATE INDEX idx_cart_items_product_id ON cart_items (product_id);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL,
    access_token TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending_payment'
        CHECK (status IN ('pending_payment', 'paid', 'authorized', 'partially_refunded', 'refunded', 'cancelled')),
    fulfilment_status TEXT NOT NULL DEFAULT 'unfulfilled'
        CHECK (fulfilment_status IN ('unfulfilled', 'shipped')),
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    locale TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL CHECK (subtotal_minor >= 0),
    shipping_minor BIGINT NOT NULL CHECK (shipping_minor >= 0),
    total_minor BIGINT NOT NULL CHECK (total_minor >= 0),
    captured_minor BIGINT NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
    refunded_minor BIGINT NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    billing_first_name TEXT NOT NULL,
    billing_last_name TEXT NOT NULL,
    billing_address TEXT NOT NULL,
    billing_city TEXT NOT NULL,
    billing_state TEXT,
    billing_zip TEXT NOT NULL,
    billing_country TEXT NOT NULL,
    shipping_first_name TEXT NOT NULL,
    shipping_last_name TEXT NOT NULL,
    shipping_address TEXT NOT NULL,
    shipping_city TEXT NOT NULL,
    shipping_state TEXT,
    shipping_zip TEXT NOT NULL,
    shipping_country TEXT NOT NULL,
    customer_ip TEXT NOT NULL,
    user_agent TEXT,
    reservation_expires_at TIMESTAMP,
    stock_released BOOLEAN NOT NULL DEFAULT FALSE,
    paid_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT ck_orders_refunded_le_captured CHECK (refunded_minor <= captured_minor)
);
CREATE UNIQUE INDEX uq_orders_number ON orders (number);
CREATE UNIQUE INDEX uq_orders_access_token ON orders (access_token);
CREATE UNIQUE INDEX uq_orders_idempotency_key ON orders (idempotency_key);
CREATE INDEX idx_orders_status_reservation_expires_at ON orders (status, reservation_expires_at);
CREATE INDEX idx_orders_fulfilment_status ON orders (fulfilment_status);
CREATE INDEX idx_orders_email ON orders (email);
CREATE INDEX idx_orders_created_at ON orders (created_at);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id BIGINT REFERENCES products (id) ON DELETE SET NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL CHECK (unit_price_minor >= 0),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    line_total_minor BIGINT NOT NULL CHECK (line_total_minor >= 0),
    currency TEXT NOT NULL
);
CREATE INDEX idx_order_lines_order_id ON order_lines (order_id);
CREATE INDEX idx_order_lines_product_id ON order_lines (product_id);

CREATE TABLE payment_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    sequence BIGINT NOT NULL CHECK (sequence > 0),
    gateway_order_no TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('insite', 'hosted')),
    status TEXT NOT NULL DEFAULT 'created'
        CHECK (status IN ('created', 'pending', 'requires_action', 'authorized', 'paid', 'failed', 'voided', 'cancelled')),
    transaction_type TEXT NOT NULL CHECK (transaction_type IN ('sale', 'authorization')),
    gateway_no TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    trade_no TEXT,
    masked_card TEXT,
    card_brand TEXT,
    gateway_code TEXT,
    gateway_message TEXT,
    redirect_url TEXT,
    customer_payment_method_id TEXT,
    authorized_at TIMESTAMP,
    paid_at TIMESTAMP,
    capture_deadline TIMESTAMP,
    voided_at TIMESTAMP,
    last_queried_at TIMESTAMP,
    query_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_payment_attempts_order_id_sequence ON payment_attempts (order_id, sequence);
CREATE UNIQUE INDEX uq_payment_attempts_gateway_order_no ON payment_attempts (gateway_order_no);
CREATE UNIQUE INDEX uq_payment_attempts_trade_no ON payment_attempts (trade_no);
CREATE INDEX idx_payment_attempts_status_created_at ON payment_attempts (status, created_at);
CREATE INDEX idx_payment_attempts_capture_deadline ON payment_attempts (capture_deadline);

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    attempt_id BIGINT NOT NULL REFERENCES payment_attempts (id) ON DELETE RESTRICT,
    sequence BIGINT NOT NULL CHECK (sequence > 0),
    mer_track_no TEXT NOT NULL,
    batch_no TEXT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'reserved'
        CHECK (status IN ('reserved', 'requested', 'succeeded', 'failed', 'unknown')),
    gateway_code TEXT,
    gateway_message TEXT,
    requested_by BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_refunds_order_id_sequence ON refunds (order_id, sequence);
CREATE UNIQUE INDEX uq_refunds_mer_track_no ON refunds (mer_track_no);
CREATE UNIQUE INDEX uq_refunds_batch_no ON refunds (batch_no);
CREATE INDEX idx_refunds_attempt_id ON refunds (attempt_id);
CREATE INDEX idx_refunds_status_created_at ON refunds (status, created_at);
CREATE INDEX idx_refunds_requested_by ON refunds (requested_by);

CREATE TABLE payment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    attempt_id BIGINT REFERENCES payment_attempts (id) ON DELETE SET NULL,
    refund_id BIGINT REFERENCES refunds (id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'return', 'webhook', 'query', 'admin', 'system')),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    message TEXT,
    detail TEXT,
    actor TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_payment_events_order_id_created_at ON payment_events (order_id, created_at);
CREATE INDEX idx_payment_events_attempt_id ON payment_events (attempt_id);
CREATE INDEX idx_payment_events_refund_id ON payment_events (refund_id);
CREATE INDEX idx_payment_events_kind ON payment_events (kind);
CREATE INDEX idx_payment_events_created_at ON payment_events (created_at);

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body_sha256 TEXT NOT NULL,
    request_id TEXT NOT NULL,
    request_time TEXT NOT NULL,
    gateway_no TEXT NOT NULL,
    version TEXT,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    event_type TEXT,
    gateway_order_no TEXT,
    trade_no TEXT,
    signature_valid BOOLEAN NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'applied', 'ignored', 'flagged', 'failed')),
    error TEXT,
    apply_attempts BIGINT NOT NULL DEFAULT 0,
    received_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_webhook_events_body_sha256 ON webhook_events (body_sha256);
CREATE INDEX idx_webhook_events_request_id ON webhook_events (request_id);
CREATE INDEX idx_webhook_events_status_received_at ON webhook_events (status, received_at);
CREATE INDEX idx_webhook_events_gateway_order_no ON webhook_events (gateway_order_no);
CREATE INDEX idx_webhook_events_trade_no ON webhook_events (trade_no);
CREATE INDEX idx_webhook_events_received_at ON webhook_events (received_at);

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    tracking_url TEXT,
    logistics_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (logistics_status IN ('pending', 'uploaded', 'failed')),
    logistics_message TEXT,
    uploaded_at TIMESTAMP,
    created_by BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_shipments_order_id ON shipments (order_id);
CREATE INDEX idx_shipments_logistics_status ON shipments (logistics_status);
CREATE INDEX idx_shipments_created_by ON shipments (created_by);
CREATE INDEX idx_shipments_tracking_number ON shipments (tracking_number);

CREATE TABLE chargebacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    attempt_id BIGINT REFERENCES payment_attempts (id) ON DELETE SET NULL,
    trade_no TEXT NOT NULL,
    gateway_reference TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL,
    detail TEXT,
    received_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_chargebacks_gateway_reference ON chargebacks (gateway_reference);
CREATE INDEX idx_chargebacks_order_id ON chargebacks (order_id);
CREATE INDEX idx_chargebacks_attempt_id ON chargebacks (attempt_id);
CREATE INDEX idx_chargebacks_trade_no ON chargebacks (trade_no);
CREATE INDEX idx_chargebacks_status ON chargebacks (status);
CREATE INDEX idx_chargebacks_received_at ON chargebacks (received_at);

CREATE TABLE admin_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL,
    admin_user_id BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_admin_sessions_token_hash ON admin_sessions (token_hash);
CREATE INDEX idx_admin_sessions_admin_user_id ON admin_sessions (admin_user_id);
CREATE INDEX idx_admin_sessions_expires_at ON admin_sessions (expires_at);

CREATE TABLE login_throttles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'ip')),
    key TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_login_throttles_scope_key ON login_throttles (scope, key);
CREATE INDEX idx_login_throttles_updated_at ON login_throttles (updated_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_user_id BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    detail TEXT,
    ip TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_audit_log_admin_user_id ON audit_log (admin_user_id);
CREATE INDEX idx_audit_log_action ON audit_log (action);
CREATE INDEX idx_audit_log_target_type_target_id ON audit_log (target_type, target_id);
CREATE INDEX idx_audit_log_created_at ON audit_log (created_at);

CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    dedupe_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_email_outbox_dedupe_key ON email_outbox (dedupe_key);
CREATE INDEX idx_email_outbox_order_id ON email_outbox (order_id);
CREATE INDEX idx_email_outbox_status_created_at ON email_outbox (status, created_at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_jobs_dedupe_key ON jobs (dedupe_key);
CREATE INDEX idx_jobs_status_run_at ON jobs (status, run_at);
CREATE INDEX idx_jobs_lease_until ON jobs (lease_until);
CREATE INDEX idx_jobs_kind ON jobs (kind);
