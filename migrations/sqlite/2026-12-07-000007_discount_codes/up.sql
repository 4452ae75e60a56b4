-- Discount codes (issue 22): a percentage or a fixed amount off the subtotal, with a minimum
-- spend, validity dates and usage limits. `used_count` counts the orders holding a use: taken
-- when the order is placed (one conditional update, so concurrent checkouts never pass the
-- limit), given back when the unpaid order is cancelled, as its stock is.
CREATE TABLE discount_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    min_subtotal_minor BIGINT NOT NULL DEFAULT 0,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    max_uses BIGINT,
    max_uses_per_email BIGINT,
    used_count BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One row per order holding a use of a code, for the per-email limit.
CREATE TABLE discount_redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_id BIGINT NOT NULL REFERENCES discount_codes (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    email TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_discount_codes_code ON discount_codes (code);
CREATE UNIQUE INDEX uq_discount_redemptions_order_id ON discount_redemptions (order_id);
CREATE INDEX idx_discount_redemptions_code_email ON discount_redemptions (code_id, email);
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN discount_code TEXT;
