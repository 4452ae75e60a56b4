ALTER TABLE order_lines DROP COLUMN tax_minor;
ALTER TABLE orders DROP COLUMN prices_include_tax;
ALTER TABLE orders DROP COLUMN tax_name;
ALTER TABLE orders DROP COLUMN tax_rate_bp;
ALTER TABLE orders DROP COLUMN tax_minor;
DROP TABLE tax_rates;
