//! The actions of the order page: `POST /admin/orders/{number}/refunds`, `/capture`, `/void`,
//! `/sync`, `/shipments`, and `/shipments/{id}/upload` and `/shipments/{id}/status`.
//!
//! Each answers with a 303 back to the order page and a flash message saying what AsiaBill did;
//! a form with a wrong value is shown again with the error next to the field (422).

use actix_session::Session;
use actix_web::{HttpResponse, Result, http::StatusCode, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use super::{
    orders::{Forms, RefundForm, ShipForm, render_order},
    view::Empty,
    view::{Frame, frame},
};
use crate::{
    accounts::audit::{self, Target},
    money::{
        amount::{self, AmountError},
        format_price,
    },
    orders::view,
    payments::{
        capture::{self, CaptureError, Done, Operation},
        merchant_charge::{self, ChargeError, ChargeRequest},
        refunds::request::{self as refunds, RefundError, Requested},
        start::Started,
        transactions,
    },
    shipping::{self, ShipError, ShipmentInput, Upload},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminForm, flash, render::see_other},
};

fn order_url(number: &str) -> String {
    format!("/admin/orders/{number}")
}

/// The extra-charge form.
#[derive(Deserialize)]
pub struct ChargePost {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    card: i64,
    #[serde(default)]
    key: String,
}

/// Charges the shopper's saved card for an extra amount (`tokenType=Recurring`) and says what
/// AsiaBill answered; the form's key makes a second post of it charge nothing more.
pub async fn charge(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<ChargePost>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let AdminForm { admin, form } = post;
    let back = see_other(&format!("{}#charge", order_url(&number)));
    let lookup = number.clone();
    let Some(currency) = state
        .db
        .run(move |conn| view::currency_of(conn, &lookup))
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let currency = Currency::parse(&currency).unwrap_or(state.settings.currency);
    let reason = form.reason.trim().to_owned();
    let minor = match amount::parse(&form.amount, currency) {
        Ok(m) if !reason.is_empty() && form.key.len() <= 100 && !form.key.is_empty() => m,
        Ok(_) => {
            flash::push(
                &session,
                "error",
                layout.tr("admin.order.charge_needs_reason"),
            );
            return Ok(back);
        }
        Err(_) => {
            let error = layout
                .tr("admin.order.error_amount")
                .replace("{decimals}", &currency.decimals().to_string());
            flash::push(&session, "error", error);
            return Ok(back);
        }
    };
    let request = ChargeRequest {
        number: number.clone(),
        card_id: form.card,
        amount_minor: minor,
        reason,
        key: form.key,
    };
    let price = format_price(minor, currency);
    let said = match merchant_charge::charge(&state.payments, request, admin.actor()).await {
        Ok(Started::Done) => (
            "success",
            layout
                .tr("admin.order.charge_done")
                .replace("{amount}", &price),
        ),
        Ok(Started::Pending | Started::Redirect(_)) => (
            "info",
            layout
                .tr("admin.order.charge_pending")
                .replace("{amount}", &price),
        ),
        Ok(Started::Declined(reason) | Started::Refused(reason)) => (
            "error",
            format!("{} {reason}", layout.tr("admin.order.charge_declined")),
        ),
        Ok(Started::Unavailable) => (
            "error",
            layout.tr("admin.order.charge_unavailable").to_owned(),
        ),
        Err(ChargeError::NotFound) => return Err(AppError::NotFound),
        Err(ChargeError::AlreadyRequested(_)) => {
            ("info", layout.tr("admin.order.charge_already").to_owned())
        }
        Err(ChargeError::InFlight) => (
            "error",
            layout.tr("admin.order.charge_in_flight").to_owned(),
        ),
        Err(ChargeError::Db(e)) => return Err(e.into()),
        Err(
            ChargeError::NotChargeable(_)
            | ChargeError::Disputed
            | ChargeError::NoCard
            | ChargeError::PreAuth,
        ) => (
            "error",
            layout.tr("admin.order.charge_not_possible").to_owned(),
        ),
    };
    flash::push(&session, said.0, said.1);
    Ok(back)
}

/// The refund form.
#[derive(Deserialize)]
pub struct RefundPost {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    /// The gateway `orderNo` of the payment to refund; empty for the latest one.
    #[serde(default)]
    transaction: String,
    /// `yes` once the admin confirmed what the confirmation page named.
    #[serde(default)]
    confirmed: String,
}

/// The step between the refund form and AsiaBill: what is about to be refunded, from which
/// payment, with a button to send it and a way back.
#[derive(Template)]
#[template(path = "admin/orders/refund_confirm.html")]
struct RefundConfirmPage {
    layout: Layout,
    frame: Frame,
    number: String,
    amount: String,
    amount_input: String,
    reason: String,
    order_no: String,
    trade_no: String,
    left: String,
}

/// Refunds all or part of the payment.
pub async fn refund(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<RefundPost>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let AdminForm { admin, form } = post;
    let lookup = number.clone();
    let currency = state
        .db
        .run(move |conn| view::currency_of(conn, &lookup))
        .await?;
    let Some(currency) = currency else {
        return Err(AppError::NotFound);
    };
    let currency = Currency::parse(&currency).unwrap_or(state.settings.currency);
    let again = |layout: Layout, error: String, status| {
        let forms = Forms {
            refund: Some(RefundForm {
                amount: form.amount.clone(),
                reason: form.reason.clone(),
                transaction: form.transaction.clone(),
                amount_error: Some(error),
            }),
            ship: None,
        };
        render_order(layout, &admin, &state, number.clone(), forms, status)
    };
    let minor = match amount::parse(&form.amount, currency) {
        Ok(m) => m,
        Err(AmountError::Malformed) => {
            let error = layout
                .tr("admin.order.error_amount")
                .replace("{decimals}", &currency.decimals().to_string());
            return again(layout, error, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(AmountError::Zero) => {
            let error = layout.tr("admin.order.error_amount_zero").to_owned();
            return again(layout, error, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let transaction = Some(form.transaction.as_str()).filter(|t| !t.is_empty());
    let refused = |e: RefundError| match e {
        RefundError::NotFound => Err(None),
        RefundError::NotRefundable(_) => {
            flash::push(&session, "error", layout.tr("admin.order.not_refundable"));
            Err(None)
        }
        RefundError::NoSuchPayment(order_no) => Err(Some((
            layout
                .tr("admin.order.error_no_such_payment")
                .replace("{order_no}", &order_no),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))),
        RefundError::Disputed { .. } => Err(Some((
            layout.tr("admin.order.dispute_blocks_refunds").to_owned(),
            StatusCode::CONFLICT,
        ))),
        RefundError::Exceeds { refundable } => Err(Some((
            layout
                .tr("admin.order.error_exceeds")
                .replace("{refundable}", &format_price(refundable, currency)),
            StatusCode::CONFLICT,
        ))),
        RefundError::MethodRule { method, rule } => Err(Some((
            layout
                .tr(&format!("admin.order.refund_rule_{rule}"))
                .replace("{method}", method),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))),
        RefundError::Db(e) => Ok(e),
    };
    if form.confirmed != "yes" {
        // Nothing is reserved or sent before the admin has seen the amount and the payment.
        return match refunds::preview(&state.payments, &number, minor, transaction).await {
            Ok(preview) => {
                let mut layout = layout;
                let frame = frame(&mut layout, &admin, "orders");
                let page = RefundConfirmPage {
                    layout,
                    frame,
                    number: number.clone(),
                    amount: format_price(minor, currency),
                    amount_input: amount::input_value(minor, currency),
                    reason: form.reason.clone(),
                    order_no: preview.payment.order_no.clone(),
                    trade_no: preview.payment.trade_no.clone(),
                    left: format_price(preview.payment.left(), currency),
                };
                Ok(Page::new(page).into())
            }
            Err(e) => match refused(e) {
                Err(None) => Ok(see_other(&order_url(&number))),
                Err(Some((error, status))) => again(layout, error, status).await,
                Ok(db) => Err(db.into()),
            },
        };
    }
    match refunds::request(
        &state.payments,
        &admin.actor(),
        &number,
        minor,
        transaction,
        &form.reason,
    )
    .await
    {
        Ok(Requested::Accepted { mer_track_no }) => flash::push(
            &session,
            "success",
            layout
                .tr("admin.order.refund_accepted")
                .replace("{track}", &mer_track_no),
        ),
        Ok(Requested::Refused {
            mer_track_no,
            message,
        }) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.order.refund_refused")
                .replace("{track}", &mer_track_no)
                .replace("{message}", &message),
        ),
        Ok(Requested::Unknown { mer_track_no }) => flash::push(
            &session,
            "info",
            layout
                .tr("admin.order.refund_unknown")
                .replace("{track}", &mer_track_no),
        ),
        Err(e) => match refused(e) {
            Err(None) => return Ok(see_other(&order_url(&number))),
            Err(Some((error, status))) => return again(layout, error, status).await,
            Ok(db) => return Err(db.into()),
        },
    }
    Ok(see_other(&order_url(&number)))
}

async fn authorization(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: String,
    post: AdminForm<Empty>,
    operation: Operation,
) -> Result<HttpResponse, AppError> {
    let op = operation.as_str();
    match capture::run(&state.payments, &post.admin.actor(), &number, operation).await {
        Ok(Done::Succeeded) => flash::push(
            &session,
            "success",
            layout.tr(&format!("admin.order.{op}_done")),
        ),
        Ok(Done::Pending) => {
            flash::push(&session, "info", layout.tr("admin.order.authorize_pending"))
        }
        Ok(Done::Refused(why)) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.order.authorize_refused")
                .replace("{message}", &why),
        ),
        Ok(Done::Unknown(_)) => {
            flash::push(&session, "info", layout.tr("admin.order.authorize_unknown"));
        }
        Err(CaptureError::NotFound) => return Err(AppError::NotFound),
        Err(CaptureError::Blocked(why)) => flash::push(&session, "error", layout.tr(why.key())),
        Err(CaptureError::Db(e)) => return Err(e.into()),
    }
    Ok(see_other(&order_url(&number)))
}

/// Captures the authorized payment.
pub async fn capture(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    authorization(
        layout,
        session,
        state,
        number.into_inner(),
        post,
        Operation::Capture,
    )
    .await
}

/// Voids the authorized payment.
pub async fn void(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    authorization(
        layout,
        session,
        state,
        number.into_inner(),
        post,
        Operation::Void,
    )
    .await
}

/// Asks AsiaBill about the order's payments and applies what it says.
pub async fn sync(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let report = transactions::sync(&state.payments, &post.admin.actor(), &number).await?;
    let Some(report) = report else {
        return Err(AppError::NotFound);
    };
    let message = if report.is_empty() {
        layout.tr("admin.order.sync_nothing").to_owned()
    } else {
        let lines: Vec<String> = report
            .iter()
            .map(|s| format!("{}: {}", s.order_no, s.result.render(layout.language)))
            .collect();
        format!("{} {}", layout.tr("admin.order.synced"), lines.join("; "))
    };
    flash::push(&session, "info", message);
    Ok(see_other(&order_url(&number)))
}

/// The shipment form.
#[derive(Deserialize)]
pub struct ShipPost {
    #[serde(default)]
    lc_code: String,
    #[serde(default)]
    tracking_number: String,
    #[serde(default)]
    tracking_url: String,
}

/// Records a shipment, emails the shopper and uploads the tracking to AsiaBill.
pub async fn ship(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<ShipPost>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let AdminForm { admin, form } = post;
    let input = ShipmentInput {
        lc_code: form.lc_code.clone(),
        tracking_number: form.tracking_number.clone(),
        tracking_url: form.tracking_url.clone(),
    };
    let input = match input.validate() {
        Ok(input) => input,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|(field, key)| (field, layout.tr(key).to_owned()))
                .collect();
            let forms = Forms {
                refund: None,
                ship: Some(ShipForm {
                    lc_code: form.lc_code,
                    tracking_number: form.tracking_number,
                    tracking_url: form.tracking_url,
                    errors,
                }),
            };
            return render_order(
                layout,
                &admin,
                &state,
                number,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match shipping::ship(&state.payments, &admin.actor(), &number, input).await {
        Ok((_, Upload::Uploaded)) => {
            flash::push(&session, "success", layout.tr("admin.shipping.uploaded"));
        }
        Ok((_, Upload::Failed(why))) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.shipping.upload_failed")
                .replace("{message}", &why),
        ),
        Err(ShipError::NotFound) => return Err(AppError::NotFound),
        Err(ShipError::NotShippable(_)) => {
            flash::push(&session, "error", layout.tr("admin.order.not_shippable"));
        }
        Err(ShipError::Db(e)) => return Err(e.into()),
    }
    Ok(see_other(&order_url(&number)))
}

/// True when shipment `id` belongs to order `number`.
async fn shipment_of(state: &AppState, number: &str, id: i64) -> Result<bool, AppError> {
    let number = number.to_owned();
    state
        .db
        .run(move |conn| shipping::belongs_to(conn, &number, id))
        .await
        .map_err(AppError::from)
}

/// Uploads a shipment's tracking again (after a failure).
pub async fn retry_upload(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (number, id) = path.into_inner();
    if !shipment_of(&state, &number, id).await? {
        return Err(AppError::NotFound);
    }
    let actor = post.admin.actor();
    let result = shipping::upload(&state.payments, id, &actor.email).await?;
    let (recorded, target) = (format!("{result:?}"), number.clone());
    state
        .db
        .run(move |conn| {
            audit::record(
                conn,
                &actor,
                "shipment.upload",
                Some(Target {
                    kind: "order",
                    id: &target,
                }),
                Some(serde_json::json!({ "shipment": id, "result": recorded })),
            )
        })
        .await?;
    match result {
        Upload::Uploaded => flash::push(&session, "success", layout.tr("admin.shipping.uploaded")),
        Upload::Failed(why) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.shipping.upload_failed")
                .replace("{message}", &why),
        ),
    }
    Ok(see_other(&order_url(&number)))
}

/// Asks AsiaBill for the carrier's status of a shipment.
pub async fn tracking_status(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (number, id) = path.into_inner();
    if !shipment_of(&state, &number, id).await? {
        return Err(AppError::NotFound);
    }
    match shipping::query_status(&state.payments, &post.admin.actor(), id).await {
        Ok(word) => flash::push(
            &session,
            "info",
            layout
                .tr("admin.shipping.status_is")
                .replace("{status}", &word),
        ),
        Err(why) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.shipping.status_failed")
                .replace("{message}", &why),
        ),
    }
    Ok(see_other(&order_url(&number)))
}
