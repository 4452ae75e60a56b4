-- The local payment method of a hosted attempt (AsiaBill's paymentMethod word, e.g. Alipay);
-- null for a card.
ALTER TABLE payment_attempts ADD COLUMN payment_method TEXT;
