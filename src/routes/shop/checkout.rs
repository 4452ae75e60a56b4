//! `GET /checkout` (the address form) and `POST /checkout` (place the order, then 303 to its
//! payment page).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, Result, http::StatusCode, web};
use askama::Template;

use crate::{
    cart,
    domain::{address::Problem, country},
    i18n::Lang,
    money::format_price,
    orders::{
        checkout::{CheckoutInput, FieldProblems},
        create::{self, PlaceError},
        new_access_token,
    },
    routes::shop::payment::MethodChoice,
    shipping::rates::{self, Rates},
    shoppers::addresses,
    web::{
        AppError, AppState, Layout, Page,
        extract::{client_ip::client_ip, forms::CsrfForm, shopper::SignedIn},
        flash,
        layout::CART_ID,
        render::{see_other, set_retry_after},
    },
};

/// A country in the select.
pub struct CountryOption {
    /// ISO code.
    pub code: &'static str,
    /// Name in the page's language.
    pub name: &'static str,
}

/// The countries of the address select, named in `lang`.
pub fn countries(lang: Lang) -> Vec<CountryOption> {
    let zh = lang == Lang::ZhCn;
    country::LISTED
        .iter()
        .map(|(code, en, zh_name)| CountryOption {
            code,
            name: if zh { zh_name } else { en },
        })
        .collect()
}

/// A summary line beside the form.
pub struct SummaryLine {
    /// Product name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Formatted line total.
    pub total: String,
}

/// The checkout page.
#[derive(Template)]
#[template(path = "checkout/form.html")]
pub struct CheckoutPage {
    layout: Layout,
    form: CheckoutInput,
    errors: Errors,
    general_error: Option<String>,
    countries: Vec<CountryOption>,
    /// Signed in: the form offers to save the address to the account.
    signed_in: bool,
    /// The local methods enabled for the shop's currency (each checked against the billing
    /// country when the form is sent).
    methods: Vec<MethodChoice>,
    lines: Vec<SummaryLine>,
    /// The shipping methods offered, and the summary's shipping line.
    shipping: ShippingChoice,
    /// The code typed and what it takes off (`−$5.40`), when it applies.
    discount: Option<(String, String)>,
    total: String,
}

/// A shipping method as a radio button.
pub struct ShippingOption {
    /// `shipping_methods.id`, the radio's value.
    pub id: i64,
    /// Its name in the page's language.
    pub name: String,
    /// What it costs this cart (`Free`, `$6.00`), after the discount code typed, if any.
    pub price: String,
    /// How its price is reckoned (`$12.00 + $4.00/kg`); empty for a plain flat rate.
    pub terms: String,
    /// Checked.
    pub checked: bool,
}

/// A zone's methods.
pub struct ShippingGroup {
    /// The zone's name.
    pub zone: String,
    /// Its countries (`DE, FR`), empty for the rest of the world.
    pub countries: String,
    /// Its methods.
    pub options: Vec<ShippingOption>,
}

/// The shipping part of the checkout page: once the shipping country is known, its zone's
/// methods with one checked; before, every zone's, none checked (the server then takes the
/// first of the country's zone), so the page works without scripts.
pub struct ShippingChoice {
    /// False when the merchant set up no zones: shipping is free and nothing is asked.
    pub set_up: bool,
    /// The zones shown.
    pub groups: Vec<ShippingGroup>,
    /// The line above the methods: for which country they are, or how to see them.
    pub lead: String,
    /// No zone serves the country chosen: the shop does not ship there.
    pub not_shipped: Option<String>,
    /// The summary's shipping amount, once known.
    pub amount: Option<i64>,
    /// The summary's shipping line: the amount, or where it comes from.
    pub shown: String,
}

/// The shipping methods for `form`'s shipping country (all zones' while it has none), each
/// priced for goods of `subtotal` (after the discount) weighing `weight_grams`.
fn shipping_choice(
    rates: &Rates,
    form: &CheckoutInput,
    subtotal: i64,
    weight_grams: i64,
    lang: Lang,
    currency: asiabill::Currency,
) -> ShippingChoice {
    let free = lang.tr("order.free_shipping");
    let price_text = |minor: i64| {
        if minor == 0 {
            free.to_owned()
        } else {
            format_price(minor, currency)
        }
    };
    if rates.none_set_up() {
        return ShippingChoice {
            set_up: false,
            groups: Vec::new(),
            lead: String::new(),
            not_shipped: None,
            amount: Some(0),
            shown: free.to_owned(),
        };
    }
    let country = form.shipping_country();
    let chosen: Option<i64> = form.shipping_method.trim().parse().ok();
    let served = (!country.is_empty())
        .then(|| rates.zone_for(&country))
        .flatten()
        .filter(|(_, methods)| !methods.is_empty());
    let group =
        |zone: &rates::Zone, methods: &[rates::Method], checked: Option<i64>| ShippingGroup {
            zone: zone.name.clone(),
            countries: zone.countries_shown(),
            options: methods
                .iter()
                .map(|m| ShippingOption {
                    id: m.id,
                    name: m.name(lang).to_owned(),
                    price: price_text(m.price(weight_grams, subtotal)),
                    // A flat rate that is never free says no more than its price.
                    terms: if m.kind == rates::RateKind::Flat && m.free_over_minor.is_none() {
                        String::new()
                    } else {
                        m.terms(currency, lang)
                    },
                    checked: checked == Some(m.id),
                })
                .collect(),
        };
    let country_name = country::name(&country, lang);
    match served {
        Some((zone, methods)) => {
            // The shopper's choice when this zone offers it, else the zone's first, as the
            // order would take.
            let method = chosen
                .and_then(|id| methods.iter().find(|m| m.id == id))
                .or(methods.first());
            ShippingChoice {
                set_up: true,
                groups: vec![group(zone, methods, method.map(|m| m.id))],
                lead: lang
                    .tr("checkout.shipping_method.for_country")
                    .replace("{country}", country_name),
                not_shipped: None,
                amount: method.map(|m| m.price(weight_grams, subtotal)),
                shown: method
                    .map_or_else(String::new, |m| price_text(m.price(weight_grams, subtotal))),
            }
        }
        None => ShippingChoice {
            set_up: true,
            groups: rates
                .zones
                .iter()
                .filter(|(_, methods)| !methods.is_empty())
                .map(|(zone, methods)| group(zone, methods, chosen))
                .collect(),
            lead: lang.tr("checkout.shipping_method.hint").to_owned(),
            not_shipped: (!country.is_empty()).then(|| {
                lang.tr("checkout.shipping_method.not_shipped_to")
                    .replace("{country}", country_name)
            }),
            amount: None,
            shown: lang.tr("checkout.shipping_method.from_address").to_owned(),
        },
    }
}

/// Translated problems by field, for the template.
pub struct Errors {
    messages: std::collections::BTreeMap<String, String>,
}

impl Errors {
    /// The problems of a checked form, each in `lang`.
    pub fn new(problems: &FieldProblems, lang: Lang) -> Self {
        Self::of(problems.iter().map(|(f, p)| (f.as_str(), *p)), lang)
    }

    /// The problems listed as (field, problem), each in `lang`.
    pub fn of<'a>(problems: impl IntoIterator<Item = (&'a str, Problem)>, lang: Lang) -> Self {
        Errors {
            messages: problems
                .into_iter()
                .map(|(field, p)| (field.to_owned(), text(p, lang)))
                .collect(),
        }
    }

    /// The message for `field`, if it has a problem.
    /// Takes anything printable, since templates build names such as `prefix ~ "_city"`.
    pub fn get(&self, field: impl std::fmt::Display) -> Option<&str> {
        self.messages.get(&field.to_string()).map(String::as_str)
    }

    /// True when any field has a problem.
    pub fn any(&self) -> bool {
        !self.messages.is_empty()
    }
}

/// A problem's message in `lang`, its limit filled in.
pub fn text(problem: Problem, lang: Lang) -> String {
    let t = lang.tr(problem.key);
    match problem.n {
        Some(n) => t.replace("{n}", &n.to_string()),
        None => t.to_owned(),
    }
}

/// Shows the form, pre-filled with a fresh idempotency key and, for a signed-in shopper, the
/// account's email and preferred saved address; an empty cart goes back to the cart.
pub async fn show(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: Option<SignedIn>,
) -> Result<HttpResponse, AppError> {
    let mut form = CheckoutInput {
        shipping_same: Some("on".into()),
        payment_mode: "insite".into(),
        idempotency_key: new_access_token(),
        ..CheckoutInput::default()
    };
    if let Some(account) = &signed_in {
        let shopper_id = account.shopper.id;
        let saved = state
            .db
            .run(move |conn| addresses::preferred(conn, shopper_id))
            .await?;
        form.prefill(&account.shopper.email, saved.as_ref());
    }
    page(
        layout,
        &session,
        &state,
        signed_in.as_ref(),
        form,
        FieldProblems::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Checks the form; re-renders it with every field kept and each problem beside its field, or
/// places the order and moves to payment.
pub async fn submit(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: Option<SignedIn>,
    form: CsrfForm<CheckoutInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.0;
    if input.wants_quote() {
        // "Show the shipping options": the page again for the address typed, nothing placed.
        let account = signed_in.as_ref();
        let (problems, status) = (FieldProblems::new(), StatusCode::OK);
        return page(
            layout, &session, &state, account, input, problems, None, status,
        )
        .await;
    }
    let checked = input.check().and_then(|c| {
        // A local method must be enabled and serve the shop's currency and the billing country.
        match c.method {
            Some(m)
                if !state.settings.gateway.payment_methods.contains(&m)
                    || !m.serves(state.settings.currency.code(), &c.billing.country) =>
            {
                let mut problems = FieldProblems::new();
                problems.insert(
                    "payment_mode".into(),
                    Problem {
                        key: "checkout.method_unavailable",
                        n: None,
                    },
                );
                Err(problems)
            }
            _ => Ok(c),
        }
    });
    let checkout = match checked {
        Ok(c) => c,
        Err(problems) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let account = signed_in.as_ref();
            return page(
                layout, &session, &state, account, input, problems, None, status,
            )
            .await;
        }
    };
    let settings = &state.settings;
    let ctx = create::Context {
        currency: settings.currency,
        lang: layout.language,
        customer_ip: client_ip(&req, &settings.trusted_proxies),
        user_agent: req
            .headers()
            .get("User-Agent")
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(500).collect()),
        reservation: settings.reservation,
        public_url: settings.public_url.clone(),
        limits: settings.checkout_limits,
        shopper_id: signed_in.as_ref().map(|s| s.shopper.id),
        prices_include_tax: settings.prices_include_tax,
    };
    let cart_id = session.get::<i64>(CART_ID).ok().flatten();
    let mode = checkout.mode;
    let method = checkout.method;
    let save_address = input.saves_address() && ctx.shopper_id.is_some();
    let placed = state
        .db
        .run(move |conn| {
            let placed = create::place(conn, cart_id, &checkout, &ctx)?;
            if let (true, Some(shopper_id)) = (save_address && placed.created, ctx.shopper_id) {
                // The order is placed whatever happens here: an account that is full keeps the
                // addresses it has.
                match addresses::save(conn, shopper_id, &checkout.billing, &checkout.phone) {
                    Ok(_) | Err(addresses::SaveError::Full) => {}
                    Err(addresses::SaveError::Db(e)) => return Err(PlaceError::Db(e)),
                }
            }
            Ok(placed)
        })
        .await;
    match placed {
        Ok(order) => {
            if order.created {
                tracing::info!(order.number = %order.number, "order placed");
            }
            let chosen = method.map(|m| format!("&method={}", m.key));
            Ok(see_other(&format!(
                "/orders/{}/pay?mode={}{}",
                order.access_token,
                mode.as_str(),
                chosen.unwrap_or_default()
            )))
        }
        Err(PlaceError::EmptyCart) => {
            flash::push(&session, "error", layout.tr("checkout.empty_cart"));
            Ok(see_other("/cart"))
        }
        Err(PlaceError::NotEnoughStock(name)) => {
            let message = layout.tr("checkout.sold_out").replace("{name}", &name);
            let status = StatusCode::CONFLICT;
            page(
                layout,
                &session,
                &state,
                signed_in.as_ref(),
                input,
                FieldProblems::new(),
                Some(message),
                status,
            )
            .await
        }
        Err(PlaceError::TooManyCheckouts { retry_after }) => {
            // Whole minutes, rounded up, so that "try again in 1 minute" is never too early.
            let minutes = retry_after.as_secs().div_ceil(60).max(1);
            tracing::warn!(
                client.ip = %client_ip(&req, &settings.trusted_proxies),
                retry_after_s = retry_after.as_secs(),
                "checkout refused: hourly limit reached"
            );
            let message = layout
                .tr("checkout.too_many")
                .replace("{minutes}", &minutes.to_string());
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut response = page(
                layout,
                &session,
                &state,
                signed_in.as_ref(),
                input,
                FieldProblems::new(),
                Some(message),
                status,
            )
            .await?;
            set_retry_after(&mut response, minutes * 60);
            Ok(response)
        }
        Err(PlaceError::Discount(refusal)) => {
            let mut problems = FieldProblems::new();
            problems.insert(
                "discount_code".into(),
                Problem {
                    key: refusal.key(),
                    n: None,
                },
            );
            // The minimum is money, which a field message's number cannot show.
            let general = match refusal {
                crate::discounts::Refusal::BelowMinimum(min) => Some(
                    layout
                        .tr("checkout.discount.minimum_amount")
                        .replace("{amount}", &format_price(min, settings.currency)),
                ),
                _ => None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                layout,
                &session,
                &state,
                signed_in.as_ref(),
                input,
                problems,
                general,
                status,
            )
            .await
        }
        Err(PlaceError::Shipping(refusal)) => {
            let mut problems = FieldProblems::new();
            problems.insert(
                "shipping_method".into(),
                Problem {
                    key: refusal.key(),
                    n: None,
                },
            );
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                layout,
                &session,
                &state,
                signed_in.as_ref(),
                input,
                problems,
                None,
                status,
            )
            .await
        }
        Err(PlaceError::Db(e)) => Err(e.into()),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "each caller fills a different part of the page"
)]
async fn page(
    layout: Layout,
    session: &Session,
    state: &AppState,
    signed_in: Option<&SignedIn>,
    form: CheckoutInput,
    problems: FieldProblems,
    general_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let cart_id = session.get::<i64>(CART_ID).ok().flatten();
    let currency = state.settings.currency;
    let code = form.discount_code.trim().to_owned();
    let (lines, rates, discount) = match cart_id {
        Some(id) => {
            state
                .db
                .run(move |conn| {
                    let lines = cart::lines(conn, id)?;
                    // The code typed so far, as the order would apply it: the shipping
                    // threshold is on the goods after it, so the methods must be priced so too.
                    let discount = if code.is_empty() {
                        None
                    } else {
                        let subtotal = cart::subtotal(&lines);
                        crate::discounts::preview(
                            conn,
                            &code,
                            subtotal,
                            currency.code(),
                            crate::db::now(),
                        )?
                    };
                    let rates = rates::load(conn, currency)?;
                    Ok::<_, crate::db::DbError>((lines, rates, discount))
                })
                .await?
        }
        None => (Vec::new(), Rates::default(), None),
    };
    if lines.is_empty() {
        flash::push(session, "info", layout.tr("checkout.empty_cart"));
        return Ok(see_other("/cart"));
    }
    let zh = layout.language == Lang::ZhCn;
    let subtotal = cart::subtotal(&lines);
    let goods = subtotal - discount.as_ref().map_or(0, |(_, minor)| *minor);
    let weight = rates::cart_weight(&lines);
    let shipping = shipping_choice(&rates, &form, goods, weight, layout.language, currency);
    let page = CheckoutPage {
        errors: Errors::new(&problems, layout.language),
        general_error,
        countries: countries(layout.language),
        signed_in: signed_in.is_some(),
        methods: state
            .settings
            .gateway
            .payment_methods
            .iter()
            .filter(|m| m.currencies.contains(&currency.code()))
            .map(|m| MethodChoice {
                key: m.key,
                name: m.name(layout.language),
                logo: m.logo(),
            })
            .collect(),
        total: format_price(goods.saturating_add(shipping.amount.unwrap_or(0)), currency),
        discount: discount
            .map(|(code, minor)| (code, format!("−{}", format_price(minor, currency)))),
        shipping,
        lines: lines
            .iter()
            .map(|l| SummaryLine {
                name: l.full_name(zh),
                quantity: l.quantity,
                total: format_price(l.total_minor().unwrap_or(i64::MAX), currency),
            })
            .collect(),
        form,
        layout,
    };
    Ok(Page::new(page).status(status).into())
}
