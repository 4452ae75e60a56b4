DROP INDEX idx_orders_shopper_id_created_at;
ALTER TABLE orders DROP COLUMN shopper_id;
DROP TABLE shopper_addresses;
DROP TABLE shopper_tokens;
DROP TABLE shopper_sessions;
DROP TABLE shoppers;
