//! The 3-D Secure page (section 8) behind `/threeds/{id}`: the `redirectUrl` of a
//! `/confirmCharge` with card `4000002500003155`, and the step after the hosted page for that
//! card. "Authenticate" approves, "Fail" fails; either way the shopper returns to `returnUrl`
//! with the signed parameters and the webhook goes out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::text::{Lang, Text};
use super::{Chrome, Framing, MessagePage, merchant_name, render, see_other, show_amount};
use crate::{Sandbox, THREE_DS_PAGE_PREFIX};

#[derive(Template)]
#[template(path = "threeds.html")]
struct ThreeDsPage {
    chrome: Chrome,
    t: &'static Text,
    merchant: String,
    order_no: String,
    amount: String,
    card: String,
    action: String,
}

/// The button pressed.
#[derive(Deserialize)]
pub(crate) struct Answer {
    result: String,
}

/// `GET /threeds/{id}`.
pub(crate) async fn show(
    req: HttpRequest,
    id: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let t = lang.text();
    let Some(tx) = super::is_token(&id)
        .then(|| sandbox.challenge(&id))
        .flatten()
    else {
        return MessagePage::not_found(lang, t.three_ds_gone);
    };
    let page = ThreeDsPage {
        chrome: Chrome::shopper(lang),
        t,
        merchant: merchant_name(&tx),
        order_no: tx.order_no.clone(),
        amount: show_amount(&tx.amount),
        card: tx.mask_card_no.clone().unwrap_or_default(),
        action: format!("{THREE_DS_PAGE_PREFIX}{id}?lang={}", lang.code()),
    };
    render(StatusCode::OK, &page, Framing::Any)
}

/// `POST /threeds/{id}` with `result=authenticate` or `result=fail`.
pub(crate) async fn complete(
    req: HttpRequest,
    id: web::Path<String>,
    answer: web::Form<Answer>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let authenticated = match answer.result.as_str() {
        "authenticate" => true,
        "fail" => false,
        _ => {
            return HttpResponse::BadRequest()
                .content_type("text/plain; charset=utf-8")
                .body("result must be authenticate or fail");
        }
    };
    match sandbox.complete_challenge(&id, authenticated) {
        Ok(done) => match done.return_url {
            Some(url) => see_other(&url),
            None => MessagePage::finished(lang, done.transaction.status, None),
        },
        Err(_) => MessagePage::not_found(lang, lang.text().three_ds_gone),
    }
}
