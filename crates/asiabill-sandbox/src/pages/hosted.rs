//! The hosted payment page behind `redirectUrl` of `/checkout/payment` (section 5.5): the
//! order summary and a card form; then 3-D Secure when the card asks for it; then a 303 to the
//! merchant's `returnUrl` with the signed parameters of section 9. "Cancel" ends the payment
//! `fail` with `E0008:Customer Cancel`. The webhook goes out through the same library calls.
//! A checkout with a local `paymentMethod` is sent on to its own page (`pages::local`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::text::{Lang, Text};
use super::{Chrome, Framing, MessagePage, merchant_name, render, see_other, show_amount};
use crate::cards::{CardInput, check_month, check_number, check_security_code, check_year};
use crate::envelope::codes;
use crate::payments::PaymentStep;
use crate::state::Transaction;
use crate::wire::GoodsDetail;
use crate::{HOSTED_PAGE_PREFIX, Sandbox, THREE_DS_PAGE_PREFIX};

/// The codes of a refused card.
const CARD_CODES: [&str; 4] = [
    codes::BAD_CARD_NUMBER,
    codes::BAD_EXPIRY_MONTH,
    codes::BAD_EXPIRY_YEAR,
    codes::BAD_CVV,
];

/// The card form as posted. Deliberately not `Debug`: it holds the card number and CVV.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CardForm {
    card_no: String,
    card_expire_month: String,
    card_expire_year: String,
    card_security_code: String,
    card_holder_name: String,
}

/// A message next to each field that failed its check.
#[derive(Default)]
pub(crate) struct FieldErrors {
    card_no: Option<&'static str>,
    card_expire_month: Option<&'static str>,
    card_expire_year: Option<&'static str>,
    card_security_code: Option<&'static str>,
    card_holder_name: Option<&'static str>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.card_no.is_some()
            || self.card_expire_month.is_some()
            || self.card_expire_year.is_some()
            || self.card_security_code.is_some()
            || self.card_holder_name.is_some()
    }

    /// The field error matching a card check's code, when the library refuses a card the
    /// form let through.
    fn from_code(code: &str, t: &Text) -> Self {
        let mut errors = FieldErrors::default();
        match code {
            codes::BAD_EXPIRY_MONTH => errors.card_expire_month = Some(t.err_expiry_month),
            codes::BAD_EXPIRY_YEAR => errors.card_expire_year = Some(t.err_expiry_year),
            codes::BAD_CVV => errors.card_security_code = Some(t.err_security_code),
            _ => errors.card_no = Some(t.err_card_number),
        }
        errors
    }
}

impl CardForm {
    /// The card, or a message for every field that fails the same checks as
    /// `/payment_methods` (Luhn, expiry in the future within 10 years, CVV) plus a name.
    fn validate(&self, t: &Text) -> Result<CardInput, FieldErrors> {
        let card_no: String = self
            .card_no
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let mut month = self.card_expire_month.trim().to_owned();
        if month.len() == 1 {
            month.insert(0, '0');
        }
        let year = self.card_expire_year.trim();
        let cvv = self.card_security_code.trim();
        let holder = self.card_holder_name.trim();
        let month_number = check_month(&month).ok();
        let errors = FieldErrors {
            card_no: check_number(&card_no).err().map(|_| t.err_card_number),
            card_expire_month: month_number.is_none().then_some(t.err_expiry_month),
            card_expire_year: check_year(year, month_number)
                .err()
                .map(|_| t.err_expiry_year),
            card_security_code: check_security_code(cvv).err().map(|_| t.err_security_code),
            card_holder_name: (holder.is_empty() || holder.chars().count() > 50)
                .then_some(t.err_cardholder),
        };
        if errors.any() {
            return Err(errors);
        }
        Ok(CardInput {
            card_no,
            card_expire_month: month,
            card_expire_year: year.to_owned(),
            card_security_code: cvv.to_owned(),
            issuing_bank: None,
        })
    }
}

#[derive(Template)]
#[template(path = "hosted.html")]
struct HostedPage<'a> {
    chrome: Chrome,
    t: &'static Text,
    merchant: String,
    order_no: &'a str,
    goods: &'a [GoodsDetail],
    currency: &'static str,
    amount: String,
    action: String,
    cancel_action: String,
    /// What the shopper typed, shown again after a refusal; never the CVV.
    card_no: &'a str,
    card_expire_month: &'a str,
    card_expire_year: &'a str,
    card_holder_name: &'a str,
    errors: FieldErrors,
}

fn page_url(token: &str, lang: Lang) -> String {
    format!("{HOSTED_PAGE_PREFIX}{token}?lang={}", lang.code())
}

fn render_form(
    status: StatusCode,
    lang: Lang,
    tx: &Transaction,
    token: &str,
    form: &CardForm,
    errors: FieldErrors,
) -> HttpResponse {
    let t = lang.text();
    let page = HostedPage {
        chrome: Chrome::shopper(lang),
        t,
        merchant: merchant_name(tx),
        order_no: &tx.order_no,
        goods: &tx.goods,
        currency: tx.amount.currency().code(),
        amount: show_amount(&tx.amount),
        action: page_url(token, lang),
        cancel_action: format!("{HOSTED_PAGE_PREFIX}{token}/cancel?lang={}", lang.code()),
        card_no: &form.card_no,
        card_expire_month: &form.card_expire_month,
        card_expire_year: &form.card_expire_year,
        card_holder_name: &form.card_holder_name,
        errors,
    };
    render(status, &page, Framing::Deny)
}

/// The hosted checkout `token`, if it exists and its id can be put back into a URL.
fn session(sandbox: &Sandbox, token: &str) -> Option<Transaction> {
    super::is_token(token)
        .then(|| sandbox.hosted_session(token))
        .flatten()
}

/// Where a checkout that can no longer take a card sends the shopper: the page of its local
/// method, its open 3DS challenge, or a page saying how it ended with the signed way back.
fn not_payable(sandbox: &Sandbox, tx: &Transaction, lang: Lang) -> Option<HttpResponse> {
    if let Some(token) = tx
        .hosted_token
        .as_deref()
        .filter(|_| tx.local_method().is_some())
    {
        return Some(see_other(&super::local::page_url(token, lang)));
    }
    if let Some(id) = &tx.challenge_id {
        return Some(see_other(&format!(
            "{THREE_DS_PAGE_PREFIX}{id}?lang={}",
            lang.code()
        )));
    }
    // A card already given and still pending is a payment held by the hold-pending switch.
    if !tx.awaits_shopper() {
        return Some(MessagePage::finished(
            lang,
            tx.status,
            sandbox.return_url(&tx.trade_no),
        ));
    }
    None
}

/// `GET /checkout/pay/{token}`.
pub(crate) async fn show(
    req: HttpRequest,
    token: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let Some(tx) = session(&sandbox, &token) else {
        return MessagePage::not_found(lang, lang.text().not_found_body);
    };
    if let Some(response) = not_payable(&sandbox, &tx, lang) {
        return response;
    }
    render_form(
        StatusCode::OK,
        lang,
        &tx,
        &token,
        &CardForm::default(),
        FieldErrors::default(),
    )
}

/// `POST /checkout/pay/{token}`: the card form.
pub(crate) async fn pay(
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<CardForm>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let t = lang.text();
    let Some(tx) = session(&sandbox, &token) else {
        return MessagePage::not_found(lang, t.not_found_body);
    };
    if not_payable(&sandbox, &tx, lang).is_some() {
        return see_other(&page_url(&token, lang));
    }
    let card = match form.validate(t) {
        Ok(card) => card,
        Err(errors) => {
            return render_form(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &tx,
                &token,
                &form,
                errors,
            );
        }
    };
    match sandbox.pay_hosted(&token, &card) {
        Ok(PaymentStep::Completed(done)) => {
            see_other(&done.return_url.unwrap_or_else(|| page_url(&token, lang)))
        }
        Ok(PaymentStep::Challenge { challenge_id, .. }) => see_other(&format!(
            "{THREE_DS_PAGE_PREFIX}{challenge_id}?lang={}",
            lang.code()
        )),
        Err(rejection) if CARD_CODES.contains(&rejection.code) => render_form(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            &tx,
            &token,
            &form,
            FieldErrors::from_code(rejection.code, t),
        ),
        // Paid or cancelled meanwhile (another tab): the page says how it ended.
        Err(_) => see_other(&page_url(&token, lang)),
    }
}

/// `POST /checkout/pay/{token}/cancel`: back to the merchant, `fail`, `E0008:Customer Cancel`.
pub(crate) async fn cancel(
    req: HttpRequest,
    token: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let Some(tx) = session(&sandbox, &token) else {
        return MessagePage::not_found(lang, lang.text().not_found_body);
    };
    // Waiting on 3DS, held or ended: nothing left to cancel. A local method's checkout may be
    // cancelled here too, as on its own page.
    if tx.challenge_id.is_some() || !tx.awaits_shopper() {
        return see_other(&page_url(&token, lang));
    }
    match sandbox.cancel_hosted(&token) {
        Ok(done) => see_other(&done.return_url.unwrap_or_else(|| page_url(&token, lang))),
        Err(_) => see_other(&page_url(&token, lang)),
    }
}
