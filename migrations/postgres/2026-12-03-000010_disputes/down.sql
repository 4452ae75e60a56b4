ALTER TABLE chargebacks DROP COLUMN reply_deadline;
ALTER TABLE orders DROP COLUMN disputed_at;
