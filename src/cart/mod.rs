//! The shopping cart: one row per visitor (its id kept in the encrypted session cookie), lines
//! priced from the catalogue each time they are shown, never from anything the browser sent.

mod batch;
pub mod purge;
mod store;

pub use store::Carts;

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
    schema::{cart_items, carts, products},
    write_transaction,
};

/// Most units of one product in a cart.
pub const MAX_PER_LINE: i64 = 10;

/// A cart line with the product's current price and stock.
#[derive(Debug, Clone, Queryable)]
#[expect(
    missing_docs,
    reason = "fields are the joined cart item and product columns"
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
    pub active: bool,
    /// The product's shipping weight, per unit.
    pub weight_grams: i64,
}

impl CartLine {
    /// Unit price times quantity; `None` on overflow, which no real cart reaches.
    pub fn total_minor(&self) -> Option<i64> {
        self.unit_price_minor.checked_mul(self.quantity)
    }

    /// The name in the shopper's language.
    pub fn name(&self, chinese: bool) -> &str {
        if chinese {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

/// Why a cart change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// No such product, or it is no longer sold.
    #[error("product not found")]
    UnknownProduct,
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

/// The columns a [`CartLine`] is loaded from, in the order of its fields (cart items joined
/// with their products).
type LineColumns = (
    cart_items::id,
    products::id,
    products::slug,
    products::name_en,
    products::name_zh,
    products::image_path,
    products::price_minor,
    products::currency,
    cart_items::quantity,
    products::stock,
    products::active,
    products::weight_grams,
);

/// [`LineColumns`], for `select`.
pub(crate) const LINE_COLUMNS: LineColumns = (
    cart_items::id,
    products::id,
    products::slug,
    products::name_en,
    products::name_zh,
    products::image_path,
    products::price_minor,
    products::currency,
    cart_items::quantity,
    products::stock,
    products::active,
    products::weight_grams,
);

/// The lines of a cart, oldest first, with current prices.
pub fn lines(conn: &mut DbConnection, cart_id: i64) -> Result<Vec<CartLine>, DbError> {
    let query = cart_items::table
        .inner_join(products::table)
        .filter(cart_items::cart_id.eq(cart_id))
        .order(cart_items::id.asc())
        .select(LINE_COLUMNS);
    Ok(crate::on_backend!(conn, |c| query.load(c))?)
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

/// Adds `quantity` of a product, creating the cart when `cart_id` is `None` or stale; returns
/// the cart's id.
pub fn add(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    product_id: i64,
    quantity: i64,
    currency: Currency,
) -> Result<i64, CartError> {
    write_transaction(conn, |conn| {
        add_item(conn, cart_id, product_id, quantity, currency)
    })
}

/// How many times an add is tried again after another request of the same cart changed its
/// line between the add's read and its write (a double click on PostgreSQL).
const ADD_TRIES: usize = 5;

/// [`add`]'s work in at most two statements: one read of the product, the cart and the line,
/// then one guarded write. Safe inside a transaction (SQLite's group commit) and without one
/// (PostgreSQL runs each statement on its own, see `Db::write`): the write only lands on the
/// line as it was read, so a change in between makes it read again.
pub fn add_item(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    product_id: i64,
    quantity: i64,
    currency: Currency,
) -> Result<i64, CartError> {
    for _ in 0..ADD_TRIES {
        let facts = AddFacts::read(conn, cart_id, product_id)?;
        let at = now();
        let written = match Plan::decide(facts.as_ref(), quantity, currency)? {
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
                wanted,
                touched,
            } => {
                let written = insert_line(conn, cart_id, product_id, wanted, at)? == 1;
                if written {
                    touch_if_stale(conn, cart_id, touched, at)?;
                }
                written.then_some(cart_id)
            }
            Plan::NewCart { wanted } => {
                // No cart yet (or the session's is gone): the cart and its first line. Without
                // a transaction a failure between the two leaves an empty cart, which the purge
                // removes like any abandoned one.
                let cart_id = create_cart(conn, currency)?;
                insert_line(conn, cart_id, product_id, wanted, at)?;
                Some(cart_id)
            }
        };
        if let Some(cart_id) = written {
            return Ok(cart_id);
        }
    }
    Err(CartError::Busy)
}

/// What an add decides from, read in one statement: the product, and the cart and its line of
/// that product when they exist.
#[derive(Debug, Clone, Queryable, QueryableByName)]
pub(crate) struct AddFacts {
    #[diesel(sql_type = BigInt)]
    stock: i64,
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
}

impl AddFacts {
    /// `None` when there is no such product.
    fn read(
        conn: &mut DbConnection,
        cart_id: Option<i64>,
        product_id: i64,
    ) -> Result<Option<AddFacts>, DbError> {
        let query = products::table
            .left_join(carts::table.on(carts::id.nullable().eq(cart_id)))
            .left_join(
                cart_items::table.on(cart_items::cart_id
                    .eq(carts::id)
                    .and(cart_items::product_id.eq(products::id))),
            )
            .filter(products::id.eq(product_id))
            .select((
                products::stock,
                products::active,
                products::currency,
                carts::id.nullable(),
                carts::updated_at.nullable(),
                cart_items::id.nullable(),
                cart_items::quantity.nullable(),
            ));
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
    /// The write that adds `quantity` units as `facts` stand (`None`: no such product), or
    /// why it is refused.
    pub(crate) fn decide(
        facts: Option<&AddFacts>,
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

/// Inserts a line unless the cart already has one of the product (another request added it
/// since the read): the number of rows written, 0 or 1.
pub(crate) fn insert_line(
    conn: &mut DbConnection,
    cart_id: i64,
    product_id: i64,
    quantity: i64,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    let insert = diesel::insert_into(cart_items::table)
        .values((
            cart_items::cart_id.eq(cart_id),
            cart_items::product_id.eq(product_id),
            cart_items::quantity.eq(quantity),
            cart_items::created_at.eq(at),
            cart_items::updated_at.eq(at),
        ))
        // The line's unique index is partial (one line per product without variants), which a
        // conflict target would have to repeat; the only other key is the fresh primary key.
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
    let query = cart_items::table
        .inner_join(products::table)
        .inner_join(carts::table)
        .filter(cart_items::id.eq(item_id))
        .filter(cart_items::cart_id.eq(cart_id))
        .select((products::stock, carts::updated_at));
    let line: Option<(i64, NaiveDateTime)> =
        crate::on_backend!(conn, |c| query.first(c).optional())?;
    let (stock, updated_at) = line.ok_or(CartError::UnknownLine)?;
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
