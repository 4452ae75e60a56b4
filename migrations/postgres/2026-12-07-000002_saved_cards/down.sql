ALTER TABLE orders DROP COLUMN extra_charged_minor;
DROP INDEX uq_payment_attempts_request_key;
ALTER TABLE payment_attempts DROP COLUMN request_key;
ALTER TABLE payment_attempts DROP COLUMN save_card;
ALTER TABLE payment_attempts DROP COLUMN token_type;
ALTER TABLE payment_attempts DROP COLUMN customer_id;
DROP TABLE saved_cards;
