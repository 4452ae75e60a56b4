//! Shipping an order: the shipment is recorded (and the shopper emailed) in one transaction,
//! then its tracking is uploaded to AsiaBill (`logistics_upload`), as AsiaBill's checklist asks.
//! A failed upload is retried by a job, and by the admin's button; the carrier's progress is read
//! back with `logistics_query`.

pub mod bulk;
pub mod rates;

use asiabill::types::LogisticsUpload;
use diesel::prelude::*;

use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::{NewShipment, Order, Shipment},
        now,
        schema::{orders, payment_attempts, shipments},
        write_transaction,
    },
    emails::{self, EmailKind, Subject},
    jobs::{self, JobFailure, NewJob},
    orders::{
        status::{FulfilmentStatus, OrderStatus},
        timeline::{self, Event, Message},
    },
    payments::{AttemptStatus, Payments, Source},
};

crate::text_enum! {
    /// How the upload of a shipment's tracking to AsiaBill went, as stored in
    /// `shipments.logistics_status`.
    pub enum LogisticsStatus {
        /// Not uploaded yet.
        Pending => "pending",
        /// AsiaBill has the tracking.
        Uploaded => "uploaded",
        /// AsiaBill did not take it (retried by a job).
        Failed => "failed",
    }
}

/// Job kind that retries a failed logistics upload.
pub const UPLOAD_JOB: &str = "admin.logistics_upload";

/// What the admin typed.
#[derive(Debug, Clone, Default)]
pub struct ShipmentInput {
    /// Carrier code (`lcCode`), e.g. `DHL`; may be empty.
    pub lc_code: String,
    /// Tracking number, 2–50 characters.
    pub tracking_number: String,
    /// The carrier's tracking website, 2–200 characters.
    pub tracking_url: String,
}

/// A field of the shipment form and the locale key of what is wrong with it.
pub type FieldError = (&'static str, &'static str);

impl ShipmentInput {
    /// Trims the fields and checks them against AsiaBill's limits.
    pub fn validate(mut self) -> Result<Self, Vec<FieldError>> {
        self.lc_code = self.lc_code.trim().to_owned();
        self.tracking_number = self.tracking_number.trim().to_owned();
        self.tracking_url = self.tracking_url.trim().to_owned();
        let mut errors = Vec::new();
        let len = |s: &str| s.chars().count();
        if len(&self.lc_code) > 50 {
            errors.push(("lc_code", "admin.shipping.error_lc_code"));
        }
        if !(2..=50).contains(&len(&self.tracking_number)) {
            errors.push(("tracking_number", "admin.shipping.error_tracking_number"));
        }
        let web = url::Url::parse(&self.tracking_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !web || len(&self.tracking_url) > 200 {
            errors.push(("tracking_url", "admin.shipping.error_tracking_url"));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// Why no shipment was recorded.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// No order with that number.
    #[error("no such order")]
    NotFound,
    /// Only paid (or authorized) orders ship.
    #[error("the order is {0}")]
    NotShippable(OrderStatus),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ShipError {
    fn from(e: diesel::result::Error) -> Self {
        ShipError::Db(e.into())
    }
}

/// How an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// AsiaBill has the tracking.
    Uploaded,
    /// It did not take it; the message says why.
    Failed(String),
}

/// The `tradeNo` logistics are uploaded against: the order's paid (or authorized) payment.
fn trade_no_of(conn: &mut DbConnection, order_id: i64) -> Result<Option<String>, DbError> {
    let found: Option<Option<String>> = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order_id))
        .filter(payment_attempts::status.eq_any([AttemptStatus::Paid, AttemptStatus::Authorized]))
        .filter(payment_attempts::trade_no.is_not_null())
        .order(payment_attempts::sequence.desc())
        .select(payment_attempts::trade_no)
        .first(conn)
        .optional()?;
    Ok(found.flatten())
}

/// Records a shipment of order `number`, marks the order shipped and emails the shopper, then
/// uploads the tracking. Returns the shipment id and how the upload went.
pub async fn ship(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    input: ShipmentInput,
) -> Result<(i64, Upload), ShipError> {
    let public_url = payments.settings.public_url.clone();
    let (actor_c, number) = (actor.clone(), number.to_owned());
    let id = payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let order: Order = orders::table
                    .filter(orders::number.eq(&number))
                    .select(Order::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or(ShipError::NotFound)?;
                if !OrderStatus::SHIPPABLE.contains(&order.status)
                    || trade_no_of(conn, order.id)?.is_none()
                {
                    return Err(ShipError::NotShippable(order.status));
                }
                let at = now();
                let id: i64 = diesel::insert_into(shipments::table)
                    .values(NewShipment {
                        order_id: order.id,
                        carrier: &input.lc_code,
                        tracking_number: &input.tracking_number,
                        tracking_url: Some(&input.tracking_url),
                        logistics_status: LogisticsStatus::Pending,
                        created_by: actor_c.user_id,
                        created_at: at,
                        updated_at: at,
                    })
                    .returning(shipments::id)
                    .get_result(conn)?;
                diesel::update(orders::table.find(order.id))
                    .set((
                        orders::fulfilment_status.eq(FulfilmentStatus::Shipped),
                        orders::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                emails::queue(
                    conn,
                    EmailKind::Shipped,
                    order.id,
                    Subject::Shipment(id),
                    &public_url,
                )?;
                timeline::record(
                    conn,
                    Event {
                        order_id: order.id,
                        attempt_id: None,
                        refund_id: None,
                        source: Source::Admin,
                        kind: "shipped",
                        message: Some(
                            Message::new("timeline.shipped")
                                .data("carrier", &input.lc_code)
                                .data("tracking", &input.tracking_number),
                        ),
                        detail: None,
                        actor: Some(&actor_c.email),
                        from: None,
                        to: None,
                        at: None,
                        held: false,
                    },
                )?;
                audit::record(
                    conn,
                    &actor_c,
                    "shipment.create",
                    Some(Target {
                        kind: "order",
                        id: &order.number,
                    }),
                    Some(serde_json::json!({
                        "shipment": id,
                        "lcCode": input.lc_code,
                        "trackingNo": input.tracking_number,
                    })),
                )?;
                Ok(id)
            })
        })
        .await?;
    let upload = upload(payments, id, &actor.email).await?;
    if let Upload::Failed(_) = upload {
        payments
            .db
            .run(move |conn| {
                jobs::enqueue(
                    conn,
                    &NewJob::new(UPLOAD_JOB, serde_json::json!({ "shipment_id": id }))
                        .dedupe(format!("{UPLOAD_JOB}:{id}"))
                        .run_at(now() + chrono::Duration::minutes(1)),
                )
            })
            .await?;
    }
    Ok((id, upload))
}

/// Uploads shipment `id`'s tracking to AsiaBill and records the result. An already uploaded
/// shipment is sent again (AsiaBill keeps the latest), which is how an admin corrects one.
pub async fn upload(payments: &Payments, id: i64, actor: &str) -> Result<Upload, DbError> {
    let (shipment, trade_no, order_no) = payments
        .db
        .run(move |conn| {
            let shipment: Shipment = shipments::table
                .find(id)
                .select(Shipment::as_select())
                .first(conn)?;
            let trade_no = trade_no_of(conn, shipment.order_id)?;
            let number: String = orders::table
                .find(shipment.order_id)
                .select(orders::number)
                .first(conn)?;
            Ok::<_, DbError>((shipment, trade_no, number))
        })
        .await?;
    let request = LogisticsUpload {
        tracking_no: shipment.tracking_number.clone(),
        tracking_web: shipment.tracking_url.clone().unwrap_or_default(),
        lc_code: Some(shipment.carrier.clone()).filter(|c| !c.is_empty()),
        order_no: trade_no.is_none().then_some(order_no),
        trade_no,
    };
    let result = match payments.gateway.logistics_upload(&request).await {
        Ok(reply) if reply.status.eq_ignore_ascii_case("success") => Upload::Uploaded,
        Ok(reply) => Upload::Failed(format!("{} {}", reply.status, reply.description)),
        Err(e) => Upload::Failed(e.to_string()),
    };
    let (recorded, actor) = (result.clone(), actor.to_owned());
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let at = now();
                let (status, message, kind) = match &recorded {
                    Upload::Uploaded => (
                        LogisticsStatus::Uploaded,
                        "uploadSuccess".to_owned(),
                        "logistics_uploaded",
                    ),
                    Upload::Failed(why) => (
                        LogisticsStatus::Failed,
                        why.clone(),
                        "logistics_upload_failed",
                    ),
                };
                diesel::update(shipments::table.find(id))
                    .set((
                        shipments::logistics_status.eq(status),
                        shipments::logistics_message.eq(Some(&message)),
                        shipments::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                if recorded == Upload::Uploaded {
                    diesel::update(shipments::table.find(id))
                        .set(shipments::uploaded_at.eq(Some(at)))
                        .execute(conn)?;
                }
                timeline::record(
                    conn,
                    Event {
                        order_id: shipment.order_id,
                        attempt_id: None,
                        refund_id: None,
                        source: Source::Api,
                        kind,
                        message: Some(
                            Message::new("timeline.logistics_upload")
                                .data("tracking", &shipment.tracking_number)
                                .data("result", &message),
                        ),
                        detail: None,
                        actor: Some(&actor),
                        from: None,
                        to: None,
                        at: None,
                        held: false,
                    },
                )?;
                Ok::<_, DbError>(())
            })
        })
        .await?;
    Ok(result)
}

/// The retry job: uploads a shipment that is still not uploaded; a failure is retried by the
/// runner with its back-off.
pub async fn retry_job(payments: &Payments, payload: &str) -> Result<(), JobFailure> {
    let id = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["shipment_id"].as_i64())
        .ok_or_else(|| JobFailure::Permanent("payload without shipment_id".into()))?;
    let status: Option<LogisticsStatus> = payments
        .db
        .run(move |conn| {
            shipments::table
                .find(id)
                .select(shipments::logistics_status)
                .first(conn)
                .optional()
                .map_err(DbError::from)
        })
        .await?;
    match status {
        None | Some(LogisticsStatus::Uploaded) => Ok(()),
        Some(_) => match upload(payments, id, "system").await? {
            Upload::Uploaded => Ok(()),
            Upload::Failed(why) => Err(JobFailure::Retry(why)),
        },
    }
}

/// Asks AsiaBill for the carrier's status of shipment `id` and keeps it.
pub async fn query_status(payments: &Payments, actor: &Actor, id: i64) -> Result<String, String> {
    let found = payments
        .db
        .run(move |conn| {
            let order_id: Option<i64> = shipments::table
                .find(id)
                .select(shipments::order_id)
                .first(conn)
                .optional()?;
            match order_id {
                Some(order_id) => trade_no_of(conn, order_id),
                None => Ok(None),
            }
        })
        .await
        .map_err(|e: DbError| e.to_string())?;
    let trade_no = found.ok_or_else(|| "no payment to ask about".to_owned())?;
    let info = payments
        .gateway
        .logistics_query(&trade_no)
        .await
        .map_err(|e| e.to_string())?;
    let word = info.logistics_status.as_str().to_owned();
    let (kept, actor) = (word.clone(), actor.clone());
    payments
        .db
        .run(move |conn| {
            diesel::update(shipments::table.find(id))
                .set((
                    shipments::tracking_status.eq(Some(&kept)),
                    shipments::tracking_checked_at.eq(Some(now())),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &actor,
                "shipment.query",
                Some(Target {
                    kind: "shipment",
                    id: &id.to_string(),
                }),
                Some(serde_json::json!({ "logisticsStatus": kept })),
            )
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(word)
}

/// True when shipment `id` belongs to order `number`.
pub fn belongs_to(conn: &mut DbConnection, number: &str, id: i64) -> Result<bool, DbError> {
    let found: i64 = shipments::table
        .inner_join(orders::table)
        .filter(shipments::id.eq(id))
        .filter(orders::number.eq(number))
        .count()
        .get_result(conn)?;
    Ok(found == 1)
}

/// Adds shipping's background job kind to the runner: retrying failed logistics uploads.
pub fn register_jobs(registry: &mut crate::jobs::Registry, payments: &Payments) {
    let app = payments.clone();
    registry.register(UPLOAD_JOB, move |job| {
        let app = app.clone();
        async move { retry_job(&app, &job.payload).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_must_fit_asiabills_limits() {
        let ok = ShipmentInput {
            lc_code: " DHL ".into(),
            tracking_number: "JD0123456789".into(),
            tracking_url: "https://www.dhl.com/track".into(),
        };
        assert_eq!(ok.validate().map(|i| i.lc_code), Ok("DHL".to_owned()));
        let bad = ShipmentInput {
            lc_code: "x".repeat(51),
            tracking_number: "1".into(),
            tracking_url: "dhl.com".into(),
        };
        let fields: Vec<&str> = bad
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["lc_code", "tracking_number", "tracking_url"]);
    }
}
