//! Turning an order (and what happened to it) into an email's subject, text and HTML.

use asiabill::Currency;
use askama::Template;
use diesel::prelude::*;

use super::{EmailKind, Subject};
use crate::{
    db::{
        DbConnection, DbError,
        models::{Order, OrderLine, PaymentAttempt, Refund, Shipment},
        schema::{order_lines, orders, payment_attempts, refunds, shipments},
    },
    i18n::Lang,
    money::format_price,
    orders::view::{AddressOf, printed_address},
};

/// A rendered email.
pub struct Rendered {
    pub lang: Lang,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A line as the email lists it.
pub struct EmailLine {
    pub name: String,
    pub quantity: i64,
    pub total: String,
}

/// What both email templates show.
pub struct EmailView {
    pub lang: Lang,
    pub kind: &'static str,
    pub number: String,
    pub name: String,
    pub lines: Vec<EmailLine>,
    /// The discount code and what it took off, when one was applied.
    pub discount: Option<(String, String)>,
    /// The tax line of the totals, when the order carries tax.
    pub tax: Option<(String, String)>,
    /// The shipping line of the totals: the method's name (none when the shop has no
    /// shipping zones) and the amount (`Free` when nothing).
    pub shipping: (Option<String>, String),
    pub total: String,
    pub order_url: String,
    pub shipping_address: String,
    pub failure_reason: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub refund_amount: Option<String>,
    /// An extra charge of the saved card: its amount.
    pub charge_amount: Option<String>,
    /// A note from the merchant: its words.
    pub note: Option<String>,
}

impl EmailView {
    /// UI text in the email's language.
    pub fn tr(&self, key: &str) -> &'static str {
        self.lang.tr(key)
    }
}

#[derive(Template)]
#[template(path = "emails/email.txt")]
struct TextEmail<'a> {
    v: &'a EmailView,
}

#[derive(Template)]
#[template(path = "emails/email.html")]
struct HtmlEmail<'a> {
    v: &'a EmailView,
}

pub fn render(
    conn: &mut DbConnection,
    kind: EmailKind,
    order_id: i64,
    subject: Subject,
    public_url: &str,
) -> Result<Rendered, DbError> {
    let order: Order = orders::table
        .find(order_id)
        .select(Order::as_select())
        .first(conn)?;
    let lines: Vec<OrderLine> = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order(order_lines::id)
        .select(OrderLine::as_select())
        .load(conn)?;
    let lang = Lang::from_tag(&order.locale).unwrap_or_default();
    let currency = Currency::parse(&order.currency).ok();
    let price = |minor: i64| match currency {
        Some(c) => format_price(minor, c),
        None => format!("{minor} {}", order.currency),
    };
    let mut view = EmailView {
        lang,
        kind: kind.as_str(),
        number: order.number.clone(),
        name: order.billing_first_name.clone(),
        lines: lines
            .iter()
            .map(|l| EmailLine {
                name: l.full_name(),
                quantity: l.quantity,
                total: price(l.line_total_minor),
            })
            .collect(),
        discount: crate::discounts::shown(&order, &price),
        tax: crate::taxes::shown(&order, &price, lang),
        shipping: crate::shipping::rates::shown(&order, &price, lang),
        total: price(order.total_minor),
        order_url: format!("{public_url}/orders/{}", order.access_token),
        shipping_address: printed_address(&order, AddressOf::Shipping, lang)
            .all_lines()
            .join(", "),
        failure_reason: None,
        carrier: None,
        tracking_number: None,
        tracking_url: None,
        refund_amount: None,
        charge_amount: None,
        note: None,
    };
    match subject {
        Subject::Order => {}
        Subject::Attempt(id) => {
            let attempt: PaymentAttempt = payment_attempts::table
                .find(id)
                .select(PaymentAttempt::as_select())
                .first(conn)?;
            if kind == EmailKind::ExtraCharge {
                view.charge_amount = Some(price(attempt.amount_minor));
            } else {
                view.failure_reason = Some(
                    lang.shopper_reason(attempt.gateway_message.as_deref().unwrap_or_default())
                        .to_owned(),
                );
            }
        }
        Subject::Shipment(id) => {
            let shipment: Shipment = shipments::table
                .find(id)
                .select(Shipment::as_select())
                .first(conn)?;
            view.carrier = Some(shipment.carrier);
            view.tracking_number = Some(shipment.tracking_number);
            view.tracking_url = shipment.tracking_url;
        }
        Subject::Refund(id) => {
            let refund: Refund = refunds::table
                .find(id)
                .select(Refund::as_select())
                .first(conn)?;
            view.refund_amount = Some(price(refund.amount_minor));
        }
        Subject::Note(id) => view.note = Some(crate::orders::notes::body(conn, id)?),
    }
    let subject = lang
        .tr(&format!("email.{}.subject", kind.as_str()))
        .replace("{number}", &order.number);
    let text = TextEmail { v: &view }
        .render()
        .map_err(|e| DbError::Render(format!("the {} email: {e}", kind.as_str())))?;
    let html = HtmlEmail { v: &view }
        .render()
        .map_err(|e| DbError::Render(format!("the {} email: {e}", kind.as_str())))?;
    Ok(Rendered {
        lang,
        to: order.email,
        subject,
        text,
        html,
    })
}
