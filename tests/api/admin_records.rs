//! AsiaBill's transactions beside the shop's, sync from AsiaBill, the webhook log and
//! reprocessing, chargebacks, and products with their images.

use asiabill::{Currency, Money, types::ConfirmChargeRequest};
use asiabill_sandbox::{DEFAULT_CHARGEBACK_REASON, Faults, PaymentStep};
use asiabill_shop::db::{
    now,
    schema::{chargebacks, payment_attempts, products, webhook_events},
};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin, order_by_number, order_by_token, paid_order},
    faults::{impatient, slow_gateway},
    helpers::{TestApp, spawn_app, spawn_app_with},
    payments::{
        SUCCESS, eventually, order, pay_on_hosted_page, signed_webhook, start_hosted, tokenise,
    },
};

fn attempt(app: &TestApp) -> (String, Option<String>, i64, String) {
    payment_attempts::table
        .order(payment_attempts::id.desc())
        .select((
            payment_attempts::gateway_order_no,
            payment_attempts::trade_no,
            payment_attempts::amount_minor,
            payment_attempts::status,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt")
}

#[tokio::test]
async fn transactions_are_compared_and_an_order_is_synced_from_asiabill() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    // Paid at AsiaBill, but the shopper never came back and the webhook was lost.
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let step = pay_on_hosted_page(&app, &page_url, SUCCESS).await;
    assert!(matches!(step, PaymentStep::Completed(_)));
    sandbox.set_faults(Faults::default());
    let number = order_by_token(&app, &token).number;
    let (order_no, _, amount, status) = attempt(&app);
    assert_eq!(status, "pending");
    // And a payment AsiaBill has that the shop never asked for.
    let client = asiabill_shop::payments::gateway::client(&app.settings).expect("client");
    let pm = tokenise(&app, SUCCESS).await;
    let usd = Currency::parse("USD").expect("USD");
    client
        .confirm_charge(&ConfirmChargeRequest::new(
            "FOREIGN-1",
            Money::new(1234, usd),
            &pm,
            "203.0.113.9",
        ))
        .await
        .expect("a foreign charge");

    let page = admin.html("/admin/transactions").await;
    assert!(page.contains(&format!("<code>{order_no}</code>")), "{page}");
    assert!(page.contains("Status differs: AsiaBill paid, shop pending"));
    assert!(page.contains("<code>FOREIGN-1</code>"));
    assert!(page.contains("Unknown to the shop"));
    assert!(page.contains("data-differing>2<"));
    let by_order = admin
        .html(&format!("/admin/transactions?order_no={order_no}"))
        .await;
    assert!(!by_order.contains("FOREIGN-1") && by_order.contains(&order_no));

    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/sync"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains(&format!("{order_no}: pending → paid")),
        "flash"
    );
    assert_eq!(order_by_number(&app, &number).status.as_str(), "paid");
    assert_eq!(order_by_number(&app, &number).captured_minor, amount);
    assert!(
        page.contains("Query</span>"),
        "the change came from a query"
    );
    let page = admin
        .html(&format!("/admin/transactions?order_no={order_no}"))
        .await;
    assert!(page.contains("data-differing>0<") && page.contains("Agree"));
    let quiet = admin
        .html("/admin/transactions?from=2020-01-01&to=2020-01-02")
        .await;
    assert!(quiet.contains("Nothing here yet.") && !quiet.contains("could not be asked"));
}

#[tokio::test]
async fn the_transactions_page_says_when_asiabill_times_out() {
    let app = spawn_app_with(impatient).await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox.set_faults(slow_gateway());
    let page = admin.html("/admin/transactions").await;
    sandbox.set_faults(Faults::default());
    assert!(
        page.contains("AsiaBill could not be asked: AsiaBill did not answer within the timeout"),
        "{page}"
    );
    assert!(
        !page.contains("Not listed by AsiaBill"),
        "no difference made up from a missing answer"
    );
    assert_eq!(order_by_number(&app, &number).status.as_str(), "paid");
    let page = admin.html("/admin/transactions").await;
    assert!(page.contains("Agree") && !page.contains("could not be asked"));
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

#[tokio::test]
async fn the_webhook_log_shows_every_delivery_and_reprocesses_one_not_applied() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let token = order(&app).await;
    start_hosted(&app, &token).await;
    let (order_no, _, amount, _) = attempt(&app);
    // A forged delivery (bad signature) and one for an order that is not ours.
    let r = app
        .client
        .post(app.url("/payment/asiabill/webhook"))
        .header("gateway-no", "12246002")
        .header("request-id", "FORGED")
        .header("request-time", "1")
        .header("version", "V2022-03")
        .header("sign-info", "00")
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    let foreign = r#"{"data":{"transactionType":"Sale","orderAmount":"1.00","orderNo":"NOT-OURS-1","tradeNo":"2026112512000011111111","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;
    assert_eq!(signed_webhook(&app, foreign).await.status(), 200);
    // A genuine success that was stored but could not be applied (the database was busy).
    let body = format!(
        r#"{{"data":{{"transactionType":"Sale","orderAmount":"{}","orderNo":"{order_no}","tradeNo":"2026112512000022222222","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""}},"type":"transaction.success"}}"#,
        decimal(amount)
    );
    let id: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::body_sha256.eq("f".repeat(64)),
            webhook_events::request_id.eq("REQ-1"),
            webhook_events::request_time.eq("1764072000000"),
            webhook_events::gateway_no.eq("12246002"),
            webhook_events::headers.eq(r#"[["request-id","REQ-1"],["gateway-no","12246002"]]"#),
            webhook_events::body.eq(&body),
            webhook_events::event_type.eq(Some("transaction.success")),
            webhook_events::gateway_order_no.eq(Some(&order_no)),
            webhook_events::signature_valid.eq(true),
            webhook_events::status.eq("received"),
            webhook_events::error.eq(Some("database is locked")),
            webhook_events::apply_attempts.eq(1),
            webhook_events::received_at.eq(now()),
        ))
        .returning(webhook_events::id)
        .get_result(&mut app.db.get().expect("conn"))
        .expect("stored");

    let list = admin.html("/admin/webhooks").await;
    assert_eq!(list.matches("data-webhook=").count(), 3);
    assert!(list.contains(">Invalid</span>") && list.contains(">Flagged</span>"));
    let flagged = admin.html("/admin/webhooks?status=flagged").await;
    assert_eq!(flagged.matches("data-webhook=").count(), 1);
    assert!(flagged.contains("no payment attempt NOT-OURS-1"));
    let dashboard = admin.html("/admin").await;
    assert!(dashboard.contains("Failed or flagged webhooks"));

    let page = admin.html(&format!("/admin/webhooks/{id}")).await;
    assert!(
        page.contains("REQ-1") && page.contains("orderNo") && page.contains(&order_no),
        "headers and body"
    );
    assert!(page.contains("database is locked"));
    assert!(page.contains(">Reprocess</button>"));
    let page = admin
        .post_then(
            &format!("/admin/webhooks/{id}/reprocess"),
            &[],
            &format!("/admin/webhooks/{id}"),
        )
        .await;
    assert!(page.contains("Reprocessed; now: Applied."), "flash");
    assert!(page.contains("data-webhook-status=\"applied\""));
    assert!(
        !page.contains(">Reprocess</button>"),
        "nothing left to reprocess"
    );
    assert_eq!(order_by_token(&app, &token).status.as_str(), "paid");
}

#[tokio::test]
async fn chargebacks_are_listed_with_their_orders() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let (_, trade_no, _, _) = attempt(&app);
    app.sandbox
        .as_ref()
        .expect("sim")
        .raise_chargeback(&trade_no.expect("trade number"), None, None)
        .expect("chargeback");
    eventually("the chargeback webhook is stored", || {
        chargebacks::table
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            == 1
    })
    .await;
    let page = admin.html("/admin/chargebacks").await;
    assert!(page.contains(&format!("href=\"/admin/orders/{number}\"")));
    assert!(page.contains(DEFAULT_CHARGEBACK_REASON));
    let dashboard = admin.html("/admin").await;
    assert!(dashboard.contains(">Chargebacks <span class=\"badge\">1</span>"));
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82";

fn multipart(boundary: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

pub async fn post_product(
    admin: &Admin,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let mut all = vec![("csrf_token", admin.csrf.as_str())];
    all.extend_from_slice(fields);
    admin
        .client
        .post(admin.url(path))
        .header(
            "content-type",
            "multipart/form-data; boundary=----shopBoundary42",
        )
        .body(multipart("----shopBoundary42", &all, file))
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn products_are_created_with_an_image_edited_and_hidden() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let category: i64 = products::table
        .select(products::category_id)
        .first(&mut app.db.get().expect("conn"))
        .expect("a category");
    let category = category.to_string();
    let form = |slug: &'static str, sku: &'static str, price: &'static str| {
        vec![
            ("category_id", category.clone()),
            ("slug", slug.to_owned()),
            ("sku", sku.to_owned()),
            ("name_en", "Travel mug".to_owned()),
            ("name_zh", "随行杯".to_owned()),
            ("description_en", "Keeps tea hot.".to_owned()),
            ("price", price.to_owned()),
            ("stock", "12".to_owned()),
            ("active", "on".to_owned()),
        ]
    };

    assert!(
        admin
            .html("/admin/products/new")
            .await
            .contains("enctype=\"multipart/form-data\"")
    );
    // Refused: a taken address, a script dressed as an image, a bad price.
    let taken = form("ceramic-mug", "MUG-NEW", "12.50");
    let r = post_product(&admin, "/admin/products", &as_refs(&taken), None).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Another product has this URL (slug).")
    );
    let good = form("travel-mug", "MUG-TRAVEL", "12.50");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let r = post_product(
        &admin,
        "/admin/products",
        &as_refs(&good),
        Some(("mug.png", svg)),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Only PNG, JPEG, WebP or GIF images.")
    );
    let huge = vec![0x89_u8; 2 * 1024 * 1024 + 1];
    let r = post_product(
        &admin,
        "/admin/products",
        &as_refs(&good),
        Some(("big.png", &huge)),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("The image is too large")
    );
    let bad_price = form("travel-mug", "MUG-TRAVEL", "12,50");
    let r = post_product(&admin, "/admin/products", &as_refs(&bad_price), None).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("A price above zero, like 12.50.")
    );

    let r = post_product(
        &admin,
        "/admin/products",
        &as_refs(&good),
        Some(("mug.png", PNG)),
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = crate::helpers::location(&r);
    let (id, price, stock, image, name_zh): (i64, i64, i64, String, String) = products::table
        .filter(products::slug.eq("travel-mug"))
        .select((
            products::id,
            products::price_minor,
            products::stock,
            products::image_path,
            products::name_zh,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("created");
    assert_eq!(to, format!("/admin/products/{id}"));
    assert_eq!((price, stock, name_zh.as_str()), (1250, 12, "随行杯"));
    assert!(
        image.starts_with("/static/images/uploads/") && image.ends_with(".png"),
        "{image}"
    );
    let file = asiabill_shop::catalogue::editing::upload_dir()
        .join(image.rsplit('/').next().expect("name"));
    let served = app.get(&image).await;
    assert_eq!(served.status(), 200, "the upload is served");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);
    let shop_page = app.get_html("/products/travel-mug").await;
    assert!(shop_page.contains("Travel mug") && shop_page.contains(&image));

    let edited = form("travel-mug", "MUG-TRAVEL", "14");
    let r = post_product(
        &admin,
        &format!("/admin/products/{id}"),
        &as_refs(&edited),
        None,
    )
    .await;
    assert_eq!(r.status(), 303);
    let (price, kept): (i64, String) = products::table
        .find(id)
        .select((products::price_minor, products::image_path))
        .first(&mut app.db.get().expect("conn"))
        .expect("edited");
    assert_eq!(
        (price, kept.as_str()),
        (1400, image.as_str()),
        "the image is kept"
    );
    let page = admin.html(&format!("/admin/products/{id}")).await;
    assert!(page.contains("Product saved.") && page.contains("value=\"14.00\""));

    admin
        .post_then(
            &format!("/admin/products/{id}/visibility"),
            &[("active", "false")],
            "/admin/products",
        )
        .await;
    assert_eq!(
        app.get("/products/travel-mug").await.status(),
        404,
        "hidden"
    );
    let list = admin
        .post_then(
            &format!("/admin/products/{id}/visibility"),
            &[("active", "true")],
            "/admin/products",
        )
        .await;
    assert!(list.contains("data-product=\"travel-mug\""));
    assert_eq!(app.get("/products/travel-mug").await.status(), 200);
    std::fs::remove_file(file).expect("clean up the upload");
}
