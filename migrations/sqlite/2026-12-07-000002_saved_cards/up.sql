-- Cards a shopper saved with AsiaBill. The shop keeps AsiaBill's ids and what AsiaBill tells of
-- the card (brand, last four digits), never a card number: the card itself is AsiaBill's.
CREATE TABLE saved_cards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shopper_id BIGINT NOT NULL REFERENCES shoppers (id) ON DELETE CASCADE,
    -- AsiaBill's customerPaymentMethodId (pm_...), attached to the account's customerId.
    payment_method_id TEXT NOT NULL,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    -- The charge that saved it was an InitRecurring that succeeded, so the merchant may charge
    -- it later with tokenType Recurring.
    recurring BOOLEAN NOT NULL DEFAULT FALSE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_saved_cards_shopper_id_payment_method_id ON saved_cards (shopper_id, payment_method_id);

-- What an attempt sent beside the card: the account's customerId, the tokenType, and whether
-- the shopper asked to save the card (done by a job once the payment succeeds).
ALTER TABLE payment_attempts ADD COLUMN customer_id TEXT;
ALTER TABLE payment_attempts ADD COLUMN token_type TEXT;
ALTER TABLE payment_attempts ADD COLUMN save_card BOOLEAN NOT NULL DEFAULT FALSE;

-- A charge the merchant made on the shopper's saved card after the order was paid (a surcharge,
-- tokenType Recurring): the admin form's key, so that a form posted twice charges once.
ALTER TABLE payment_attempts ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX uq_payment_attempts_request_key ON payment_attempts (request_key);
-- What such charges added to what the order took beyond its total (not a double payment).
ALTER TABLE orders ADD COLUMN extra_charged_minor BIGINT NOT NULL DEFAULT 0;
