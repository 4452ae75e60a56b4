-- Variants (issue 22): a product may have options (e.g. "Grind", "Bag size"), each with its
-- values ("Whole bean", "Espresso"; "250 g", "1 kg"), and variants, one per combination sold,
-- each with its own SKU, price, stock, weight and image. A product with no variants is sold
-- as before, from its own row; once it has variants, the shopper picks one and every cart
-- line, order line and stock reservation names it. Products also get a gallery of images
-- (the product's own `image_path` stays its main image, shown in listings).
CREATE TABLE product_options (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX idx_product_options_product_id_position ON product_options (product_id, position);
CREATE TABLE product_option_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    option_id BIGINT NOT NULL REFERENCES product_options (id) ON DELETE CASCADE,
    value_en TEXT NOT NULL,
    value_zh TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX idx_product_option_values_option_id_position ON product_option_values (option_id, position);
CREATE TABLE product_variants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    -- NULL: the product's weight and main image.
    weight_grams BIGINT CHECK (weight_grams >= 0),
    image_path TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uq_product_variants_sku ON product_variants (sku);
CREATE INDEX idx_product_variants_product_id_position ON product_variants (product_id, position);
-- Which value of each option a variant is: one row per (variant, option).
CREATE TABLE product_variant_values (
    variant_id BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    option_value_id BIGINT NOT NULL REFERENCES product_option_values (id) ON DELETE CASCADE,
    PRIMARY KEY (variant_id, option_value_id)
);
CREATE INDEX idx_product_variant_values_option_value_id ON product_variant_values (option_value_id);
CREATE TABLE product_images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    alt_en TEXT NOT NULL DEFAULT '',
    alt_zh TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX idx_product_images_product_id_position ON product_images (product_id, position);
-- A cart line is a product with no variants (variant_id NULL) or one variant of it: one line
-- per product in the first case and per variant in the second, hence two partial indexes.
ALTER TABLE cart_items ADD COLUMN variant_id BIGINT REFERENCES product_variants (id) ON DELETE CASCADE;
DROP INDEX uq_cart_items_cart_id_product_id;
CREATE UNIQUE INDEX uq_cart_items_cart_id_product_id ON cart_items (cart_id, product_id) WHERE variant_id IS NULL;
CREATE UNIQUE INDEX uq_cart_items_cart_id_variant_id ON cart_items (cart_id, variant_id) WHERE variant_id IS NOT NULL;
-- An order line keeps the variant it reserved stock of (NULL once the variant is deleted, or
-- for a product with none) and the variant's name as the shopper saw it ("Espresso / 1 kg").
ALTER TABLE order_lines ADD COLUMN variant_id BIGINT REFERENCES product_variants (id) ON DELETE SET NULL;
ALTER TABLE order_lines ADD COLUMN variant_name TEXT NOT NULL DEFAULT '';
CREATE INDEX idx_order_lines_variant_id ON order_lines (variant_id);
