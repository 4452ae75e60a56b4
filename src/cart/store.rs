//! [`Carts`]: the cart's database work for requests, on whichever backend.

use std::sync::Arc;

use asiabill::Currency;
use diesel::prelude::*;

use super::{
    CartError, CartLine, Wanted,
    batch::{AddJob, AddsBatch, LinesBatch, LinesJob, RemovalsBatch, SetJob},
};
use crate::db::{Db, DbError, batch::Batcher, schema::cart_items};

/// The cart's reads and writes on the request path. On SQLite each goes through
/// [`Db::read`] or [`Db::write`], which hand SQLite's work to its threads in batches; on
/// PostgreSQL the cart pages, adds and removals of many shoppers share statements (`batch`).
#[derive(Clone)]
pub struct Carts {
    db: Db,
    lines: Option<Arc<Batcher<LinesBatch>>>,
    adds: Option<Arc<Batcher<AddsBatch>>>,
    sets: Option<Arc<Batcher<RemovalsBatch>>>,
}

impl Carts {
    /// The cart's access to `db`.
    pub fn new(db: Db) -> Self {
        Carts {
            lines: db.batcher(),
            adds: db.batcher(),
            sets: db.batcher(),
            db,
        }
    }

    /// The lines of cart `cart_id`, oldest first, with current prices.
    pub async fn lines(&self, cart_id: i64) -> Result<Vec<CartLine>, DbError> {
        match &self.lines {
            Some(batcher) => batcher
                .ask(|reply| LinesJob { cart_id, reply })
                .await
                .unwrap_or(Err(DbError::Abandoned)),
            None => self.db.read(move |conn| super::lines(conn, cart_id)).await,
        }
    }

    /// Units in cart `cart_id`, for the header's badge.
    pub async fn count(&self, cart_id: i64) -> Result<i64, DbError> {
        if self.lines.is_some() {
            let lines = self.lines(cart_id).await?;
            return Ok(lines.iter().map(|l| l.quantity).sum());
        }
        self.db
            .read(move |conn| {
                let quantities: Vec<i64> = cart_items::table
                    .filter(cart_items::cart_id.eq(cart_id))
                    .select(cart_items::quantity)
                    .load(conn)?;
                Ok::<_, DbError>(quantities.iter().sum())
            })
            .await
    }

    /// Adds `quantity` of a product (or of its variant) to cart `cart_id`, creating the cart
    /// when it is `None` or gone; answers the cart's id.
    pub async fn add(
        &self,
        cart_id: Option<i64>,
        wanted: impl Into<Wanted>,
        quantity: i64,
        currency: Currency,
    ) -> Result<i64, CartError> {
        let wanted = wanted.into();
        match &self.adds {
            Some(batcher) => batcher
                .ask(|reply| AddJob {
                    cart_id,
                    wanted,
                    quantity,
                    currency,
                    reply,
                })
                .await
                .unwrap_or(Err(CartError::Db(DbError::Abandoned))),
            None => {
                self.db
                    .write(move |conn| super::add_item(conn, cart_id, wanted, quantity, currency))
                    .await
            }
        }
    }

    /// Sets a line's quantity, zero removing it.
    pub async fn set_quantity(
        &self,
        cart_id: i64,
        item_id: i64,
        quantity: i64,
    ) -> Result<(), CartError> {
        match &self.sets {
            Some(batcher) => batcher
                .ask(|reply| SetJob {
                    cart_id,
                    item_id,
                    quantity,
                    reply,
                })
                .await
                .unwrap_or(Err(CartError::Db(DbError::Abandoned))),
            None => {
                self.db
                    .write(move |conn| super::set_item_quantity(conn, cart_id, item_id, quantity))
                    .await
            }
        }
    }
}
