//! The HTTP surface: the payment API under `/V2022-03` and the OpenAPI under
//! `/openApi/V2022-03` on one port (section 18), `/AuthorizeInterface` on both (section 16.3).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use crate::envelope::{Rejection, codes};

mod authorize;
mod chargebacks;
mod checkout;
mod confirm_charge;
mod customers;
mod logistics;
mod payment_methods;
mod refund;
mod session_token;
mod transactions;

pub use chargebacks::DEFAULT_CHARGEBACK_REASON;
pub use logistics::LOGISTICS_STATUSES;
pub use payment_methods::NewPaymentMethod;

/// What `GET /` answers: who this is, so an operator can tell the simulator from a real host.
#[derive(serde::Serialize)]
struct Status {
    service: &'static str,
    api_version: &'static str,
}

async fn status() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        service: "asiabill-sandbox",
        api_version: asiabill::API_VERSION,
    })
}

/// Registers every route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(status))
        .service(
            web::scope(&format!("/{}", asiabill::API_VERSION))
                .route("/sessionToken", web::post().to(session_token::create))
                .route("/customers", web::post().to(customers::create))
                .route("/customers", web::get().to(customers::list))
                .route("/customers/{customerId}", web::get().to(customers::get))
                .route(
                    "/customers/{customerId}",
                    web::delete().to(customers::delete),
                )
                .route("/payment_methods", web::post().to(payment_methods::create))
                .route(
                    "/payment_methods/update",
                    web::post().to(payment_methods::update),
                )
                .route(
                    "/payment_methods/list/{customerId}",
                    web::get().to(payment_methods::list),
                )
                .route(
                    "/payment_methods/{customerPaymentMethodId}/detach",
                    web::get().to(payment_methods::detach),
                )
                .route(
                    "/payment_methods/{customerPaymentMethodId}/{customerId}/attach",
                    web::get().to(payment_methods::attach),
                )
                .route(
                    "/payment_methods/{customerPaymentMethodId}",
                    web::get().to(payment_methods::get),
                )
                .route("/confirmCharge", web::post().to(confirm_charge::create))
                .route("/checkout/payment", web::post().to(checkout::create))
                .route("/AuthorizeInterface", web::post().to(authorize::create)),
        )
        .service(
            web::scope(&format!("/openApi/{}", asiabill::API_VERSION))
                .route("/transactions", web::get().to(transactions::list))
                .route("/orderInfo/{tradeNo}", web::get().to(transactions::get))
                .route("/refund", web::post().to(refund::create))
                .route("/refund/{batchNo}", web::get().to(refund::get))
                .route("/logistics", web::post().to(logistics::create))
                .route("/logistics/{tradeNo}", web::get().to(logistics::get))
                .route("/chargebacks", web::get().to(chargebacks::list))
                .route("/AuthorizeInterface", web::post().to(authorize::create)),
        );
}

/// Reads `pageIndex` / `pageSize` (defaults 1 and 100, at most 1000 a page).
pub(crate) fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), Rejection> {
    let read = |key: &str, default: usize| -> Result<usize, Rejection> {
        match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    Rejection::new(
                        codes::BAD_FIELD,
                        format!("{key} must be a number from 1 to 1000"),
                    )
                }),
        }
    };
    Ok((read("pageIndex", 1)?, read("pageSize", 100)?))
}

/// Date-time format of `tradeDate`, `startTime` and `endTime`.
pub(crate) const TRADE_DATE: &str = "%Y-%m-%dT%H:%M:%S";

/// Reads an optional `startTime` / `endTime` (`yyyy-MM-ddTHH:mm:ss`, UTC).
pub(crate) fn time_bound(
    query: &HashMap<String, String>,
    key: &str,
) -> Result<Option<NaiveDateTime>, Rejection> {
    match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDateTime::parse_from_str(v, TRADE_DATE)
            .map(Some)
            .map_err(|_| {
                Rejection::new(
                    codes::BAD_FIELD,
                    format!("{key} must be yyyy-MM-ddTHH:mm:ss"),
                )
            }),
    }
}

/// Whether `at`, to the second, lies within the optional bounds (both inclusive).
pub(crate) fn within(
    at: DateTime<Utc>,
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
) -> bool {
    let naive = at.naive_utc();
    let at = naive.with_nanosecond(0).unwrap_or(naive);
    start.is_none_or(|s| at >= s) && end.is_none_or(|e| at <= e)
}
