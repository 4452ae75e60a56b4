ALTER TABLE payment_attempts DROP COLUMN payment_method;
