-- The carrier's own status of an uploaded shipment, as AsiaBill's logistics query last reported
-- it (`Pending`, `InTransit`, `Delivered`, …), and when it was asked.
ALTER TABLE shipments ADD COLUMN tracking_status TEXT;
ALTER TABLE shipments ADD COLUMN tracking_checked_at TIMESTAMP;
