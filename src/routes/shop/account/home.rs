//! `GET /account`: "My account", with the account's orders, its saved addresses (and the form
//! to add one), and whether its email is verified.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::addresses::AddressForm;
use crate::{
    db::DbError,
    i18n::Lang,
    money::format_price,
    orders::view::print_address,
    routes::shop::checkout::{CountryOption, Errors, countries},
    shoppers::{
        accounts::Shopper,
        addresses::{self, SavedAddress},
        cards, history,
    },
    web::{AppError, AppState, Layout, Page, extract::shopper::SignedIn},
};

/// An order as the list shows it.
pub struct OrderRow {
    /// Human number.
    pub number: String,
    /// Link to its page.
    pub url: String,
    /// When it was placed.
    pub placed: String,
    /// The status word, for styling.
    pub status_key: &'static str,
    /// The status in the page's language.
    pub status_text: &'static str,
    /// Formatted total.
    pub total: String,
}

/// A saved address as the list shows it.
pub struct AddressRow {
    /// Row id, for the forms.
    pub id: i64,
    /// The address on one line.
    pub text: String,
    /// The phone.
    pub phone: String,
    /// True for the default.
    pub is_default: bool,
}

/// A saved card as the list shows it.
pub struct CardRow {
    /// Row id, for the forms.
    pub id: i64,
    /// "Visa •••• 4242".
    pub label: String,
    /// True for the default.
    pub is_default: bool,
}

/// The account page.
#[derive(Template)]
#[template(path = "account/home.html")]
pub struct AccountPage {
    layout: Layout,
    shopper: Shopper,
    orders: Vec<OrderRow>,
    /// "Showing the newest N of M", when there are more than one page holds.
    more_orders: Option<String>,
    addresses: Vec<AddressRow>,
    cards: Vec<CardRow>,
    /// Cards AsiaBill no longer holds, removed just now ("Visa •••• 4242").
    cards_dropped: Vec<String>,
    /// False when AsiaBill could not be asked which cards it holds.
    cards_checked: bool,
    form: AddressForm,
    errors: Errors,
    countries: Vec<CountryOption>,
}

fn order_row(o: history::PastOrder, lang: Lang) -> OrderRow {
    let total = match asiabill::Currency::parse(&o.currency) {
        Ok(c) => format_price(o.total_minor, c),
        Err(_) => format!("{} {}", o.total_minor, o.currency),
    };
    OrderRow {
        url: format!("/orders/{}", o.access_token),
        number: o.number,
        placed: o.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        status_key: o.status.as_str(),
        status_text: lang.tr(&format!("order.status.{}", o.status)),
        total,
    }
}

fn address_row(a: SavedAddress, lang: Lang) -> AddressRow {
    let printed = print_address(
        &a.first_name,
        &a.last_name,
        &a.address,
        &a.city,
        a.state.as_deref(),
        &a.zip,
        &a.country,
        lang,
    );
    AddressRow {
        id: a.id,
        text: printed.all_lines().join(", "),
        phone: a.phone,
        is_default: a.is_default,
    }
}

/// Renders the account page with the address form as given (empty, or sent back with its
/// problems).
pub async fn render(
    layout: Layout,
    state: &AppState,
    signed_in: SignedIn,
    form: AddressForm,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (cards, dropped, cards_checked) =
        cards::checked_list(&state.payments, &signed_in.shopper).await?;
    let id = signed_in.shopper.id;
    let ((orders, order_count), saved) = state
        .db
        .run(move |conn| Ok::<_, DbError>((history::list(conn, id)?, addresses::list(conn, id)?)))
        .await?;
    let lang = layout.language;
    let more_orders = (order_count > history::PAGE).then(|| {
        lang.tr("account.orders.more")
            .replace("{shown}", &history::PAGE.to_string())
            .replace("{count}", &order_count.to_string())
    });
    Ok(Page::new(AccountPage {
        shopper: signed_in.shopper,
        orders: orders.into_iter().map(|o| order_row(o, lang)).collect(),
        more_orders,
        addresses: saved.into_iter().map(|a| address_row(a, lang)).collect(),
        cards: cards
            .into_iter()
            .map(|c| CardRow {
                id: c.id,
                label: c.label(),
                is_default: c.is_default,
            })
            .collect(),
        cards_dropped: dropped.iter().map(|c| c.label()).collect(),
        cards_checked,
        form,
        errors,
        countries: countries(lang),
        layout,
    })
    .status(status)
    .into())
}

/// Shows the account.
pub async fn show(
    layout: Layout,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    let lang = layout.language;
    render(
        layout,
        &state,
        signed_in,
        AddressForm::default(),
        Errors::of([], lang),
        StatusCode::OK,
    )
    .await
}
