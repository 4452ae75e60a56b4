//! The account's saved cards: `POST /account/cards/{id}/delete` (detached at AsiaBill, then
//! forgotten here) and `POST /account/cards/{id}/default`. The list is on the account page.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::{
    shoppers::cards::{self, CardError},
    web::{
        AppError, AppState, Layout,
        extract::{forms::CsrfForm, shopper::SignedIn},
        flash,
        render::see_other,
    },
};

/// The forms on one card carry only the CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Removes the card; another account's id is a 404. When AsiaBill cannot be reached the card
/// stays, and the shopper is told to try again.
pub async fn delete(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    match cards::remove(&state.payments, &signed_in.shopper, id.into_inner()).await {
        Ok(true) => flash::push(&session, "success", layout.tr("account.cards.removed")),
        Ok(false) => return Err(AppError::NotFound),
        Err(CardError::Gateway(e)) => {
            tracing::warn!(error = %e, "could not detach a saved card at AsiaBill");
            flash::push(&session, "error", layout.tr("account.cards.unreachable"));
        }
        Err(CardError::Db(e)) => return Err(e.into()),
    }
    Ok(see_other("/account#cards"))
}

/// Makes the card the one offered first; another account's id is a 404.
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
        .run(move |conn| cards::set_default(conn, shopper_id, id))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("account.cards.default_set"));
    Ok(see_other("/account#cards"))
}
