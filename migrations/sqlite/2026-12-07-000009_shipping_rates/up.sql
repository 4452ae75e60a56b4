-- Shipping rates (issue 22): zones by country, and in each zone the methods a shopper picks
-- from at checkout. A zone lists ISO 3166-1 alpha-2 codes separated by commas (`DE,FR,GB`);
-- a zone with none is "the rest of the world", used for a country no other zone lists. A
-- method is a flat rate, or by weight: `base_minor` plus `per_kg_minor` for each kilogram
-- started; it is free once the subtotal after the discount reaches `free_over_minor`.
-- Each order keeps the method's name and what it cost, so later changes never alter it.
CREATE TABLE shipping_zones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    countries TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_shipping_zones_name ON shipping_zones (name);
CREATE TABLE shipping_methods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id BIGINT NOT NULL REFERENCES shipping_zones (id),
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('flat', 'weight')),
    base_minor BIGINT NOT NULL DEFAULT 0,
    per_kg_minor BIGINT NOT NULL DEFAULT 0,
    free_over_minor BIGINT,
    currency TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_shipping_methods_zone_position ON shipping_methods (zone_id, position);
-- The method's name as the shopper chose it (none when no zones are set up: free shipping).
ALTER TABLE orders ADD COLUMN shipping_method TEXT;
-- A product's shipping weight, for the rates by weight (0: weightless, e.g. a gift card).
ALTER TABLE products ADD COLUMN weight_grams BIGINT NOT NULL DEFAULT 0;
