ALTER TABLE webhook_events DROP COLUMN last_delivered_at;
ALTER TABLE webhook_events DROP COLUMN deliveries;
ALTER TABLE webhook_events DROP COLUMN dismissal_note;
ALTER TABLE webhook_events DROP COLUMN dismissed_by;
ALTER TABLE webhook_events DROP COLUMN dismissed_at;
