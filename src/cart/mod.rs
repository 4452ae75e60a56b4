//! The shopping cart: one row per visitor (its id kept in the encrypted session cookie), lines
//! priced from the catalogue each time they are shown, never from anything the browser sent.

mod batch;
pub mod purge;
mod store;

pub use store::Carts;

use std::collections::HashMap;

use asiabill::Currency;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::{
    backend::Backend,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
    serialize::ToSql,
    sql_types::{BigInt, Bool, Nullable, Text, Timestamp},
};
use rand::RngCore;

use crate::db::{
    DbConnection, DbError, now,
    schema::{cart_items, carts, product_variants, products},
    write_transaction,
};

/// Most units of one product in a cart.
pub const MAX_PER_LINE: i64 = 10;

/// A cart line with the current price and stock of what it sells: the product's, or for a
/// product sold with variants, the variant's (its weight and image falling back to the
/// product's).
#[derive(Debug, Clone)]
#[expect(
    missing_docs,
    reason = "fields are the joined cart item, product and variant columns"
)]
pub struct CartLine {
    pub item_id: i64,
    pub product_id: i64,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    pub image_path: String,
    pub unit_price_minor: i64,
    pub currency: String,
    pub quantity: i64,
    pub stock: i64,
    /// On sale: the product, and its variant when there is one.
    pub active: bool,
    /// The shipping weight, per unit.
    pub weight_grams: i64,
    /// The variant, for a product sold with variants.
    pub variant_id: Option<i64>,
    /// What the order line keeps as its SKU: the variant's, else the product's slug (as order
    /// lines always kept).
    pub sku: String,
    /// The variant's name in English (`Espresso / 1 kg`); empty without a variant.
    pub variant_name_en: String,
    /// The variant's name in Chinese.
    pub variant_name_zh: String,
}

impl CartLine {
    /// Unit price times quantity; `None` on overflow, which no real cart reaches.
    pub fn total_minor(&self) -> Option<i64> {
        self.unit_price_minor.checked_mul(self.quantity)
    }

    /// The product's name in the shopper's language.
    pub fn name(&self, chinese: bool) -> &str {
        if chinese {
            &self.name_zh
        } else {
            &self.name_en
        }
    }

    /// The variant's name in the shopper's language; empty without a variant.
    pub fn variant_name(&self, chinese: bool) -> &str {
        if chinese {
            &self.variant_name_zh
        } else {
            &self.variant_name_en
        }
    }

    /// The product's name followed by its variant's, as a line of the checkout's summary
    /// shows it.
    pub fn full_name(&self, chinese: bool) -> String {
        full_name(self.name(chinese), self.variant_name(chinese))
    }
}

/// A product's name followed by its variant's (`Colombia Huila — Espresso / 1 kg`), or the
/// product's alone.
pub fn full_name(product: &str, variant: &str) -> String {
    if variant.is_empty() {
        product.to_owned()
    } else {
        format!("{product} — {variant}")
    }
}

/// Why a cart change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// No such product, or it is no longer sold.
    #[error("product not found")]
    UnknownProduct,
    /// The product is sold with variants and none was chosen.
    #[error("choose a variant")]
    ChooseVariant,
    /// No such variant of this product, or it is no longer sold.
    #[error("variant not found")]
    UnknownVariant,
    /// No such line in this cart.
    #[error("cart line not found")]
    UnknownLine,
    /// The product has no stock.
    #[error("sold out")]
    SoldOut,
    /// More than [`MAX_PER_LINE`] units.
    #[error("at most {max} of one product")]
    TooMany {
        /// The limit.
        max: i64,
    },
    /// Fewer units in stock than asked for.
    #[error("only {available} in stock")]
    NotEnoughStock {
        /// Units available.
        available: i64,
    },
    /// A quantity below one (or zero where zero is not "remove").
    #[error("quantity must be at least 1")]
    BadQuantity,
    /// The product is priced in another currency than the shop's.
    #[error("product priced in another currency")]
    CurrencyMismatch,
    /// The line kept changing under the add (requests of one cart racing each other); asking
    /// again is safe.
    #[error("the cart changed meanwhile")]
    Busy,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CartError {
    fn from(e: diesel::result::Error) -> Self {
        CartError::Db(e.into())
    }
}

impl CartError {
    /// The locale key of the message shown to the shopper.
    pub fn message_key(&self) -> &'static str {
        match self {
            CartError::UnknownProduct | CartError::UnknownLine => "cart.unknown_product",
            CartError::ChooseVariant => "cart.choose_variant",
            CartError::UnknownVariant => "cart.unknown_variant",
            CartError::SoldOut => "cart.sold_out",
            CartError::TooMany { .. } => "cart.too_many",
            CartError::NotEnoughStock { .. } => "cart.not_enough_stock",
            CartError::BadQuantity => "cart.bad_quantity",
            CartError::CurrencyMismatch => "cart.currency_mismatch",
            CartError::Busy => "cart.busy",
            CartError::Db(_) => "error.server.message",
        }
    }
}

/// A cart line as loaded: the cart item, its product, and its variant's columns (NULL without
/// one), which [`CartLine`] settles into one price, stock, weight and image.
#[derive(Debug, Clone, Queryable)]
pub(crate) struct LineRow {
    item_id: i64,
    product_id: i64,
    slug: String,
    name_en: String,
    name_zh: String,
    image_path: String,
    price_minor: i64,
    currency: String,
    quantity: i64,
    stock: i64,
    active: bool,
    weight_grams: i64,
    variant_id: Option<i64>,
    variant_sku: Option<String>,
    variant_price_minor: Option<i64>,
    variant_stock: Option<i64>,
    variant_weight_grams: Option<i64>,
    variant_image_path: Option<String>,
    variant_active: Option<bool>,
}

impl LineRow {
    /// The line, its variant (if any) named by `names` ([`offer::names`]).
    ///
    /// [`offer::names`]: crate::catalogue::offer::names
    pub(crate) fn line(self, names: &HashMap<i64, (String, String)>) -> CartLine {
        let r = self;
        let (name_en, name_zh) = r.variant_id.and_then(|id| names.get(&id).cloned()).unzip();
        // A line whose variant is gone was deleted with it (`ON DELETE CASCADE`), so a variant
        // id here always comes with the variant's columns.
        let has_variant = r.variant_id.is_some();
        // A variant without option values is still told apart, by its SKU.
        let named = |name: Option<String>| {
            name.filter(|n| !n.is_empty())
                .or_else(|| r.variant_sku.clone())
                .unwrap_or_default()
        };
        let (variant_name_en, variant_name_zh) = (named(name_en), named(name_zh));
        CartLine {
            item_id: r.item_id,
            product_id: r.product_id,
            image_path: r.variant_image_path.unwrap_or(r.image_path),
            unit_price_minor: r.variant_price_minor.unwrap_or(r.price_minor),
            currency: r.currency,
            quantity: r.quantity,
            stock: r.variant_stock.unwrap_or(r.stock),
            active: r.active && r.variant_active.unwrap_or(!has_variant),
            weight_grams: r.variant_weight_grams.unwrap_or(r.weight_grams),
            variant_id: r.variant_id,
            sku: r.variant_sku.unwrap_or_else(|| r.slug.clone()),
            variant_name_en,
            variant_name_zh,
            slug: r.slug,
            name_en: r.name_en,
            name_zh: r.name_zh,
        }
    }
}

/// The columns a [`LineRow`] is loaded from, in the order of its fields, for a query of cart
/// items joined with their products and left-joined with their variants. A macro, so that the
/// query keeps a type of its own, which diesel caches the statement by.
macro_rules! line_columns {
    () => {
        (
            crate::db::schema::cart_items::id,
            crate::db::schema::products::id,
            crate::db::schema::products::slug,
            crate::db::schema::products::name_en,
            crate::db::schema::products::name_zh,
            crate::db::schema::products::image_path,
            crate::db::schema::products::price_minor,
            crate::db::schema::products::currency,
            crate::db::schema::cart_items::quantity,
            crate::db::schema::products::stock,
            crate::db::schema::products::active,
            crate::db::schema::products::weight_grams,
            crate::db::schema::cart_items::variant_id,
            crate::db::schema::product_variants::sku.nullable(),
            crate::db::schema::product_variants::price_minor.nullable(),
            crate::db::schema::product_variants::stock.nullable(),
            crate::db::schema::product_variants::weight_grams.nullable(),
            crate::db::schema::product_variants::image_path.nullable(),
            crate::db::schema::product_variants::active.nullable(),
        )
    };
}
pub(crate) use line_columns;

/// The cart items of a query, joined with their products and their variants.
macro_rules! lines_source {
    () => {
        crate::db::schema::cart_items::table
            .inner_join(crate::db::schema::products::table)
            .left_join(
                crate::db::schema::product_variants::table.on(
                    crate::db::schema::product_variants::id
                        .nullable()
                        .eq(crate::db::schema::cart_items::variant_id),
                ),
            )
    };
}
pub(crate) use lines_source;

// A line's quantity is checked against its variant's stock when it has one.
diesel::allow_tables_to_appear_in_same_query!(carts, product_variants);

/// The lines of a cart, oldest first, with current prices.
pub fn lines(conn: &mut DbConnection, cart_id: i64) -> Result<Vec<CartLine>, DbError> {
    let query = lines_source!()
        .filter(cart_items::cart_id.eq(cart_id))
        .order(cart_items::id.asc())
        .select(line_columns!());
    let rows: Vec<LineRow> = crate::on_backend!(conn, |c| query.load(c))?;
    let names = variant_names(&rows, |ids| crate::catalogue::offer::names(conn, ids))?;
    Ok(rows.into_iter().map(|r| r.line(&names)).collect())
}

/// The names of the variants of `rows`, by `load` (a second statement only when a line has a
/// variant: most carts hold none, and their lines stay one prepared statement).
pub(crate) fn variant_names<'a, E>(
    rows: impl IntoIterator<Item = &'a LineRow>,
    load: impl FnOnce(&[i64]) -> Result<HashMap<i64, (String, String)>, E>,
) -> Result<HashMap<i64, (String, String)>, E> {
    let ids: Vec<i64> = rows.into_iter().filter_map(|r| r.variant_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    load(&ids)
}

/// Sum of the lines' totals.
pub fn subtotal(lines: &[CartLine]) -> i64 {
    lines
        .iter()
        .filter_map(CartLine::total_minor)
        .fold(0_i64, i64::saturating_add)
}

/// Checks a wanted quantity of a product against the limits.
fn check_quantity(wanted: i64, stock: i64) -> Result<(), CartError> {
    if wanted < 1 {
        return Err(CartError::BadQuantity);
    }
    if stock < 1 {
        return Err(CartError::SoldOut);
    }
    if wanted > MAX_PER_LINE {
        return Err(CartError::TooMany { max: MAX_PER_LINE });
    }
    if wanted > stock {
        return Err(CartError::NotEnoughStock { available: stock });
    }
    Ok(())
}

/// What a shopper adds: a product, and the variant chosen when it is sold with variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The product.
    pub product_id: i64,
    /// The variant chosen, if any.
    pub variant_id: Option<i64>,
}

impl Wanted {
    /// A product sold without variants.
    pub fn product(product_id: i64) -> Self {
        Wanted {
            product_id,
            variant_id: None,
        }
    }

    /// A variant of a product.
    pub fn variant(product_id: i64, variant_id: i64) -> Self {
        Wanted {
            product_id,
            variant_id: Some(variant_id),
        }
    }

    /// The variant as the queries bind it: 0 for none (ids start at 1), which no variant
    /// matches and which stands for a line's NULL variant.
    pub(crate) fn variant_key(&self) -> i64 {
        self.variant_id.unwrap_or(0)
    }
}

/// A product id alone: the product, sold without variants.
impl From<i64> for Wanted {
    fn from(product_id: i64) -> Self {
        Wanted::product(product_id)
    }
}

/// Adds `quantity` of a product (or of its variant), creating the cart when `cart_id` is
/// `None` or stale; returns the cart's id.
pub fn add(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    wanted: impl Into<Wanted>,
    quantity: i64,
    currency: Currency,
) -> Result<i64, CartError> {
    let wanted = wanted.into();
    write_transaction(conn, |conn| {
        add_item(conn, cart_id, wanted, quantity, currency)
    })
}

/// How many times an add is tried again after another request of the same cart changed its
/// line between the add's read and its write (a double click on PostgreSQL).
const ADD_TRIES: usize = 5;

/// [`add`]'s work in at most two statements: one read of the product (and variant), the cart
/// and the line, then one guarded write. Safe inside a transaction (SQLite's group commit) and
/// without one (PostgreSQL runs each statement on its own, see `Db::write`): the write only
/// lands on the line as it was read, so a change in between makes it read again.
pub fn add_item(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    wanted: impl Into<Wanted>,
    quantity: i64,
    currency: Currency,
) -> Result<i64, CartError> {
    let wanted = wanted.into();
    for _ in 0..ADD_TRIES {
        let facts = AddFacts::read(conn, cart_id, wanted)?;
        let at = now();
        let written = match Plan::decide(facts.as_ref(), wanted, quantity, currency)? {
            Plan::Update {
                cart_id,
                item_id,
                had,
                wanted,
                touched,
            } => {
                let set = SetLineQuantity::new(item_id, wanted, at).only_if(had);
                let written = set.run(conn)? == 1;
                if written {
                    touch_if_stale(conn, cart_id, touched, at)?;
                }
                written.then_some(cart_id)
            }
            Plan::Insert {
                cart_id,
                wanted: units,
                touched,
            } => {
                let written = insert_line(conn, cart_id, wanted, units, at)? == 1;
                if written {
                    touch_if_stale(conn, cart_id, touched, at)?;
                }
                written.then_some(cart_id)
            }
            Plan::NewCart { wanted: units } => {
                // No cart yet (or the session's is gone): the cart and its first line. Without
                // a transaction a failure between the two leaves an empty cart, which the purge
                // removes like any abandoned one.
                let cart_id = create_cart(conn, currency)?;
                insert_line(conn, cart_id, wanted, units, at)?;
                Some(cart_id)
            }
        };
        if let Some(cart_id) = written {
            return Ok(cart_id);
        }
    }
    Err(CartError::Busy)
}

/// What an add decides from, read in one statement: the product (with the variant asked for,
/// when it is one of the product's), and the cart and its line of that product or variant
/// when they exist.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct AddFacts {
    /// The variant's stock when one was found, else the product's.
    #[diesel(sql_type = BigInt)]
    stock: i64,
    /// The product's.
    #[diesel(sql_type = Bool)]
    active: bool,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    cart_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    cart_updated_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<BigInt>)]
    line_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    line_quantity: Option<i64>,
    /// The variant asked for, when it exists and is the product's.
    #[diesel(sql_type = Nullable<BigInt>)]
    variant_id: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    variant_active: Option<bool>,
    /// Whether the product is sold with variants (and so needs one chosen).
    #[diesel(sql_type = Bool)]
    has_variants: bool,
}

/// The columns of [`AddFacts`] from products `p`, variants `v`, carts `c` and cart items
/// `i`: shared by the single read and the batched one (`batch`).
pub(crate) const ADD_FACTS_COLUMNS: &str = "COALESCE(v.stock, p.stock) AS stock, \
     p.active AS active, p.currency AS currency, c.id AS cart_id, \
     c.updated_at AS cart_updated_at, i.id AS line_id, i.quantity AS line_quantity, \
     v.id AS variant_id, v.active AS variant_active, \
     EXISTS (SELECT 1 FROM product_variants a WHERE a.product_id = p.id) AS has_variants";

/// What [`ADD_FACTS_COLUMNS`] read from, for the adds `r(cart_id, product_id, variant_id)`
/// (a variant of 0 is none, as a line's NULL one: [`Wanted::variant_key`]).
pub(crate) const ADD_FACTS_JOINS: &str = "JOIN products p ON p.id = r.product_id \
     LEFT JOIN product_variants v ON v.id = r.variant_id AND v.product_id = p.id \
     LEFT JOIN carts c ON c.id = r.cart_id \
     LEFT JOIN cart_items i ON i.cart_id = c.id AND i.product_id = p.id \
          AND COALESCE(i.variant_id, 0) = r.variant_id";

impl AddFacts {
    /// `None` when there is no such product.
    fn read(
        conn: &mut DbConnection,
        cart_id: Option<i64>,
        wanted: Wanted,
    ) -> Result<Option<AddFacts>, DbError> {
        // Each value bound once, in order: SQLite numbers `$n` by first appearance.
        let query = diesel::sql_query(format!(
            "SELECT {ADD_FACTS_COLUMNS} \
             FROM (SELECT $1 AS cart_id, $2 AS product_id, $3 AS variant_id) r \
             {ADD_FACTS_JOINS}"
        ))
        .bind::<Nullable<BigInt>, _>(cart_id)
        .bind::<BigInt, _>(wanted.product_id)
        .bind::<BigInt, _>(wanted.variant_key());
        Ok(crate::on_backend!(conn, |c| query
            .load::<AddFacts>(c)
            .map(|rows| rows.into_iter().next()))?)
    }
}

/// The one write an add makes, decided from its [`AddFacts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// The cart has a line of the product: set it to `wanted`, if it still holds `had`.
    Update {
        cart_id: i64,
        item_id: i64,
        had: i64,
        wanted: i64,
        /// The cart's last recorded activity.
        touched: NaiveDateTime,
    },
    /// The cart has no line of the product yet.
    Insert {
        cart_id: i64,
        wanted: i64,
        /// The cart's last recorded activity.
        touched: NaiveDateTime,
    },
    /// There is no cart (or the session's is gone).
    NewCart { wanted: i64 },
}

impl Plan {
    /// The write that adds `quantity` units of `asked` as `facts` stand (`None`: no such
    /// product), or why it is refused.
    pub(crate) fn decide(
        facts: Option<&AddFacts>,
        asked: Wanted,
        quantity: i64,
        currency: Currency,
    ) -> Result<Plan, CartError> {
        if quantity < 1 {
            return Err(CartError::BadQuantity);
        }
        let facts = facts.ok_or(CartError::UnknownProduct)?;
        if !facts.active {
            return Err(CartError::UnknownProduct);
        }
        match asked.variant_id {
            None if facts.has_variants => return Err(CartError::ChooseVariant),
            // Not found, another product's, or no longer offered.
            Some(_) if facts.variant_id.is_none() || facts.variant_active != Some(true) => {
                return Err(CartError::UnknownVariant);
            }
            _ => {}
        }
        if facts.currency != currency.code() {
            return Err(CartError::CurrencyMismatch);
        }
        let wanted = facts
            .line_quantity
            .unwrap_or(0)
            .checked_add(quantity)
            .ok_or(CartError::TooMany { max: MAX_PER_LINE })?;
        check_quantity(wanted, facts.stock)?;
        Ok(
            match (
                facts.cart_id.zip(facts.cart_updated_at),
                facts.line_id.zip(facts.line_quantity),
            ) {
                (Some((cart_id, touched)), Some((item_id, had))) => Plan::Update {
                    cart_id,
                    item_id,
                    had,
                    wanted,
                    touched,
                },
                (Some((cart_id, touched)), None) => Plan::Insert {
                    cart_id,
                    wanted,
                    touched,
                },
                (None, _) => Plan::NewCart { wanted },
            },
        )
    }
}

/// Inserts a line unless the cart already has one of the product or variant (another request
/// added it since the read): the number of rows written, 0 or 1.
pub(crate) fn insert_line(
    conn: &mut DbConnection,
    cart_id: i64,
    wanted: Wanted,
    quantity: i64,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    let insert = diesel::insert_into(cart_items::table)
        .values((
            cart_items::cart_id.eq(cart_id),
            cart_items::product_id.eq(wanted.product_id),
            cart_items::variant_id.eq(wanted.variant_id),
            cart_items::quantity.eq(quantity),
            cart_items::created_at.eq(at),
            cart_items::updated_at.eq(at),
        ))
        // The line's unique indexes are partial (one line per product without variants, one
        // per variant), which a conflict target would have to repeat; the only other key is
        // the fresh primary key.
        .on_conflict_do_nothing();
    Ok(crate::on_backend!(conn, |c| insert.execute(c))?)
}

/// Sets a line's quantity, zero removing it, in one read and one write. Safe inside a
/// transaction and without one: setting is idempotent, and a line removed in between is simply
/// not written.
pub fn set_item_quantity(
    conn: &mut DbConnection,
    cart_id: i64,
    item_id: i64,
    quantity: i64,
) -> Result<(), CartError> {
    let query = lines_source!()
        .inner_join(carts::table)
        .filter(cart_items::id.eq(item_id))
        .filter(cart_items::cart_id.eq(cart_id))
        .select((
            products::stock,
            product_variants::stock.nullable(),
            carts::updated_at,
        ));
    let line: Option<(i64, Option<i64>, NaiveDateTime)> =
        crate::on_backend!(conn, |c| query.first(c).optional())?;
    let (product_stock, variant_stock, updated_at) = line.ok_or(CartError::UnknownLine)?;
    let stock = variant_stock.unwrap_or(product_stock);
    let at = now();
    if quantity == 0 {
        let line = cart_items::table.find(item_id);
        crate::on_backend!(conn, |c| diesel::delete(line).execute(c))?;
    } else {
        check_quantity(quantity, stock)?;
        SetLineQuantity::new(item_id, quantity, at).run(conn)?;
    }
    touch_if_stale(conn, cart_id, updated_at, at)?;
    Ok(())
}

/// Empties a cart (after its order was placed).
pub fn clear(conn: &mut DbConnection, cart_id: i64) -> Result<(), DbError> {
    diesel::delete(cart_items::table.filter(cart_items::cart_id.eq(cart_id))).execute(conn)?;
    Ok(())
}

fn create_cart(conn: &mut DbConnection, currency: Currency) -> Result<i64, DbError> {
    let mut token = [0_u8; 16];
    rand::rng().fill_bytes(&mut token);
    let at = now();
    Ok(diesel::insert_into(carts::table)
        .values((
            carts::token.eq(hex::encode(token)),
            carts::currency.eq(currency.code()),
            carts::created_at.eq(at),
            carts::updated_at.eq(at),
        ))
        .returning(carts::id)
        .get_result(conn)?)
}

/// `UPDATE cart_items SET quantity = …, updated_at = … WHERE id = …`, written out so that diesel
/// keeps the statement prepared. Diesel prepares every `diesel::update` afresh (a changeset may
/// leave fields out, so it never caches one), and on the cart that parsing was a large part of
/// an add.
struct SetLineQuantity {
    item_id: i64,
    quantity: i64,
    at: NaiveDateTime,
}

impl SetLineQuantity {
    fn new(item_id: i64, quantity: i64, at: NaiveDateTime) -> Self {
        SetLineQuantity {
            item_id,
            quantity,
            at,
        }
    }

    /// The same update, made only while the line still holds `had` units.
    fn only_if(self, had: i64) -> SetLineQuantityIf {
        SetLineQuantityIf { set: self, had }
    }

    fn run(self, conn: &mut DbConnection) -> Result<usize, DbError> {
        Ok(crate::on_backend!(conn, |c| self.execute(c))?)
    }

    fn write_out<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        i64: ToSql<BigInt, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        out.push_sql("UPDATE cart_items SET quantity = ");
        out.push_bind_param::<BigInt, _>(&self.quantity)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.item_id)?;
        Ok(())
    }
}

impl QueryId for SetLineQuantity {
    type QueryId = SetLineQuantity;
    // One SQL text whatever the values: diesel may cache it by this type alone.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB> QueryFragment<DB> for SetLineQuantity
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.write_out(&mut out)
    }
}

impl<C> RunQueryDsl<C> for SetLineQuantity {}

/// [`SetLineQuantity`] guarded by the quantity the line had when it was read (`… AND quantity =
/// …`): without a transaction around the read and the write, a concurrent add makes it write
/// nothing, and the add reads again.
struct SetLineQuantityIf {
    set: SetLineQuantity,
    had: i64,
}

impl SetLineQuantityIf {
    fn run(self, conn: &mut DbConnection) -> Result<usize, DbError> {
        Ok(crate::on_backend!(conn, |c| self.execute(c))?)
    }
}

impl QueryId for SetLineQuantityIf {
    type QueryId = SetLineQuantityIf;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB> QueryFragment<DB> for SetLineQuantityIf
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.set.write_out(&mut out)?;
        out.push_sql(" AND quantity = ");
        out.push_bind_param::<BigInt, _>(&self.had)?;
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for SetLineQuantityIf {}

/// How old a cart's `updated_at` may get before a change to the cart rewrites it. It marks the
/// cart's last activity, which only matters in days (an abandoned cart); rewriting an indexed
/// column on every click cost an UPDATE per add.
const TOUCH_AFTER: TimeDelta = TimeDelta::hours(1);

/// Records activity on the cart, unless it was recorded within [`TOUCH_AFTER`].
pub(crate) fn touch_if_stale(
    conn: &mut DbConnection,
    cart_id: i64,
    updated_at: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    if at.signed_duration_since(updated_at) >= TOUCH_AFTER {
        diesel::update(carts::table.find(cart_id))
            .set(carts::updated_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_rules() {
        assert!(check_quantity(1, 5).is_ok());
        assert!(matches!(check_quantity(0, 5), Err(CartError::BadQuantity)));
        assert!(matches!(check_quantity(1, 0), Err(CartError::SoldOut)));
        assert!(matches!(
            check_quantity(11, 50),
            Err(CartError::TooMany { max: 10 })
        ));
        assert!(matches!(
            check_quantity(4, 3),
            Err(CartError::NotEnoughStock { available: 3 })
        ));
    }
}
