//! The cart's work on PostgreSQL, a batch of shoppers at a time (`db::batch` says why).
//!
//! - [`LinesBatch`]: the lines of every cart asked for, in one `SELECT … WHERE cart_id =
//!   ANY($1)`.
//! - [`AddsBatch`]: adds to existing carts in two statements whatever their number: the facts
//!   of every add (`unnest` of the carts, products and variants asked for, joined), then one
//!   statement
//!   writing them all: an `UPDATE … FROM unnest(…)` of the lines that grow, each guarded by the
//!   quantity it was read with, beside an `INSERT … SELECT FROM unnest(…) ON CONFLICT DO
//!   NOTHING` of the new lines. The
//!   rules are [`Plan::decide`]'s, as for a single add. An add whose write did not land (another
//!   request changed its line meanwhile), an add that needs a new cart, and the second add of
//!   one line in a batch go through [`add_item`] afterwards, one by one; so does every add of a
//!   batch whose statement failed, since a failed statement wrote nothing.
//!
//! - [`RemovalsBatch`]: lines taken out of carts, in one `DELETE … USING unnest(…)`; a change
//!   to another quantity goes through [`set_item_quantity`], one by one.
//!
//! Each statement commits on its own, as [`add_item`]'s do (`Db::write`).

use std::collections::{HashMap, HashSet};

use asiabill::Currency;
use chrono::NaiveDateTime;
use diesel::{
    pg::PgConnection,
    prelude::*,
    sql_types::{Array, BigInt, Timestamp},
};
use tokio::sync::oneshot;

use super::{
    ADD_FACTS_COLUMNS, ADD_FACTS_JOINS, AddFacts, CartError, CartLine, LineRow, Plan, Wanted,
    add_item, line_columns, lines_source, set_item_quantity, touch_if_stale,
};
use crate::db::{
    DbConnection, DbError,
    batch::{Batch, Job},
    now,
    schema::cart_items,
};

/// A cart whose lines are wanted, and where they go.
pub(super) struct LinesJob {
    pub(super) cart_id: i64,
    pub(super) reply: oneshot::Sender<Result<Vec<CartLine>, DbError>>,
}

impl Job for LinesJob {
    fn fail(self, error: &DbError) {
        let _ = self.reply.send(Err(DbError::Batch(error.to_string())));
    }
}

/// The lines of many carts in one statement.
pub(super) struct LinesBatch;

impl Batch for LinesBatch {
    type Job = LinesJob;

    fn run(conn: &mut DbConnection, jobs: Vec<LinesJob>) {
        let ids: Vec<i64> = jobs.iter().map(|j| j.cart_id).collect();
        let DbConnection::Pg(pg) = conn else {
            // Batches run on PostgreSQL only (`Db::batcher`); answer each alone all the same.
            for job in jobs {
                let _ = job.reply.send(super::lines(conn, job.cart_id));
            }
            return;
        };
        match lines_of(pg, &ids) {
            Ok(mut by_cart) => {
                for job in jobs {
                    let lines = by_cart.remove(&job.cart_id).unwrap_or_default();
                    let _ = job.reply.send(Ok(lines));
                }
            }
            Err(e) => {
                let error = DbError::from(e);
                for job in jobs {
                    job.fail(&error);
                }
            }
        }
    }
}

/// The lines of carts `ids` (each oldest first), by cart.
fn lines_of(pg: &mut PgConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<CartLine>>> {
    let rows: Vec<(i64, LineRow)> = lines_source!()
        .filter(cart_items::cart_id.eq_any(ids))
        .order(cart_items::id.asc())
        .select((cart_items::cart_id, line_columns!()))
        .load(pg)?;
    let names = super::variant_names(rows.iter().map(|(_, r)| r), |ids| {
        crate::catalogue::offer::names_pg(pg, ids)
    })?;
    let mut by_cart: HashMap<i64, Vec<CartLine>> = HashMap::new();
    for (cart_id, line) in rows {
        by_cart.entry(cart_id).or_default().push(line.line(&names));
    }
    Ok(by_cart)
}

/// An add to a cart, and where its answer (the cart's id) goes.
pub(super) struct AddJob {
    pub(super) cart_id: Option<i64>,
    pub(super) wanted: Wanted,
    pub(super) quantity: i64,
    pub(super) currency: Currency,
    pub(super) reply: oneshot::Sender<Result<i64, CartError>>,
}

impl AddJob {
    /// Does this add on its own, as a request would without batches.
    fn alone(self, conn: &mut DbConnection) {
        let added = add_item(
            conn,
            self.cart_id,
            self.wanted,
            self.quantity,
            self.currency,
        );
        let _ = self.reply.send(added);
    }
}

impl Job for AddJob {
    fn fail(self, error: &DbError) {
        let _ = self.reply.send(Err(batch_failed(error)));
    }
}

/// What a cart change whose batch could not run is answered.
fn batch_failed(error: &DbError) -> CartError {
    CartError::Db(DbError::Batch(error.to_string()))
}

/// Adds to many carts in a few statements.
pub(super) struct AddsBatch;

impl Batch for AddsBatch {
    type Job = AddJob;

    fn run(conn: &mut DbConnection, jobs: Vec<AddJob>) {
        let mut later = Vec::new();
        let mut batched = Vec::new();
        let mut lines_seen = HashSet::new();
        for job in jobs {
            match job.cart_id {
                // A second add of the same line would be decided from the same facts.
                Some(cart_id) if lines_seen.insert(line_key(cart_id, job.wanted)) => {
                    batched.push(job);
                }
                _ => later.push(job),
            }
        }
        let later = if batched.len() > 1 {
            let mut rest = add_together(conn, batched);
            rest.append(&mut later);
            rest
        } else {
            batched.append(&mut later);
            batched
        };
        for job in later {
            job.alone(conn);
        }
    }
}

/// One add's facts in the batched read, with its place in the batch.
#[derive(QueryableByName)]
struct NumberedFacts {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(embed)]
    facts: AddFacts,
}

/// Adds `jobs` (each to an existing cart, no two to one line) together; answers those whose
/// write landed or that were refused, and returns the others for [`add_item`].
fn add_together(conn: &mut DbConnection, jobs: Vec<AddJob>) -> Vec<AddJob> {
    let carts: Vec<i64> = jobs.iter().filter_map(|j| j.cart_id).collect();
    let products: Vec<i64> = jobs.iter().map(|j| j.wanted.product_id).collect();
    let variants: Vec<i64> = jobs.iter().map(|j| j.wanted.variant_key()).collect();
    // As `AddFacts::read`, for every add at once.
    let read = diesel::sql_query(format!(
        "SELECT r.n, {ADD_FACTS_COLUMNS} \
         FROM unnest($1::int8[], $2::int8[], $3::int8[]) WITH ORDINALITY \
              AS r(cart_id, product_id, variant_id, n) \
         {ADD_FACTS_JOINS}"
    ))
    .bind::<Array<BigInt>, _>(&carts)
    .bind::<Array<BigInt>, _>(&products)
    .bind::<Array<BigInt>, _>(&variants);
    let Ok(rows) = postgres(conn).and_then(|pg| read.load::<NumberedFacts>(pg)) else {
        return jobs;
    };
    let mut facts: HashMap<usize, AddFacts> = rows
        .into_iter()
        .filter_map(|r| Some((usize::try_from(r.n).ok()?.checked_sub(1)?, r.facts)))
        .collect();

    let mut planned = Vec::new();
    let mut later = Vec::new();
    for (n, job) in jobs.into_iter().enumerate() {
        match Plan::decide(
            facts.remove(&n).as_ref(),
            job.wanted,
            job.quantity,
            job.currency,
        ) {
            Err(refused) => {
                let _ = job.reply.send(Err(refused));
            }
            Ok(Plan::NewCart { .. }) => later.push(job),
            Ok(plan) => planned.push((job, plan)),
        }
    }
    if planned.is_empty() {
        return later;
    }
    let at = now();
    let written = postgres(conn).and_then(|pg| write_lines(pg, &planned, at));
    later.append(&mut finish(conn, written, planned, at));
    later
}

/// Writes the lines of `planned` in one statement: the lines that grow, each only while it
/// holds the quantity it was read with (`UPDATE … FROM unnest(…)`), and the new ones, skipping
/// any another request added meanwhile (`INSERT … ON CONFLICT DO NOTHING`). Answers the lines
/// written, by [`line_key`]. No two of `planned` name one line, so the two parts never touch
/// the same row.
fn write_lines(
    pg: &mut PgConnection,
    planned: &[(AddJob, Plan)],
    at: NaiveDateTime,
) -> QueryResult<HashSet<(i64, i64, i64)>> {
    let (mut ids, mut grown, mut had) = (Vec::new(), Vec::new(), Vec::new());
    let (mut carts, mut products, mut variants, mut wanted) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (job, plan) in planned {
        match *plan {
            Plan::Update {
                item_id,
                had: h,
                wanted: w,
                ..
            } => {
                ids.push(item_id);
                grown.push(w);
                had.push(h);
            }
            Plan::Insert {
                cart_id, wanted: w, ..
            } => {
                carts.push(cart_id);
                products.push(job.wanted.product_id);
                variants.push(job.wanted.variant_key());
                wanted.push(w);
            }
            Plan::NewCart { .. } => {}
        }
    }
    #[derive(QueryableByName)]
    struct Written {
        #[diesel(sql_type = BigInt)]
        cart_id: i64,
        #[diesel(sql_type = BigInt)]
        product_id: i64,
        #[diesel(sql_type = BigInt)]
        variant_id: i64,
    }
    // A variant of 0 is a line without one (`Wanted::variant_key`).
    let written = diesel::sql_query(
        "WITH grown AS ( \
             UPDATE cart_items SET quantity = v.wanted, updated_at = $8 \
             FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS v(id, wanted, had) \
             WHERE cart_items.id = v.id AND cart_items.quantity = v.had \
             RETURNING cart_items.cart_id, cart_items.product_id, \
                       COALESCE(cart_items.variant_id, 0) AS variant_id \
         ), added AS ( \
             INSERT INTO cart_items \
                  (cart_id, product_id, variant_id, quantity, created_at, updated_at) \
             SELECT v.cart_id, v.product_id, NULLIF(v.variant_id, 0), v.wanted, $8, $8 \
             FROM unnest($4::int8[], $5::int8[], $6::int8[], $7::int8[]) \
                  AS v(cart_id, product_id, variant_id, wanted) \
             ON CONFLICT DO NOTHING \
             RETURNING cart_id, product_id, COALESCE(variant_id, 0) AS variant_id \
         ) \
         SELECT cart_id, product_id, variant_id FROM grown \
         UNION ALL SELECT cart_id, product_id, variant_id FROM added",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<BigInt>, _>(&grown)
    .bind::<Array<BigInt>, _>(&had)
    .bind::<Array<BigInt>, _>(&carts)
    .bind::<Array<BigInt>, _>(&products)
    .bind::<Array<BigInt>, _>(&variants)
    .bind::<Array<BigInt>, _>(&wanted)
    .bind::<Timestamp, _>(at)
    .load::<Written>(pg)?;
    Ok(written
        .into_iter()
        .map(|w| (w.cart_id, w.product_id, w.variant_id))
        .collect())
}

/// Answers the adds whose write landed (recording the cart's activity where it is stale) and
/// returns the others for [`add_item`]: all of them when the statement failed.
fn finish(
    conn: &mut DbConnection,
    written: QueryResult<HashSet<(i64, i64, i64)>>,
    planned: Vec<(AddJob, Plan)>,
    at: NaiveDateTime,
) -> Vec<AddJob> {
    let Ok(written) = written else {
        return planned.into_iter().map(|(job, _)| job).collect();
    };
    let mut later = Vec::new();
    for (job, plan) in planned {
        let (cart_id, touched) = match plan {
            Plan::Update {
                cart_id, touched, ..
            }
            | Plan::Insert {
                cart_id, touched, ..
            } => (cart_id, touched),
            Plan::NewCart { .. } => {
                later.push(job);
                continue;
            }
        };
        if written.contains(&line_key(cart_id, job.wanted)) {
            let answer = touch_if_stale(conn, cart_id, touched, at)
                .map(|()| cart_id)
                .map_err(CartError::from);
            let _ = job.reply.send(answer);
        } else {
            later.push(job);
        }
    }
    later
}

/// A cart line as the batch tells lines apart: its cart, product and variant (0 for none).
fn line_key(cart_id: i64, wanted: Wanted) -> (i64, i64, i64) {
    (cart_id, wanted.product_id, wanted.variant_key())
}

/// The PostgreSQL connection under `conn`: batches run on PostgreSQL only (`Db::batcher`).
fn postgres(conn: &mut DbConnection) -> QueryResult<&mut PgConnection> {
    match conn {
        DbConnection::Pg(pg) => Ok(pg),
        DbConnection::Sqlite(_) => Err(diesel::result::Error::QueryBuilderError(
            "a PostgreSQL batch on SQLite".into(),
        )),
    }
}

/// A change to a line's quantity (zero removes it), and where its answer goes.
pub(super) struct SetJob {
    pub(super) cart_id: i64,
    pub(super) item_id: i64,
    pub(super) quantity: i64,
    pub(super) reply: oneshot::Sender<Result<(), CartError>>,
}

impl Job for SetJob {
    fn fail(self, error: &DbError) {
        let _ = self.reply.send(Err(batch_failed(error)));
    }
}

/// Removes many lines in one statement; other quantities are set one by one.
pub(super) struct RemovalsBatch;

impl Batch for RemovalsBatch {
    type Job = SetJob;

    fn run(conn: &mut DbConnection, jobs: Vec<SetJob>) {
        let (removals, others): (Vec<SetJob>, Vec<SetJob>) =
            jobs.into_iter().partition(|j| j.quantity == 0);
        let later = if removals.len() > 1 {
            remove_together(conn, removals)
        } else {
            removals
        };
        for job in later.into_iter().chain(others) {
            let set = set_item_quantity(conn, job.cart_id, job.item_id, job.quantity);
            let _ = job.reply.send(set);
        }
    }
}

/// Removes the lines of `removals` (each only from its own cart) in one statement and answers
/// them: a line not found is [`CartError::UnknownLine`], as alone. Returns them all for
/// [`set_item_quantity`] when the statement failed.
fn remove_together(conn: &mut DbConnection, removals: Vec<SetJob>) -> Vec<SetJob> {
    let items: Vec<i64> = removals.iter().map(|j| j.item_id).collect();
    let carts: Vec<i64> = removals.iter().map(|j| j.cart_id).collect();
    #[derive(QueryableByName)]
    struct Removed {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Timestamp)]
        touched: NaiveDateTime,
    }
    let delete = diesel::sql_query(
        "DELETE FROM cart_items USING carts c, \
              unnest($1::int8[], $2::int8[]) AS v(id, cart_id) \
         WHERE cart_items.id = v.id AND cart_items.cart_id = v.cart_id \
           AND c.id = cart_items.cart_id \
         RETURNING cart_items.id, c.updated_at AS touched",
    )
    .bind::<Array<BigInt>, _>(&items)
    .bind::<Array<BigInt>, _>(&carts);
    let Ok(removed) = postgres(conn).and_then(|pg| delete.load::<Removed>(pg)) else {
        return removals;
    };
    let removed: HashMap<i64, NaiveDateTime> =
        removed.into_iter().map(|r| (r.id, r.touched)).collect();
    let at = now();
    for job in removals {
        let answer = match removed.get(&job.item_id) {
            Some(&touched) => {
                touch_if_stale(conn, job.cart_id, touched, at).map_err(CartError::from)
            }
            None => Err(CartError::UnknownLine),
        };
        let _ = job.reply.send(answer);
    }
    Vec::new()
}
