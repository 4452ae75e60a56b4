ALTER TABLE products DROP COLUMN weight_grams;
ALTER TABLE orders DROP COLUMN shipping_method;
DROP TABLE shipping_methods;
DROP TABLE shipping_zones;
