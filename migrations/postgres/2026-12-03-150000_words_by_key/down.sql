ALTER TABLE webhook_events DROP COLUMN error_args;
ALTER TABLE webhook_events DROP COLUMN error_key;
ALTER TABLE payment_events DROP COLUMN message_args;
ALTER TABLE payment_events DROP COLUMN message_key;
