-- Order management (issue 22 item 5). Notes on an order: `internal` ones only admins read;
-- `customer` ones are emailed to the shopper and shown on the order's own page.
CREATE TABLE order_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'customer')),
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    admin_user_id BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_order_notes_order_id ON order_notes (order_id);
CREATE INDEX idx_order_notes_admin_user_id ON order_notes (admin_user_id);

-- A refund asked for by "cancel and refund": once it succeeds and the order is wholly
-- refunded, the order is cancelled and its stock released.
ALTER TABLE refunds ADD COLUMN cancels_order BOOLEAN NOT NULL DEFAULT FALSE;
