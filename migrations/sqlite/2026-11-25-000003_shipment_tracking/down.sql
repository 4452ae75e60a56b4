ALTER TABLE shipments DROP COLUMN tracking_checked_at;
ALTER TABLE shipments DROP COLUMN tracking_status;
