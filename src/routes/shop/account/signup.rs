//! `GET /account/signup` and `POST /account/signup`: a new account, signed in at once, with a
//! link to verify its email on its way.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::{next_or, sign_in_and_go};
use crate::routes::shop::checkout::Errors;
use crate::{
    domain::address::Problem,
    shoppers::{
        accounts::{self, SignUp, SignUpError},
        tokens::{self, Purpose},
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::{forms::CsrfForm, shopper::SignedIn},
        flash,
        render::see_other,
    },
};

/// The sign-up page.
#[derive(Template)]
#[template(path = "account/signup.html")]
pub struct SignUpPage {
    layout: Layout,
    email: String,
    full_name: String,
    next: String,
    errors: Errors,
    general_error: Option<String>,
}

/// `?next=`.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Shows the form; a signed-in shopper goes to their account.
pub async fn page(
    layout: Layout,
    signed_in: Option<SignedIn>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = next_or(query.next.as_deref(), "/account");
    if signed_in.is_some() {
        return see_other(&next);
    }
    let lang = layout.language;
    Page::new(SignUpPage {
        layout,
        email: String::new(),
        full_name: String::new(),
        next,
        errors: Errors::of([], lang),
        general_error: None,
    })
    .into()
}

/// The posted form.
#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    next: Option<String>,
}

/// Creates the account, queues the verification email and signs the shopper in; or shows the
/// form again with every problem beside its field.
pub async fn submit(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<SignUpForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let next = next_or(f.next.as_deref(), "/account");
    let lang = layout.language;
    let again_differs = f.password != f.password_again;
    let checked = SignUp::check(&f.email, &f.name, f.password);
    let problems = match (checked, again_differs) {
        (Ok(form), false) => Ok(form),
        (Ok(_), true) => Err(Vec::new()),
        (Err(p), _) => Err(p),
    };
    let form = match problems {
        Ok(form) => form,
        Err(mut list) => {
            if again_differs {
                list.push((
                    "password_again",
                    Problem {
                        key: "account.problem.password_again",
                        n: None,
                    },
                ));
            }
            let page = SignUpPage {
                errors: Errors::of(list, lang),
                email: f.email,
                full_name: f.name,
                next,
                general_error: None,
                layout,
            };
            return Ok(Page::new(page)
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into());
        }
    };
    // Argon2 takes tens of milliseconds of CPU: off the async executor.
    let password = form.password.clone();
    let hash = web::block(move || accounts::hash(&password))
        .await?
        .map_err(AppError::internal)?;
    let public_url = state.settings.public_url.clone();
    let created = state
        .db
        .run(move |conn| {
            let shopper = accounts::create(conn, &form, &hash, lang)?;
            tokens::send_link(conn, &shopper, Purpose::VerifyEmail, &public_url)?;
            Ok::<_, SignUpError>(shopper.id)
        })
        .await;
    let id = match created {
        Ok(id) => id,
        Err(SignUpError::Exists) => {
            let page = SignUpPage {
                general_error: Some(layout.tr("account.signup.exists").to_owned()),
                errors: Errors::of([], lang),
                email: f.email,
                full_name: f.name,
                next,
                layout,
            };
            return Ok(Page::new(page).status(StatusCode::CONFLICT).into());
        }
        Err(e) => return Err(AppError::internal(e)),
    };
    tracing::info!(shopper.id = id, "shopper account created");
    flash::push(&session, "success", layout.tr("account.signup.done"));
    sign_in_and_go(&req, &state, id, &next, |_| Ok(())).await
}
