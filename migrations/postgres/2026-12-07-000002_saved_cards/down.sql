ALTER TABLE payment_attempts DROP COLUMN save_card;
ALTER TABLE payment_attempts DROP COLUMN token_type;
ALTER TABLE payment_attempts DROP COLUMN customer_id;
DROP TABLE saved_cards;
