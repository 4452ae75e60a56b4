ALTER TABLE orders DROP COLUMN discount_code;
ALTER TABLE orders DROP COLUMN discount_minor;
DROP TABLE discount_redemptions;
DROP TABLE discount_codes;
