-- A flagged or failed delivery the merchant has looked at is dismissed with a note: it leaves
-- "Needs attention" but stays in the log, marked resolved. Columns rather than a new status, so
-- the status keeps saying what applying the event did.
ALTER TABLE webhook_events ADD COLUMN dismissed_at TIMESTAMP;
ALTER TABLE webhook_events ADD COLUMN dismissed_by TEXT;
ALTER TABLE webhook_events ADD COLUMN dismissal_note TEXT;
-- AsiaBill repeats a delivery until it hears `success`; a repeat is deduplicated onto the stored
-- row, which counts it instead of leaving no trace.
ALTER TABLE webhook_events ADD COLUMN deliveries BIGINT NOT NULL DEFAULT 1;
ALTER TABLE webhook_events ADD COLUMN last_delivered_at TIMESTAMP;
