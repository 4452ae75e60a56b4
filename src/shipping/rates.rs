//! Shipping rates: zones by country, the methods each zone offers, and what a cart's shipping
//! costs. (The rest of `shipping` is fulfilment: shipments and their tracking.)
//!
//! The rules, as the README tells merchants:
//!
//! - A zone lists countries. The zone listing the shipping address's country serves it; a
//!   country no zone lists is served by the zone that lists none ("rest of the world"), if the
//!   merchant made one; otherwise the checkout refuses the address, saying the shop does not
//!   ship there. With no zones at all, shipping is free and no method is asked for, as before
//!   rates existed: a shop upgraded from such a version keeps taking orders.
//! - A zone's methods are offered in their order, active ones in the shop's currency only; a
//!   checkout that names none takes the zone's first.
//! - A method costs a flat amount, or by weight: a base plus a rate for each kilogram started
//!   (1 g to 1000 g is one kilogram; a weightless cart pays the base). Weights are the
//!   products' `weight_grams` times the quantities.
//! - A method with a threshold is free once the subtotal after the discount reaches it: the
//!   threshold is on what the shopper pays for the goods, so a code never both lowers the price
//!   and earns free shipping the goods alone would not.
//! - Shipping is not taxed and not discounted: codes take off the subtotal, and taxes are on
//!   the lines (see `taxes`).
//!
//! The amount is computed once, when the order is placed (`orders::create`), and kept on the
//! order with the method's name, so a later change of rates never alters a placed order.

use asiabill::Currency;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    cart::CartLine,
    db::{
        DbConnection, DbError,
        schema::{shipping_methods, shipping_zones},
        write_transaction,
    },
    i18n::Lang,
    money::{
        amount::{self, AmountError},
        format_price,
    },
};

crate::text_enum! {
    /// How a method's price is reckoned, as stored in `shipping_methods.kind`.
    pub enum RateKind {
        /// One amount, whatever the cart weighs.
        Flat => "flat",
        /// A base plus a rate for each kilogram started.
        Weight => "weight",
    }
}

/// A shipping zone.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = shipping_zones)]
#[expect(missing_docs, reason = "fields mirror the shipping_zones columns")]
pub struct Zone {
    pub id: i64,
    pub name: String,
    pub countries: String,
    pub position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Zone {
    /// The ISO codes it lists, in the order stored.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.countries
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    /// True when it lists no country: it serves every country no other zone lists.
    pub fn is_rest_of_world(&self) -> bool {
        self.codes().next().is_none()
    }

    /// True when it lists `country`.
    pub fn lists(&self, country: &str) -> bool {
        self.codes().any(|c| c.eq_ignore_ascii_case(country))
    }

    /// Its countries for people, `DE, FR, GB`; empty for the rest of the world.
    pub fn countries_shown(&self) -> String {
        self.codes().collect::<Vec<_>>().join(", ")
    }
}

/// A shipping method of a zone.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = shipping_methods)]
#[expect(missing_docs, reason = "fields mirror the shipping_methods columns")]
pub struct Method {
    pub id: i64,
    pub zone_id: i64,
    pub name_en: String,
    pub name_zh: String,
    pub kind: RateKind,
    pub base_minor: i64,
    pub per_kg_minor: i64,
    pub free_over_minor: Option<i64>,
    pub currency: String,
    pub active: bool,
    pub position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Method {
    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn if !self.name_zh.is_empty() => &self.name_zh,
            _ => &self.name_en,
        }
    }

    /// What it costs to ship `weight_grams` with goods worth `subtotal_minor` after the
    /// discount.
    pub fn price(&self, weight_grams: i64, subtotal_minor: i64) -> i64 {
        price(
            self.kind,
            self.base_minor,
            self.per_kg_minor,
            self.free_over_minor,
            weight_grams,
            subtotal_minor,
        )
    }

    /// How its price is reckoned, for people: `$6.00`, `$12.00 + $4.00/kg`, each followed by
    /// `· free from $50.00` when it has a threshold.
    pub fn terms(&self, currency: Currency, lang: Lang) -> String {
        let money = |minor| format_price(minor, currency);
        let rate = match self.kind {
            RateKind::Flat => money(self.base_minor),
            RateKind::Weight => format!(
                "{} + {}/kg",
                money(self.base_minor),
                money(self.per_kg_minor)
            ),
        };
        match self.free_over_minor {
            Some(over) => format!(
                "{rate} · {}",
                lang.tr("checkout.shipping_method.free_from")
                    .replace("{amount}", &money(over))
            ),
            None => rate,
        }
    }
}

/// The order's shipping as its totals show it to the shopper: the method's name (none when
/// no zones were set up) and the amount, `Free` (in `lang`) when nothing.
pub fn shown(
    order: &crate::db::models::Order,
    price: &dyn Fn(i64) -> String,
    lang: Lang,
) -> (Option<String>, String) {
    let amount = if order.shipping_minor == 0 {
        lang.tr("order.free_shipping").to_owned()
    } else {
        price(order.shipping_minor)
    };
    (order.shipping_method.clone(), amount)
}

/// Kilograms started: 0 g is none, 1 g to 1000 g is one, 1001 g is two.
pub fn started_kg(weight_grams: i64) -> i64 {
    if weight_grams <= 0 {
        0
    } else {
        (weight_grams - 1) / 1000 + 1
    }
}

/// A rate's price in minor units: free when `free_over` is set and `subtotal` (after the
/// discount) reaches it; else `base` for a flat rate, or `base` plus `per_kg` for each kilogram
/// of `weight_grams` started. Saturates rather than overflows.
pub fn price(
    kind: RateKind,
    base: i64,
    per_kg: i64,
    free_over: Option<i64>,
    weight_grams: i64,
    subtotal: i64,
) -> i64 {
    if free_over.is_some_and(|over| subtotal >= over) {
        return 0;
    }
    match kind {
        RateKind::Flat => base,
        RateKind::Weight => base.saturating_add(per_kg.saturating_mul(started_kg(weight_grams))),
    }
}

/// The rates as they stand: every zone, with its active methods in the shop's currency.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    /// Zones in order, each with its methods in order.
    pub zones: Vec<(Zone, Vec<Method>)>,
}

/// Why the checkout's shipping was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No zone (with a method) serves the shipping address's country.
    #[error("no shipping to this country")]
    NotShipped,
    /// The method chosen is not one the country's zone offers (another zone's, switched off,
    /// or gone).
    #[error("this shipping method does not serve the country")]
    WrongMethod,
}

impl Refusal {
    /// The locale key of the message beside the checkout's shipping methods.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NotShipped => "checkout.shipping_method.not_shipped",
            Refusal::WrongMethod => "checkout.shipping_method.wrong_method",
        }
    }
}

impl Rates {
    /// True when the merchant set up no zone: shipping is free and no method is asked for.
    pub fn none_set_up(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zone serving `country`: the one listing it, else the rest of the world's.
    pub fn zone_for(&self, country: &str) -> Option<&(Zone, Vec<Method>)> {
        self.zones
            .iter()
            .find(|(z, _)| z.lists(country))
            .or_else(|| self.zones.iter().find(|(z, _)| z.is_rest_of_world()))
    }

    /// The method an order to `country` ships with: `chosen` when the country's zone offers
    /// it, else that zone's first when none was chosen; `None` when no zones are set up
    /// (shipping is free).
    pub fn choose(&self, country: &str, chosen: Option<i64>) -> Result<Option<&Method>, Refusal> {
        if self.none_set_up() {
            return Ok(None);
        }
        let methods = match self.zone_for(country) {
            Some((_, methods)) if !methods.is_empty() => methods,
            _ => return Err(Refusal::NotShipped),
        };
        match chosen {
            Some(id) => methods
                .iter()
                .find(|m| m.id == id)
                .map(Some)
                .ok_or(Refusal::WrongMethod),
            None => Ok(methods.first()),
        }
    }
}

/// The zones and their active methods in `currency` (methods of another currency were set
/// for a shop that has since changed its currency, and are not offered, as its products are
/// not).
pub fn load(conn: &mut DbConnection, currency: Currency) -> Result<Rates, DbError> {
    let zones = all_zones(conn)?;
    let methods: Vec<Method> = shipping_methods::table
        .filter(shipping_methods::active.eq(true))
        .filter(shipping_methods::currency.eq(currency.code()))
        .order((shipping_methods::position, shipping_methods::id))
        .select(Method::as_select())
        .load(conn)?;
    Ok(group(zones, methods))
}

fn group(zones: Vec<Zone>, methods: Vec<Method>) -> Rates {
    let mut zones: Vec<(Zone, Vec<Method>)> = zones.into_iter().map(|z| (z, Vec::new())).collect();
    for m in methods {
        if let Some((_, list)) = zones.iter_mut().find(|(z, _)| z.id == m.zone_id) {
            list.push(m);
        }
    }
    Rates { zones }
}

/// Every zone with every method (switched off ones too), for the merchant's page.
pub fn everything(conn: &mut DbConnection) -> Result<Rates, DbError> {
    let zones = all_zones(conn)?;
    let methods: Vec<Method> = shipping_methods::table
        .order((shipping_methods::position, shipping_methods::id))
        .select(Method::as_select())
        .load(conn)?;
    Ok(group(zones, methods))
}

fn all_zones(conn: &mut DbConnection) -> Result<Vec<Zone>, DbError> {
    Ok(shipping_zones::table
        .order((shipping_zones::position, shipping_zones::id))
        .select(Zone::as_select())
        .load(conn)?)
}

/// What the cart weighs, in grams: each line's product weight times its quantity.
pub fn cart_weight(lines: &[CartLine]) -> i64 {
    lines
        .iter()
        .map(|l| l.weight_grams.saturating_mul(l.quantity))
        .fold(0, i64::saturating_add)
}

/// One zone.
pub fn zone(conn: &mut DbConnection, id: i64) -> Result<Option<Zone>, DbError> {
    Ok(shipping_zones::table
        .find(id)
        .select(Zone::as_select())
        .first(conn)
        .optional()?)
}

/// One method.
pub fn method(conn: &mut DbConnection, id: i64) -> Result<Option<Method>, DbError> {
    Ok(shipping_methods::table
        .find(id)
        .select(Method::as_select())
        .first(conn)
        .optional()?)
}

/// A field and the locale key of what is wrong with it.
pub type Problems = Vec<(&'static str, &'static str)>;

/// Largest display position a form may set.
const MAX_POSITION: i64 = 1000;

fn position(text: &str, problems: &mut Problems) -> i64 {
    let text = text.trim();
    if text.is_empty() {
        return 0;
    }
    match text.parse::<i64>() {
        Ok(p) if (0..=MAX_POSITION).contains(&p) => p,
        _ => {
            problems.push(("position", "admin.rates.error_position"));
            0
        }
    }
}

/// The merchant's zone form, as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct ZoneInput {
    pub name: String,
    /// ISO codes separated by commas or spaces; none for the rest of the world.
    pub countries: String,
    pub position: String,
}

/// A checked zone form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewZone {
    name: String,
    countries: Vec<String>,
    position: i64,
}

impl ZoneInput {
    /// The form filled from a zone.
    pub fn of(z: &Zone) -> Self {
        ZoneInput {
            name: z.name.clone(),
            countries: z.countries_shown(),
            position: z.position.to_string(),
        }
    }

    /// The zone the form describes, or its problems as (field, locale key).
    pub fn check(&self) -> Result<NewZone, Problems> {
        let mut problems = Problems::new();
        let name = self.name.trim().to_owned();
        if !(1..=60).contains(&name.chars().count()) {
            problems.push(("name", "admin.rates.error_zone_name"));
        }
        let mut countries: Vec<String> = Vec::new();
        for code in self
            .countries
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            let code = code.to_uppercase();
            if !crate::domain::country::is_code(&code) {
                problems.push(("countries", "admin.rates.error_countries"));
                break;
            }
            if !countries.contains(&code) {
                countries.push(code);
            }
        }
        let position = position(&self.position, &mut problems);
        if problems.is_empty() {
            Ok(NewZone {
                name,
                countries,
                position,
            })
        } else {
            Err(problems)
        }
    }
}

/// Why a zone or a method was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another zone has this name.
    #[error("the name is taken")]
    NameTaken,
    /// Another zone lists one of the countries.
    #[error("{0} is in another zone")]
    CountryTaken(String),
    /// Another zone already serves the rest of the world.
    #[error("another zone is the rest of the world")]
    RestTaken,
    /// No such zone or method.
    #[error("not found")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SaveError {
    fn from(e: diesel::result::Error) -> Self {
        SaveError::Db(e.into())
    }
}

impl SaveError {
    /// The field and locale key of the problem, when the form can show it.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        match self {
            SaveError::NameTaken => Some(("name", "admin.rates.error_zone_name_taken")),
            SaveError::CountryTaken(_) => Some(("countries", "admin.rates.error_country_taken")),
            SaveError::RestTaken => Some(("countries", "admin.rates.error_rest_taken")),
            SaveError::NotFound | SaveError::Db(_) => None,
        }
    }
}

/// Creates a zone (`id` none) or replaces zone `id`; returns its id. A country belongs to one
/// zone, and one zone at most is the rest of the world, so that every country has one answer.
pub fn save_zone(
    conn: &mut DbConnection,
    id: Option<i64>,
    new: &NewZone,
    at: NaiveDateTime,
) -> Result<i64, SaveError> {
    let result = write_transaction(conn, |conn| {
        let others: Vec<Zone> = all_zones(conn)?
            .into_iter()
            .filter(|z| Some(z.id) != id)
            .collect();
        if others
            .iter()
            .any(|z| z.name.eq_ignore_ascii_case(&new.name))
        {
            return Err(SaveError::NameTaken);
        }
        if new.countries.is_empty() && others.iter().any(Zone::is_rest_of_world) {
            return Err(SaveError::RestTaken);
        }
        if let Some(code) = new
            .countries
            .iter()
            .find(|c| others.iter().any(|z| z.lists(c)))
        {
            return Err(SaveError::CountryTaken(code.clone()));
        }
        let countries = new.countries.join(",");
        match id {
            Some(id) => {
                let changed = diesel::update(shipping_zones::table.find(id))
                    .set((
                        shipping_zones::name.eq(&new.name),
                        shipping_zones::countries.eq(&countries),
                        shipping_zones::position.eq(new.position),
                        shipping_zones::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                if changed == 0 {
                    return Err(SaveError::NotFound);
                }
                Ok(id)
            }
            None => Ok(diesel::insert_into(shipping_zones::table)
                .values((
                    shipping_zones::name.eq(&new.name),
                    shipping_zones::countries.eq(&countries),
                    shipping_zones::position.eq(new.position),
                    shipping_zones::created_at.eq(at),
                    shipping_zones::updated_at.eq(at),
                ))
                .returning(shipping_zones::id)
                .get_result::<i64>(conn)?),
        }
    });
    match result {
        // Another admin saved a zone of this name between the check and the write.
        Err(SaveError::Db(e)) if e.is_unique_violation() => Err(SaveError::NameTaken),
        other => other,
    }
}

/// Removes zone `id` and its methods; false when there was none. Orders keep the name and
/// amount of the method they were placed with.
pub fn remove_zone(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        diesel::delete(shipping_methods::table.filter(shipping_methods::zone_id.eq(id)))
            .execute(conn)?;
        Ok(diesel::delete(shipping_zones::table.find(id)).execute(conn)? == 1)
    })
}

/// The merchant's method form, as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct MethodInput {
    pub zone_id: String,
    pub name_en: String,
    pub name_zh: String,
    /// `flat` or `weight`.
    pub kind: String,
    /// The flat price, or the base of a rate by weight.
    pub base: String,
    /// A rate by weight: per kilogram started.
    pub per_kg: String,
    /// Free from this subtotal (after the discount); empty for never.
    pub free_over: String,
    pub position: String,
    /// `on` when offered at checkout.
    pub active: Option<String>,
}

/// A checked method form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMethod {
    zone_id: i64,
    name_en: String,
    name_zh: String,
    kind: RateKind,
    base_minor: i64,
    per_kg_minor: i64,
    free_over_minor: Option<i64>,
    position: i64,
    active: bool,
}

/// An amount of `currency` that may be zero (a free flat rate); `None` when malformed.
fn amount_or_zero(text: &str, currency: Currency) -> Option<i64> {
    match amount::parse(text, currency) {
        Ok(minor) => Some(minor),
        Err(AmountError::Zero) => Some(0),
        Err(AmountError::Malformed) => None,
    }
}

impl MethodInput {
    /// The form filled from a method.
    pub fn of(m: &Method, currency: Currency) -> Self {
        MethodInput {
            zone_id: m.zone_id.to_string(),
            name_en: m.name_en.clone(),
            name_zh: m.name_zh.clone(),
            kind: m.kind.as_str().to_owned(),
            base: amount::input_value(m.base_minor, currency),
            per_kg: match m.kind {
                RateKind::Flat => String::new(),
                RateKind::Weight => amount::input_value(m.per_kg_minor, currency),
            },
            free_over: m
                .free_over_minor
                .map(|f| amount::input_value(f, currency))
                .unwrap_or_default(),
            position: m.position.to_string(),
            active: m.active.then(|| "on".to_owned()),
        }
    }

    /// True when the form offers the method at checkout.
    pub fn is_active(&self) -> bool {
        self.active.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The method the form describes, or its problems as (field, locale key); `zones` are the
    /// ids of the zones that exist.
    pub fn check(&self, currency: Currency, zones: &[i64]) -> Result<NewMethod, Problems> {
        let mut problems = Problems::new();
        let zone_id = self.zone_id.trim().parse::<i64>().ok();
        if !zone_id.is_some_and(|id| zones.contains(&id)) {
            problems.push(("zone_id", "admin.rates.error_zone"));
        }
        let name_en = self.name_en.trim().to_owned();
        if !(1..=60).contains(&name_en.chars().count()) {
            problems.push(("name_en", "admin.rates.error_method_name"));
        }
        let name_zh = self.name_zh.trim().to_owned();
        if name_zh.chars().count() > 60 {
            problems.push(("name_zh", "admin.rates.error_method_name"));
        }
        let kind = self.kind.parse::<RateKind>().ok();
        if kind.is_none() {
            problems.push(("kind", "admin.rates.error_kind"));
        }
        let base = amount_or_zero(&self.base, currency);
        if base.is_none() {
            problems.push(("base", "admin.rates.error_amount"));
        }
        // A flat rate has no rate per kilogram: whatever the field holds is not used.
        let per_kg = match kind {
            Some(RateKind::Weight) => {
                let per_kg = amount_or_zero(&self.per_kg, currency);
                if per_kg.is_none() {
                    problems.push(("per_kg", "admin.rates.error_amount"));
                }
                per_kg
            }
            _ => Some(0),
        };
        let free_over = if self.free_over.trim().is_empty() {
            Some(None)
        } else {
            match amount::parse(&self.free_over, currency) {
                Ok(minor) => Some(Some(minor)),
                Err(_) => {
                    problems.push(("free_over", "admin.rates.error_free_over"));
                    None
                }
            }
        };
        let position = position(&self.position, &mut problems);
        match (zone_id, kind, base, per_kg, free_over) {
            (Some(zone_id), Some(kind), Some(base_minor), Some(per_kg_minor), Some(free_over))
                if problems.is_empty() =>
            {
                Ok(NewMethod {
                    zone_id,
                    name_zh: if name_zh.is_empty() {
                        name_en.clone()
                    } else {
                        name_zh
                    },
                    name_en,
                    kind,
                    base_minor,
                    per_kg_minor,
                    free_over_minor: free_over,
                    position,
                    active: self.is_active(),
                })
            }
            _ => Err(problems),
        }
    }
}

/// Creates a method (`id` none) or replaces method `id`; returns its id.
pub fn save_method(
    conn: &mut DbConnection,
    id: Option<i64>,
    new: &NewMethod,
    currency: Currency,
    at: NaiveDateTime,
) -> Result<i64, SaveError> {
    match id {
        Some(id) => {
            let changed = diesel::update(shipping_methods::table.find(id))
                .set((
                    shipping_methods::zone_id.eq(new.zone_id),
                    shipping_methods::name_en.eq(&new.name_en),
                    shipping_methods::name_zh.eq(&new.name_zh),
                    shipping_methods::kind.eq(new.kind),
                    shipping_methods::base_minor.eq(new.base_minor),
                    shipping_methods::per_kg_minor.eq(new.per_kg_minor),
                    shipping_methods::free_over_minor.eq(new.free_over_minor),
                    shipping_methods::currency.eq(currency.code()),
                    shipping_methods::active.eq(new.active),
                    shipping_methods::position.eq(new.position),
                    shipping_methods::updated_at.eq(at),
                ))
                .execute(conn)?;
            if changed == 0 {
                return Err(SaveError::NotFound);
            }
            Ok(id)
        }
        None => Ok(diesel::insert_into(shipping_methods::table)
            .values((
                shipping_methods::zone_id.eq(new.zone_id),
                shipping_methods::name_en.eq(&new.name_en),
                shipping_methods::name_zh.eq(&new.name_zh),
                shipping_methods::kind.eq(new.kind),
                shipping_methods::base_minor.eq(new.base_minor),
                shipping_methods::per_kg_minor.eq(new.per_kg_minor),
                shipping_methods::free_over_minor.eq(new.free_over_minor),
                shipping_methods::currency.eq(currency.code()),
                shipping_methods::active.eq(new.active),
                shipping_methods::position.eq(new.position),
                shipping_methods::created_at.eq(at),
                shipping_methods::updated_at.eq(at),
            ))
            .returning(shipping_methods::id)
            .get_result::<i64>(conn)?),
    }
}

/// Removes method `id`; false when there was none.
pub fn remove_method(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(shipping_methods::table.find(id)).execute(conn)? == 1)
}

/// A demo method: (English name, Chinese name, kind, base, per kg, free from), amounts in US
/// cents (the seed converts them).
pub type DemoMethod = (&'static str, &'static str, RateKind, i64, i64, Option<i64>);

/// The demo's zones: (name, countries, methods). The United States ship free by default, so
/// that a demo order's total is its goods; Europe shows a flat rate that is free from $50 and
/// an express rate by weight; the rest of the world pays a flat rate, free from $100.
pub const DEMO_ZONES: &[(&str, &str, &[DemoMethod])] = &[
    (
        "United States",
        "US",
        &[
            (
                "Standard (free)",
                "标准配送（免运费）",
                RateKind::Flat,
                0,
                0,
                None,
            ),
            ("Express", "特快配送", RateKind::Flat, 1500, 0, None),
        ],
    ),
    (
        "Europe",
        "AT,BE,CH,DE,DK,ES,FI,FR,GB,IE,IT,NL,NO,PL,PT,SE",
        &[
            ("Standard", "标准配送", RateKind::Flat, 600, 0, Some(5000)),
            ("Express", "特快配送", RateKind::Weight, 1200, 400, None),
        ],
    ),
    (
        "Rest of the world",
        "",
        &[(
            "International",
            "国际配送",
            RateKind::Flat,
            1500,
            0,
            Some(10000),
        )],
    ),
];

/// Seeds [`DEMO_ZONES`], each amount converted from US cents by `convert`.
pub fn seed_demo(
    conn: &mut DbConnection,
    currency: Currency,
    convert: &dyn Fn(i64) -> i64,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    for (zone_position, (name, countries, methods)) in (0_i64..).zip(DEMO_ZONES) {
        let zone_id: i64 = diesel::insert_into(shipping_zones::table)
            .values((
                shipping_zones::name.eq(name),
                shipping_zones::countries.eq(countries),
                shipping_zones::position.eq(zone_position),
                shipping_zones::created_at.eq(at),
                shipping_zones::updated_at.eq(at),
            ))
            .returning(shipping_zones::id)
            .get_result(conn)?;
        for (position, (en, zh, kind, base, per_kg, free_over)) in (0_i64..).zip(*methods) {
            diesel::insert_into(shipping_methods::table)
                .values((
                    shipping_methods::zone_id.eq(zone_id),
                    shipping_methods::name_en.eq(en),
                    shipping_methods::name_zh.eq(zh),
                    shipping_methods::kind.eq(kind),
                    shipping_methods::base_minor.eq(convert(*base)),
                    shipping_methods::per_kg_minor.eq(convert(*per_kg)),
                    shipping_methods::free_over_minor.eq(free_over.map(convert)),
                    shipping_methods::currency.eq(currency.code()),
                    shipping_methods::active.eq(true),
                    shipping_methods::position.eq(position),
                    shipping_methods::created_at.eq(at),
                    shipping_methods::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(0, 0)
            .expect("epoch")
            .naive_utc()
    }

    fn usd() -> Currency {
        Currency::parse("USD").expect("USD")
    }

    fn zone(id: i64, countries: &str) -> Zone {
        Zone {
            id,
            name: format!("zone {id}"),
            countries: countries.into(),
            position: id,
            created_at: at(),
            updated_at: at(),
        }
    }

    fn method(id: i64, zone_id: i64) -> Method {
        Method {
            id,
            zone_id,
            name_en: format!("method {id}"),
            name_zh: String::new(),
            kind: RateKind::Flat,
            base_minor: 600,
            per_kg_minor: 0,
            free_over_minor: None,
            currency: "USD".into(),
            active: true,
            position: 0,
            created_at: at(),
            updated_at: at(),
        }
    }

    #[test]
    fn kilograms_are_counted_when_started() {
        assert_eq!(started_kg(0), 0);
        assert_eq!(started_kg(1), 1);
        assert_eq!(started_kg(1000), 1);
        assert_eq!(started_kg(1001), 2);
        assert_eq!(started_kg(2500), 3);
        assert_eq!(started_kg(-5), 0);
    }

    #[test]
    fn flat_and_weight_rates_and_the_free_threshold() {
        // Flat: the same whatever the weight.
        assert_eq!(price(RateKind::Flat, 600, 0, None, 9_000, 1_000), 600);
        // $12 + $4 per kilogram started: 2.5 kg is three kilograms.
        assert_eq!(price(RateKind::Weight, 1200, 400, None, 2_500, 1_000), 2400);
        assert_eq!(price(RateKind::Weight, 1200, 400, None, 0, 1_000), 1200);
        // Free once the subtotal after the discount reaches the threshold, not below it.
        assert_eq!(price(RateKind::Flat, 600, 0, Some(5000), 0, 5000), 0);
        assert_eq!(price(RateKind::Flat, 600, 0, Some(5000), 0, 4999), 600);
        assert_eq!(
            price(RateKind::Weight, 1200, 400, Some(5000), 3_000, 6000),
            0
        );
        // No overflow on absurd figures.
        assert_eq!(
            price(RateKind::Weight, i64::MAX, 400, None, 5_000, 0),
            i64::MAX
        );
    }

    #[test]
    fn a_country_is_served_by_its_zone_else_the_rest_of_the_world() {
        let rates = Rates {
            zones: vec![
                (zone(1, "US"), vec![method(10, 1), method(11, 1)]),
                (zone(2, "DE,FR"), vec![method(20, 2)]),
                (zone(3, ""), vec![method(30, 3)]),
            ],
        };
        let id = |r: Result<Option<&Method>, Refusal>| r.map(|m| m.map(|m| m.id));
        assert_eq!(id(rates.choose("US", None)), Ok(Some(10)), "the first");
        assert_eq!(id(rates.choose("US", Some(11))), Ok(Some(11)));
        assert_eq!(id(rates.choose("fr", None)), Ok(Some(20)));
        assert_eq!(id(rates.choose("CN", None)), Ok(Some(30)));
        assert_eq!(
            id(rates.choose("DE", Some(10))),
            Err(Refusal::WrongMethod),
            "another zone's method"
        );
        assert_eq!(id(rates.choose("DE", Some(99))), Err(Refusal::WrongMethod));

        // Without a rest of the world, an unlisted country is not shipped to.
        let rates = Rates {
            zones: vec![
                (zone(1, "US"), vec![method(10, 1)]),
                (zone(2, "DE"), vec![]),
            ],
        };
        assert_eq!(id(rates.choose("CN", None)), Err(Refusal::NotShipped));
        assert_eq!(
            id(rates.choose("DE", None)),
            Err(Refusal::NotShipped),
            "a zone with no method on offer"
        );
        // No zones at all: free, no method.
        assert_eq!(id(Rates::default().choose("CN", Some(3))), Ok(None));
    }

    #[test]
    fn the_zone_form_reads_codes_and_names_its_problems() {
        let input = ZoneInput {
            name: " Europe ".into(),
            countries: "de, fr FR,gb".into(),
            position: String::new(),
        };
        let zone = input.check().expect("valid");
        assert_eq!(zone.countries, ["DE", "FR", "GB"]);
        assert_eq!(zone.name, "Europe");
        let bad = ZoneInput {
            name: String::new(),
            countries: "DE, XX".into(),
            position: "-1".into(),
        };
        let fields: Vec<&str> = bad
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["name", "countries", "position"]);
    }

    #[test]
    fn the_method_form_reads_amounts_in_the_currency() {
        let input = MethodInput {
            zone_id: "2".into(),
            name_en: "Express".into(),
            kind: "weight".into(),
            base: "12".into(),
            per_kg: "4.00".into(),
            free_over: String::new(),
            active: Some("on".into()),
            ..MethodInput::default()
        };
        let m = input.check(usd(), &[2]).expect("valid");
        assert_eq!(
            (m.base_minor, m.per_kg_minor, m.free_over_minor),
            (1200, 400, None)
        );
        assert_eq!(m.name_zh, "Express", "the Chinese name falls back");
        let free = MethodInput {
            kind: "flat".into(),
            base: "0".into(),
            per_kg: "junk, unused by a flat rate".into(),
            ..input.clone()
        };
        assert_eq!(free.check(usd(), &[2]).map(|m| m.base_minor), Ok(0));
        let bad = MethodInput {
            zone_id: "9".into(),
            kind: "banana".into(),
            base: "1.234".into(),
            free_over: "0".into(),
            ..input
        };
        let fields: Vec<&str> = bad
            .check(usd(), &[2])
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["zone_id", "kind", "base", "free_over"]);
    }

    #[test]
    fn terms_say_how_a_price_is_reckoned() {
        let mut m = method(1, 1);
        assert_eq!(m.terms(usd(), Lang::En), "$6.00");
        m.kind = RateKind::Weight;
        m.base_minor = 1200;
        m.per_kg_minor = 400;
        m.free_over_minor = Some(5000);
        assert_eq!(
            m.terms(usd(), Lang::En),
            "$12.00 + $4.00/kg · free from $50.00"
        );
    }
}
