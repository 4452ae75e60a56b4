-- Tax rates by country, or by a country's region (a US state, a Canadian province); a region's
-- rate wins over its country's. `rate_bp` is in basis points (1900 = 19%). Each order keeps the
-- rate it was taxed at and whether its prices included it, so later changes never alter it.
CREATE TABLE tax_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    rate_bp BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_tax_rates_country_region ON tax_rates (country, region);
ALTER TABLE orders ADD COLUMN tax_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_rate_bp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_name TEXT;
ALTER TABLE orders ADD COLUMN prices_include_tax BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE order_lines ADD COLUMN tax_minor BIGINT NOT NULL DEFAULT 0;
