//! The cart: `GET /cart`, `POST /cart/items` (add) and `POST /cart/items/{id}` (set quantity;
//! 0 removes). Prices always come from the catalogue, never from the form.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use crate::{
    cart::{self, CartError, CartLine, MAX_PER_LINE, Wanted},
    catalogue::offer::Variants,
    i18n::Lang,
    money::format_price,
    web::{
        AppError, AppState, Layout, Page,
        extract::forms::CsrfForm,
        flash,
        layout::{CART_ID, language_of},
        render::see_other,
    },
};

/// A cart line as the page shows it.
pub struct LineView {
    /// Cart item id, for the update form.
    pub item_id: i64,
    /// The product page's path, for the link (with the line's variant chosen).
    pub href: String,
    /// Name in the page's language.
    pub name: String,
    /// The variant's name in the page's language (`Espresso / 1 kg`); empty without one.
    pub variant: String,
    /// Image URL.
    pub image_path: String,
    /// Formatted unit price.
    pub unit_price: String,
    /// Units.
    pub quantity: i64,
    /// Formatted line total.
    pub total: String,
    /// Largest quantity the selector offers.
    pub max_quantity: i64,
    /// A problem with this line (sold out since, too few left), already translated.
    pub problem: Option<String>,
}

/// The cart page.
#[derive(Template)]
#[template(path = "cart/show.html")]
pub struct CartPage {
    layout: Layout,
    lines: Vec<LineView>,
    subtotal: String,
    total: String,
    can_checkout: bool,
}

/// Shows the cart.
pub async fn show(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mut layout = Layout::without_cart_count(&req);
    let cart_id = session.get::<i64>(CART_ID).ok().flatten();
    let lines = match cart_id {
        Some(id) => state.carts.lines(id).await?,
        None => Vec::new(),
    };
    layout.cart_count = lines.iter().map(|l| l.quantity).sum();
    let currency = state.settings.currency;
    let subtotal = cart::subtotal(&lines);
    let views: Vec<LineView> = lines
        .iter()
        .map(|l| line_view(l, layout.language, currency))
        .collect();
    let can_checkout = !views.is_empty() && views.iter().all(|v| v.problem.is_none());
    let page = CartPage {
        subtotal: format_price(subtotal, currency),
        total: format_price(subtotal, currency),
        lines: views,
        can_checkout,
        layout,
    };
    Ok(Page::new(page).into())
}

fn line_view(line: &CartLine, lang: Lang, currency: Currency) -> LineView {
    let problem = if !line.active || line.stock < 1 {
        Some(lang.tr("cart.sold_out").to_owned())
    } else if line.quantity > line.stock {
        Some(
            lang.tr("cart.not_enough_stock")
                .replace("{available}", &line.stock.to_string()),
        )
    } else {
        None
    };
    let chinese = lang == Lang::ZhCn;
    LineView {
        item_id: line.item_id,
        href: match line.variant_id {
            Some(v) => format!("/products/{}?variant={v}", line.slug),
            None => format!("/products/{}", line.slug),
        },
        name: line.name(chinese).to_owned(),
        variant: line.variant_name(chinese).to_owned(),
        image_path: line.image_path.clone(),
        unit_price: format_price(line.unit_price_minor, currency),
        quantity: line.quantity,
        total: format_price(line.total_minor().unwrap_or(i64::MAX), currency),
        max_quantity: line
            .stock
            .clamp(line.quantity.min(MAX_PER_LINE), MAX_PER_LINE),
        problem,
    }
}

/// `POST /cart/items`: `product_id`, `quantity` (1 when left out), and for a product sold
/// with variants the shopper's choice: `variant_id`, or one `option` field per option (the
/// value ids the product page's picker posts), which the server turns into the variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddItem {
    product_id: i64,
    quantity: i64,
    variant_id: Option<i64>,
    options: Vec<i64>,
}

impl AddItem {
    /// Reads the form's fields (`option` may repeat, hence no derived `Deserialize`); `None`
    /// when a field is missing or not a number.
    fn parse(fields: &[(String, String)]) -> Option<AddItem> {
        // `None`: the field is left out or empty; `Some(None)`: it is not a number.
        let number = |name: &str| {
            fields
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim().parse::<i64>().ok())
        };
        Some(AddItem {
            product_id: number("product_id")??,
            quantity: number("quantity").unwrap_or(Some(1))?,
            variant_id: number("variant_id").map_or(Some(None), |v| v.map(Some))?,
            options: fields
                .iter()
                .filter(|(k, _)| k == "option")
                .map(|(_, v)| v.trim().parse::<i64>().ok())
                .collect::<Option<Vec<_>>>()?,
        })
    }
}

/// Adds a product or a variant of it; back to the cart, or to the product page (showing the
/// variant chosen) with the reason it was refused.
pub async fn add(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let Some(item) = AddItem::parse(&form.0) else {
        return Err(AppError::BadRequest(
            "product_id, quantity, variant_id and option must be numbers".to_owned(),
        ));
    };
    let lang = language_of(&req);
    let cart_id = session.get::<i64>(CART_ID).ok().flatten();
    let currency = state.settings.currency;
    let chosen = choice(&state, &item).await?;
    // The product page then shows the variant that was refused, and why.
    let shown = chosen.as_ref().ok().and_then(|w| w.variant_id);
    let added = match chosen {
        Ok(wanted) => {
            state
                .carts
                .add(cart_id, wanted, item.quantity, currency)
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(cart_id) => {
            session.insert(CART_ID, cart_id)?;
            flash::push(&session, "success", lang.tr("cart.added"));
            Ok(see_other("/cart"))
        }
        Err(CartError::Db(e)) => Err(e.into()),
        Err(e) => {
            flash::push(&session, "error", message(&e, lang));
            let back = back(&req, "/cart");
            Ok(see_other(&match shown {
                Some(v) if back.starts_with("/products/") => format!("{back}?variant={v}"),
                _ => back,
            }))
        }
    }
}

/// What the form asks for: the variant its `option` values make (read from the product's
/// variants), else its `variant_id`, else the product alone.
async fn choice(state: &AppState, item: &AddItem) -> Result<Result<Wanted, CartError>, AppError> {
    let product_id = item.product_id;
    if item.options.is_empty() {
        return Ok(Ok(match item.variant_id {
            Some(v) => Wanted::variant(product_id, v),
            None => Wanted::product(product_id),
        }));
    }
    let variants = state
        .db
        .read(move |conn| Variants::load(conn, product_id))
        .await?;
    Ok(variants
        .matching(&item.options)
        .map(|v| Wanted::variant(product_id, v.id))
        .ok_or(CartError::UnknownVariant))
}

/// `POST /cart/items/{id}`.
#[derive(Deserialize)]
pub struct UpdateItem {
    quantity: i64,
}

/// Changes a line's quantity; 0 removes it.
pub async fn update(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    item_id: web::Path<i64>,
    form: CsrfForm<UpdateItem>,
) -> Result<HttpResponse, AppError> {
    let lang = language_of(&req);
    let Some(cart_id) = session.get::<i64>(CART_ID).ok().flatten() else {
        return Ok(see_other("/cart"));
    };
    let item_id = item_id.into_inner();
    let quantity = form.0.quantity;
    let updated = state.carts.set_quantity(cart_id, item_id, quantity).await;
    match updated {
        Ok(()) => {
            let key = if quantity == 0 {
                "cart.removed"
            } else {
                "cart.updated"
            };
            flash::push(&session, "success", lang.tr(key));
        }
        Err(CartError::Db(e)) => return Err(e.into()),
        Err(e) => flash::push(&session, "error", message(&e, lang)),
    }
    Ok(see_other("/cart"))
}

/// The shopper-facing text of a refusal.
pub fn message(e: &CartError, lang: Lang) -> String {
    let text = lang.tr(e.message_key());
    match e {
        CartError::TooMany { max } => text.replace("{max}", &max.to_string()),
        CartError::NotEnoughStock { available } => {
            text.replace("{available}", &available.to_string())
        }
        _ => text.to_owned(),
    }
}

/// The referring page's path when it is one of ours, else `fallback`.
fn back(req: &HttpRequest, fallback: &str) -> String {
    req.headers()
        .get("Referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .filter(|u| {
            u.host_str() == req.connection_info().host().split(':').next()
                && u.path().starts_with("/products/")
        })
        .map_or_else(|| fallback.to_owned(), |u| u.path().to_owned())
}

#[cfg(test)]
mod tests {
    use super::AddItem;

    fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_add_form_reads_a_variant_by_id_or_by_its_options() {
        let item = AddItem::parse(&form(&[("product_id", "3"), ("variant_id", "")]));
        assert_eq!(
            item,
            Some(AddItem {
                product_id: 3,
                quantity: 1,
                variant_id: None,
                options: Vec::new(),
            })
        );
        let item = AddItem::parse(&form(&[
            ("product_id", "3"),
            ("quantity", "2"),
            ("option", "11"),
            ("option", "21"),
            ("variant_id", "7"),
        ]));
        assert_eq!(
            item,
            Some(AddItem {
                product_id: 3,
                quantity: 2,
                variant_id: Some(7),
                options: vec![11, 21],
            })
        );
        for bad in [
            &[("quantity", "1")][..],
            &[("product_id", "x")],
            &[("product_id", "3"), ("variant_id", "x")],
            &[("product_id", "3"), ("option", "")],
        ] {
            assert_eq!(AddItem::parse(&form(bad)), None, "{bad:?}");
        }
    }
}
