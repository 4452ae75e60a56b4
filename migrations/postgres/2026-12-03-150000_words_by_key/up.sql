-- A timeline entry's words, and a webhook's note on how it was handled, are kept as a text key
-- and its arguments, so the admin reads them in their own language; `message` and `error` keep
-- the English rendering for exports and for rows written before these columns existed.
ALTER TABLE payment_events ADD COLUMN message_key TEXT;
ALTER TABLE payment_events ADD COLUMN message_args TEXT;
ALTER TABLE webhook_events ADD COLUMN error_key TEXT;
ALTER TABLE webhook_events ADD COLUMN error_args TEXT;
