//! Placing an order from the cart: prices from the catalogue, stock reserved, the cart emptied,
//! all in one transaction, and at most one order per checkout form.

use std::time::Duration;

use asiabill::Currency;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    checkout::Checkout,
    new_access_token, number_for,
    status::{FulfilmentStatus, OrderStatus},
    timeline::{self, Event, Message},
};
use crate::{
    cart,
    config::CheckoutLimits,
    db::{
        DbConnection, DbError,
        models::{NewOrder, NewOrderLine},
        now,
        schema::{order_lines, orders, product_variants, products},
        write_transaction,
    },
    discounts,
    emails::{self, EmailKind, Subject},
    i18n::Lang,
    jobs::{self, NewJob},
    payments::Source,
    shipping::rates,
    taxes,
};

/// Job kind that cancels an order left unpaid.
pub const EXPIRE_JOB: &str = "orders.expire";

/// Where the order came from, beyond the form.
#[derive(Debug, Clone)]
pub struct Context {
    /// The shop's currency.
    pub currency: Currency,
    /// The shopper's language, for emails.
    pub lang: Lang,
    /// The shopper's IP address, for AsiaBill's `customerIp`.
    pub customer_ip: String,
    /// The browser's User-Agent, for AsiaBill's `isMobile`.
    pub user_agent: Option<String>,
    /// How long the stock stays reserved unpaid.
    pub reservation: Duration,
    /// The shop's public base URL, for links in emails.
    pub public_url: String,
    /// How many orders one IP address and one email address may place per hour.
    pub limits: CheckoutLimits,
    /// The signed-in shopper's account, which the order then belongs to.
    pub shopper_id: Option<i64>,
    /// Whether catalogue prices include tax (`SHOP_PRICES_INCLUDE_TAX`).
    pub prices_include_tax: bool,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Row id.
    pub id: i64,
    /// Human order number.
    pub number: String,
    /// The secret token of its page.
    pub access_token: String,
    /// False when the form had been posted before and this is that earlier order.
    pub created: bool,
}

/// Why no order was placed.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The cart has no lines.
    #[error("the cart is empty")]
    EmptyCart,
    /// A product sold out (or went off sale) since it was put in the cart.
    #[error("not enough stock of {0}")]
    NotEnoughStock(String),
    /// The shopper's IP address or email address placed as many orders as the last hour allows.
    #[error("too many checkouts in the last hour; the next is possible in {retry_after:?}")]
    TooManyCheckouts {
        /// When the oldest of the orders counted leaves the hour.
        retry_after: Duration,
    },
    /// The discount code does not apply.
    #[error("discount code refused: {0}")]
    Discount(crate::discounts::Refusal),
    /// The shipping address's country is not shipped to, or the method chosen does not serve it.
    #[error("shipping refused: {0}")]
    Shipping(rates::Refusal),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<crate::discounts::ClaimError> for PlaceError {
    fn from(e: crate::discounts::ClaimError) -> Self {
        match e {
            crate::discounts::ClaimError::Refused(r) => PlaceError::Discount(r),
            crate::discounts::ClaimError::Db(e) => PlaceError::Db(e),
        }
    }
}

impl From<diesel::result::Error> for PlaceError {
    fn from(e: diesel::result::Error) -> Self {
        PlaceError::Db(e.into())
    }
}

/// The span in which [`Context::limits`] count orders.
const LIMIT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Places the order for `cart_id` (or finds the one this form already placed).
///
/// A form posted again finds its order before any limit is counted, so a double click or a
/// reload is never refused as a new checkout.
pub fn place(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    checkout: &Checkout,
    ctx: &Context,
) -> Result<Placed, PlaceError> {
    let key = &checkout.idempotency_key;
    let result = write_transaction(conn, |conn| match by_idempotency_key(conn, key)? {
        Some(existing) => Ok(existing),
        None => insert(conn, cart_id, checkout, ctx),
    });
    match result {
        // Two posts of one form raced and the other committed first: it either inserted the
        // same key (unique violation) or emptied the cart this one then found empty.
        Err(PlaceError::Db(e)) if e.is_unique_violation() => {
            by_idempotency_key(conn, key)?.ok_or(PlaceError::Db(e))
        }
        Err(PlaceError::EmptyCart) => by_idempotency_key(conn, key)?.ok_or(PlaceError::EmptyCart),
        // On PostgreSQL the other post may have committed after this one looked for the key,
        // and then counted against the limit.
        Err(e @ PlaceError::TooManyCheckouts { .. }) => by_idempotency_key(conn, key)?.ok_or(e),
        other => other,
    }
}

fn by_idempotency_key(conn: &mut DbConnection, key: &str) -> Result<Option<Placed>, DbError> {
    Ok(orders::table
        .filter(orders::idempotency_key.eq(key))
        .select((orders::id, orders::number, orders::access_token))
        .first::<(i64, String, String)>(conn)
        .optional()?
        .map(|(id, number, access_token)| Placed {
            id,
            number,
            access_token,
            created: false,
        }))
}

/// Refuses a checkout once the client's IP address or the email address placed as many orders in
/// the last hour as [`Context::limits`] allow: each order holds stock for the reservation and
/// mails its address, so an anonymous client must not place them without end. The orders table
/// is the count, so every instance on the database agrees; on PostgreSQL two checkouts at the
/// same moment may both pass the last free place, which a limit of this kind can afford.
fn within_limits(
    conn: &mut DbConnection,
    checkout: &Checkout,
    ctx: &Context,
    at: NaiveDateTime,
) -> Result<(), PlaceError> {
    let since = at - LIMIT_WINDOW;
    for (limit, by_ip) in [(ctx.limits.per_ip, true), (ctx.limits.per_email, false)] {
        let Some(limit) = limit else {
            continue;
        };
        let recent = orders::table
            .filter(orders::created_at.gt(since))
            .into_boxed();
        let recent = if by_ip {
            recent.filter(orders::customer_ip.eq(&ctx.customer_ip))
        } else {
            recent.filter(orders::email.eq(&checkout.email))
        };
        // The newest `limit` orders are enough: all of them in the hour means the limit is
        // reached, and the oldest of them says when a place frees up.
        let times: Vec<NaiveDateTime> = recent
            .order(orders::created_at.desc())
            .select(orders::created_at)
            .limit(i64::from(limit))
            .load(conn)?;
        if let Some(oldest) = times.last()
            && times.len() >= usize::try_from(limit).unwrap_or(usize::MAX)
        {
            let retry_after = (*oldest + LIMIT_WINDOW - at).to_std().unwrap_or_default();
            return Err(PlaceError::TooManyCheckouts { retry_after });
        }
    }
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    cart_id: Option<i64>,
    checkout: &Checkout,
    ctx: &Context,
) -> Result<Placed, PlaceError> {
    let cart_id = cart_id.ok_or(PlaceError::EmptyCart)?;
    let lines = cart::lines(conn, cart_id)?;
    if lines.is_empty() {
        return Err(PlaceError::EmptyCart);
    }
    within_limits(conn, checkout, ctx, now())?;
    let chinese = ctx.lang == Lang::ZhCn;
    let subtotal = cart::subtotal(&lines);
    // The method is settled before the code's use is taken: these are reads, and a refusal
    // here should not leave a code's use to be rolled back (it would be, with the rest).
    let rates = rates::load(conn, ctx.currency)?;
    let method = rates
        .choose(&checkout.shipping.country, checkout.shipping_method)
        .map_err(PlaceError::Shipping)?;
    let at = now();
    // The code's use is taken first: its row is the first this checkout locks, before the
    // products' (see `discounts`).
    let claimed = match &checkout.discount_code {
        Some(code) => Some(discounts::claim(
            conn,
            code,
            &checkout.email,
            subtotal,
            ctx.currency.code(),
            at,
        )?),
        None => None,
    };
    let discount = claimed.as_ref().map_or(0, |c| c.amount_minor);
    // Priced once, here: this figure is the order's, its emails' and AsiaBill's. Free from the
    // method's threshold on the subtotal after the discount; not taxed (see `shipping::rates`).
    let shipping = match method {
        Some(m) => m.price(rates::cart_weight(&lines), subtotal - discount),
        None => 0,
    };
    // Taxed where the goods go, each line after its share of the discount.
    let rate = taxes::rate_for(
        conn,
        &checkout.shipping.country,
        checkout.shipping.state.as_deref(),
    )?;
    let rate_bp = rate.as_ref().map_or(0, |r| r.rate_bp);
    let line_totals: Vec<i64> = lines
        .iter()
        .map(|l| l.total_minor().unwrap_or(i64::MAX))
        .collect();
    let line_taxes = taxes::line_taxes(&line_totals, discount, rate_bp, ctx.prices_include_tax);
    let tax: i64 = line_taxes.iter().sum();
    let added_tax = if ctx.prices_include_tax { 0 } else { tax };
    let reservation = chrono::Duration::from_std(ctx.reservation).unwrap_or(chrono::Duration::MAX);
    let token = new_access_token();
    let (b, s) = (&checkout.billing, &checkout.shipping);
    let id: i64 = diesel::insert_into(orders::table)
        .values(NewOrder {
            // The number needs the id; the token is unique and stands in until the update below.
            number: &token,
            access_token: &token,
            idempotency_key: &checkout.idempotency_key,
            status: OrderStatus::PendingPayment,
            fulfilment_status: FulfilmentStatus::Unfulfilled,
            email: &checkout.email,
            phone: &checkout.phone,
            locale: ctx.lang.tag(),
            currency: ctx.currency.code(),
            subtotal_minor: subtotal,
            shipping_minor: shipping,
            total_minor: subtotal - discount + shipping + added_tax,
            captured_minor: 0,
            refunded_minor: 0,
            billing_first_name: &b.first_name,
            billing_last_name: &b.last_name,
            billing_address: &b.line,
            billing_city: &b.city,
            billing_state: b.state.as_deref(),
            billing_zip: &b.zip,
            billing_country: &b.country,
            shipping_first_name: &s.first_name,
            shipping_last_name: &s.last_name,
            shipping_address: &s.line,
            shipping_city: &s.city,
            shipping_state: s.state.as_deref(),
            shipping_zip: &s.zip,
            shipping_country: &s.country,
            customer_ip: &ctx.customer_ip,
            user_agent: ctx.user_agent.as_deref(),
            shopper_id: ctx.shopper_id,
            reservation_expires_at: Some(at + reservation),
            stock_released: false,
            created_at: at,
            updated_at: at,
            discount_minor: discount,
            discount_code: claimed.as_ref().map(|c| c.code.as_str()),
            tax_minor: tax,
            tax_rate_bp: rate_bp,
            tax_name: rate.as_ref().map(|r| r.name.as_str()),
            prices_include_tax: ctx.prices_include_tax,
            shipping_method: method.map(|m| m.name(ctx.lang)),
        })
        .returning(orders::id)
        .get_result(conn)?;
    let number = number_for(id);
    let numbered = SetNumber {
        id,
        number: &number,
    };
    crate::on_backend!(conn, |c| numbered.execute(c))?;
    if let Some(claimed) = &claimed {
        discounts::record(conn, claimed, id, &checkout.email, at)?;
    }
    for (line, tax) in lines.iter().zip(&line_taxes) {
        diesel::insert_into(order_lines::table)
            .values(NewOrderLine {
                order_id: id,
                product_id: Some(line.product_id),
                sku: &line.sku,
                name: line.name(chinese),
                unit_price_minor: line.unit_price_minor,
                quantity: line.quantity,
                line_total_minor: line.total_minor().unwrap_or(i64::MAX),
                currency: ctx.currency.code(),
                tax_minor: *tax,
                variant_id: line.variant_id,
                variant_name: line.variant_name(chinese),
            })
            .execute(conn)?;
    }
    timeline::record(
        conn,
        // This transaction inserted the order: nobody else can lock it yet.
        Event::new(id, Source::System, "order_placed")
            .held()
            .change(None, Some(OrderStatus::PendingPayment.as_str()))
            .says(
                Message::new("timeline.order_placed")
                    .data("until", (at + reservation).format("%Y-%m-%d %H:%M")),
            )
            .at(at),
    )?;
    cart::clear(conn, cart_id)?;
    emails::queue(
        conn,
        EmailKind::OrderReceived,
        id,
        Subject::Order,
        &ctx.public_url,
    )?;
    jobs::enqueue(
        conn,
        &NewJob::new(EXPIRE_JOB, serde_json::json!({ "order_id": id }))
            .dedupe(format!("{EXPIRE_JOB}:{id}"))
            .run_at(at + reservation),
    )?;
    // Reserve each line with one conditional update: it succeeds only while enough stock is
    // left, so two shoppers can never both take the last unit; a refusal rolls the whole order
    // back. In product order, so that two checkouts of the same products lock their rows in the
    // same order (on PostgreSQL, the other order deadlocks). Last, just before the commit: on
    // PostgreSQL the product's row stays locked until then, and every checkout of a popular
    // product waits for it, so the order's other writes come before (issue 17: this wait was
    // the largest in a checkout). A variant's stock is the variant's row, taken the same way
    // (ordered after its product's id, which no checkout locks for a product with variants).
    let mut reserving: Vec<_> = lines.iter().collect();
    reserving.sort_by_key(|line| (line.product_id, line.variant_id));
    for line in reserving {
        let reserved = match line.variant_id {
            None => diesel::update(
                products::table
                    .filter(products::id.eq(line.product_id))
                    .filter(products::active.eq(true))
                    .filter(products::currency.eq(ctx.currency.code()))
                    .filter(products::stock.ge(line.quantity)),
            )
            .set(products::stock.eq(products::stock - line.quantity))
            .execute(conn)?,
            Some(variant_id) => diesel::update(
                product_variants::table
                    .filter(product_variants::id.eq(variant_id))
                    .filter(product_variants::active.eq(true))
                    .filter(product_variants::stock.ge(line.quantity))
                    .filter(
                        product_variants::product_id.eq_any(
                            products::table
                                .filter(products::active.eq(true))
                                .filter(products::currency.eq(ctx.currency.code()))
                                .select(products::id),
                        ),
                    ),
            )
            .set(product_variants::stock.eq(product_variants::stock - line.quantity))
            .execute(conn)?,
        };
        crate::catalogue::cache::changed();
        if reserved != 1 {
            return Err(PlaceError::NotEnoughStock(line.full_name(chinese)));
        }
    }
    Ok(Placed {
        id,
        number,
        access_token: token,
        created: true,
    })
}

/// `UPDATE orders SET number = … WHERE id = …`, written out so that it stays prepared (see
/// [`crate::db::prepared`]): the number comes from the id, which only the insert gives.
struct SetNumber<'a> {
    id: i64,
    number: &'a str,
}

impl SetNumber<'_> {
    fn walk<'b, DB>(
        &'b self,
        out: &mut diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()>
    where
        DB: diesel::backend::Backend,
        i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    {
        out.push_sql("UPDATE orders SET number = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(self.number)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.id)?;
        Ok(())
    }
}

crate::prepared_statement!(SetNumber);
