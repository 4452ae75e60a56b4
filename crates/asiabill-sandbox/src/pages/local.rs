//! The pages of local payment methods (section 5.6) behind `redirectUrl` of a
//! `/checkout/payment` whose `paymentMethod` is one of [`crate::local::LOCAL_METHODS`]: a QR
//! code for wallets, a bank chooser for bank transfers, the provider's confirmation for
//! redirect methods. Each answer ends the payment through [`Sandbox::answer_local`], so the
//! webhook and the signed returnUrl are those of a card payment. A shopper who never answers
//! leaves the payment pending.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use super::text::{Lang, Text};
use super::{Chrome, Framing, MessagePage, merchant_name, render, see_other, show_amount};
use crate::local::{LocalFamily, LocalMethod, TEST_BANKS};
use crate::payments::Outcome;
use crate::state::Transaction;
use crate::{HOSTED_PAGE_PREFIX, LOCAL_PAGE_PREFIX, Sandbox};

#[derive(Template)]
#[template(path = "local.html")]
struct LocalPage {
    chrome: Chrome,
    t: &'static Text,
    method: &'static LocalMethod,
    family: &'static str,
    merchant: String,
    order_no: String,
    amount: String,
    action: String,
    /// The absolute URL the QR code encodes (QR family), else empty.
    scan_url: String,
    /// The QR code as inline SVG (QR family), else empty.
    qr_svg: String,
    banks: &'static [&'static str],
}

/// The button pressed: `approve`, `decline` or `cancel`, with the bank chosen (bank family).
#[derive(Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    action: String,
    bank: Option<String>,
}

/// The page of the local checkout `token`, in `lang`.
pub(crate) fn page_url(token: &str, lang: Lang) -> String {
    format!("{LOCAL_PAGE_PREFIX}{token}?lang={}", lang.code())
}

/// The hosted checkout `token` and its local method, if both exist.
fn session(sandbox: &Sandbox, token: &str) -> Option<(Transaction, &'static LocalMethod)> {
    let tx = super::is_token(token)
        .then(|| sandbox.hosted_session(token))
        .flatten()?;
    let method = tx.local_method()?;
    Some((tx, method))
}

/// The page saying how a payment that no longer awaits the shopper stands (ended, or held
/// pending after an approval), with the signed way back.
fn finished(sandbox: &Sandbox, tx: &Transaction, lang: Lang) -> HttpResponse {
    MessagePage::finished(lang, tx.status, sandbox.return_url(&tx.trade_no))
}

/// `url` as a QR code in inline SVG, without the XML declaration that HTML does not take.
fn qr_svg(url: &str, label: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{label}" id="qr-image" "#),
        1,
    ))
}

/// `GET /local/{token}`.
pub(crate) async fn show(
    req: HttpRequest,
    token: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let t = lang.text();
    let Some((tx, method)) = session(&sandbox, &token) else {
        // A card checkout's page is the card form.
        if super::is_token(&token) && sandbox.hosted_session(&token).is_some() {
            return see_other(&format!("{HOSTED_PAGE_PREFIX}{token}?lang={}", lang.code()));
        }
        return MessagePage::not_found(lang, t.not_found_body);
    };
    if !tx.awaits_shopper() {
        return finished(&sandbox, &tx, lang);
    }
    let (scan_url, qr_svg) = if method.family == LocalFamily::Qr {
        let scan_url = format!(
            "{}{LOCAL_PAGE_PREFIX}{token}/scan",
            crate::api::base_url(&req)
        );
        let svg = qr_svg(&scan_url, t.qr_image).unwrap_or_default();
        (scan_url, svg)
    } else {
        (String::new(), String::new())
    };
    let page = LocalPage {
        chrome: Chrome::shopper(lang),
        t,
        method,
        family: method.family.as_str(),
        merchant: merchant_name(&tx),
        order_no: tx.order_no.clone(),
        amount: show_amount(&tx.amount),
        action: page_url(&token, lang),
        scan_url,
        qr_svg,
        banks: &TEST_BANKS,
    };
    render(StatusCode::OK, &page, Framing::Deny)
}

/// `POST /local/{token}` with `action=approve|decline|cancel` (and `bank=` from the bank
/// chooser): 303 to the signed returnUrl.
pub(crate) async fn answer(
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<Answer>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let outcome = match form.action.as_str() {
        "approve" => Outcome::Approve,
        "decline" => Outcome::Decline,
        "cancel" => Outcome::Cancel,
        _ => return bad_request("action must be approve, decline or cancel"),
    };
    if form
        .bank
        .as_deref()
        .is_some_and(|bank| !TEST_BANKS.contains(&bank))
    {
        return bad_request("bank must be one of the test banks of the bank chooser");
    }
    end(&sandbox, &token, outcome, lang)
}

/// `GET /local/{token}/scan`: what the QR code encodes, opened by the wallet app on the
/// shopper's phone (or the "simulate" button): approves the payment and sends this browser
/// to the signed returnUrl.
pub(crate) async fn scan(
    req: HttpRequest,
    token: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    match session(&sandbox, &token) {
        Some((_, method)) if method.family == LocalFamily::Qr => {
            end(&sandbox, &token, Outcome::Approve, lang)
        }
        _ => MessagePage::not_found(lang, lang.text().not_found_body),
    }
}

/// Ends the local checkout `token` with `outcome` and sends the shopper back.
fn end(sandbox: &Sandbox, token: &str, outcome: Outcome, lang: Lang) -> HttpResponse {
    match sandbox.answer_local(token, outcome) {
        Ok(done) => match done.return_url {
            Some(url) => see_other(&url),
            None => MessagePage::finished(lang, done.transaction.status, None),
        },
        // Answered meanwhile (another tab, a second scan) or unknown: the page says how it
        // stands.
        Err(_) => see_other(&page_url(token, lang)),
    }
}

fn bad_request(message: &'static str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(message)
}
