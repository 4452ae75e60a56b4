-- Shopper accounts (optional: guest checkout stays). An account's email is its login; its orders
-- are those placed while signed in, and the guest orders of the same email once that email is
-- verified.
CREATE TABLE shoppers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    locale TEXT NOT NULL,
    email_verified_at TIMESTAMP,
    -- AsiaBill's customer (cus_...), created the first time a card is saved.
    asiabill_customer_id TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_shoppers_email ON shoppers (email);

-- Sessions as the admin's: the cookie holds a random token, the row only its SHA-256.
CREATE TABLE shopper_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL,
    shopper_id BIGINT NOT NULL REFERENCES shoppers (id) ON DELETE CASCADE,
    ip TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_shopper_sessions_token_hash ON shopper_sessions (token_hash);
CREATE INDEX idx_shopper_sessions_shopper_id ON shopper_sessions (shopper_id);
CREATE INDEX idx_shopper_sessions_expires_at ON shopper_sessions (expires_at);

-- One-time links sent by email: verifying the address, resetting the password. Only the
-- SHA-256 of the token is kept; a used or expired row opens nothing.
CREATE TABLE shopper_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shopper_id BIGINT NOT NULL REFERENCES shoppers (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX uq_shopper_tokens_token_hash ON shopper_tokens (token_hash);
-- Counts the links sent to one account lately (the resend limit).
CREATE INDEX idx_shopper_tokens_shopper_id_created_at ON shopper_tokens (shopper_id, created_at);

-- Addresses a shopper keeps to fill the checkout form.
CREATE TABLE shopper_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shopper_id BIGINT NOT NULL REFERENCES shoppers (id) ON DELETE CASCADE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    address TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT,
    zip TEXT NOT NULL,
    country TEXT NOT NULL,
    phone TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_shopper_addresses_shopper_id ON shopper_addresses (shopper_id);

-- The account an order belongs to: set when it is placed signed in, or when its email is
-- verified by an account (guest orders claimed).
ALTER TABLE orders ADD COLUMN shopper_id BIGINT REFERENCES shoppers (id) ON DELETE SET NULL;
CREATE INDEX idx_orders_shopper_id_created_at ON orders (shopper_id, created_at);
