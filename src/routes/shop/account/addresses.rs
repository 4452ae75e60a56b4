//! The account's saved addresses: `POST /account/addresses` (add),
//! `POST /account/addresses/{id}/default` and `POST /account/addresses/{id}/delete`.

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use crate::{
    domain::address::{self, AddressInput},
    routes::shop::checkout::Errors,
    shoppers::addresses::{self as saved, SaveError},
    web::{
        AppError, AppState, Layout,
        extract::{forms::CsrfForm, shopper::SignedIn},
        flash,
        render::see_other,
    },
};

/// The address form as posted (field names as the checkout's address block with the prefix
/// `address`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct AddressForm {
    pub address_first_name: String,
    pub address_last_name: String,
    pub address_address: String,
    pub address_city: String,
    pub address_state: String,
    pub address_zip: String,
    pub address_country: String,
    pub phone: String,
}

/// Saves the address, or shows the account page again with the form and its problems.
pub async fn add(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<AddressForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let lang = layout.language;
    let mut problems = Vec::new();
    let checked = AddressInput {
        first_name: &f.address_first_name,
        last_name: &f.address_last_name,
        line: &f.address_address,
        city: &f.address_city,
        state: &f.address_state,
        zip: &f.address_zip,
        country: &f.address_country,
    }
    .check()
    .map_err(|list| {
        for (field, p) in list {
            problems.push((format!("address_{field}"), p));
        }
    });
    let phone = address::phone(&f.phone).map_err(|p| problems.push(("phone".to_owned(), p)));
    let (Ok(checked), Ok(phone)) = (checked, phone) else {
        let errors = Errors::of(problems.iter().map(|(f, p)| (f.as_str(), *p)), lang);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return super::home::render(layout, &state, signed_in, f, errors, status).await;
    };
    let id = signed_in.shopper.id;
    let saved = state
        .db
        .run(move |conn| saved::save(conn, id, &checked, &phone))
        .await;
    match saved {
        Ok(_) => flash::push(&session, "success", lang.tr("account.addresses.saved")),
        Err(SaveError::Full) => flash::push(
            &session,
            "error",
            lang.tr("account.addresses.full")
                .replace("{n}", &saved::LIMIT.to_string()),
        ),
        Err(SaveError::Db(e)) => return Err(e.into()),
    }
    Ok(see_other("/account#addresses"))
}

/// The forms on one address carry only the CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Makes the address the default; another account's id is a 404.
pub async fn make_default(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (shopper_id, id) = (signed_in.shopper.id, id.into_inner());
    let found = state
        .db
        .run(move |conn| saved::set_default(conn, shopper_id, id))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    flash::push(
        &session,
        "success",
        layout.tr("account.addresses.default_set"),
    );
    Ok(see_other("/account#addresses"))
}

/// Deletes the address; another account's id is a 404.
pub async fn delete(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (shopper_id, id) = (signed_in.shopper.id, id.into_inner());
    let found = state
        .db
        .run(move |conn| saved::delete(conn, shopper_id, id))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("account.addresses.deleted"));
    Ok(see_other("/account#addresses"))
}
