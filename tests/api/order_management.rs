//! Order management in the admin area (issue 22 item 5): notes, cancelling an unpaid order,
//! cancel and refund in one step, resending emails, the customer list, low-stock alerts and
//! bulk shipping from a CSV, each as the merchant (and the shopper) sees it.

use asiabill_shop::db::{
    models::PaymentAttempt,
    now,
    schema::{
        admin_users, audit_log, email_outbox, payment_attempts, products, shipments, shoppers,
    },
};
use diesel::prelude::*;

use crate::{
    admin_refunds::{decimal, refund_rows},
    admin_support::{Admin, admin, order_by_number, order_by_token, paid_order},
    helpers::{TestApp, location, spawn_app, spawn_app_with},
    payments::{eventually, order, start_hosted},
};

const KETTLE: &str = "gooseneck-kettle";

fn admin_email(app: &TestApp) -> String {
    admin_users::table
        .order(admin_users::id)
        .select(admin_users::email)
        .first(&mut app.db.get().expect("conn"))
        .expect("the first admin")
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.db.get().expect("conn"))
        .expect("audit")
}

fn emails(app: &TestApp) -> Vec<(String, String, String)> {
    email_outbox::table
        .order(email_outbox::id)
        .select((
            email_outbox::kind,
            email_outbox::subject,
            email_outbox::body_text,
        ))
        .load(&mut app.db.get().expect("conn"))
        .expect("emails")
}

fn trade_no_of(app: &TestApp, order_id: i64) -> String {
    payment_attempts::table
        .filter(payment_attempts::order_id.eq(order_id))
        .order(payment_attempts::sequence)
        .select(PaymentAttempt::as_select())
        .load::<PaymentAttempt>(&mut app.db.get().expect("conn"))
        .expect("attempts")
        .into_iter()
        .find_map(|a| a.trade_no)
        .expect("a paid attempt")
}

// ---- 1. Notes -------------------------------------------------------------------------------

#[tokio::test]
async fn internal_notes_stay_with_admins_and_notes_to_the_customer_are_emailed_and_shown() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let token = order(&app).await;
    let number = order_by_token(&app, &token).number;
    let path = format!("/admin/orders/{number}/notes");
    let back = format!("/admin/orders/{number}#notes");

    let r = admin
        .post(
            &path,
            &[("kind", "internal"), ("body", "Fragile: pack twice")],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, back.clone()));
    let r = admin
        .post(
            &path,
            &[
                ("kind", "customer"),
                ("body", "Your kettle ships on Monday."),
            ],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, back));

    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("Note added and emailed to the customer."),
        "flash"
    );
    assert!(page.contains("Fragile: pack twice") && page.contains("data-note=\"internal\""));
    assert!(
        page.contains("Your kettle ships on Monday.") && page.contains("data-note=\"customer\"")
    );
    assert!(
        page.contains(&admin_email(&app)),
        "each note names its author"
    );
    assert!(
        page.contains("data-event=\"note_added\""),
        "on the timeline"
    );

    let shopper = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        shopper.contains("Your kettle ships on Monday."),
        "the shopper reads it"
    );
    assert!(
        !shopper.contains("Fragile"),
        "an internal note never reaches the shopper's page"
    );
    let mails = emails(&app);
    let note = mails
        .iter()
        .find(|(kind, _, _)| kind == "customer_note")
        .expect("the note is emailed");
    assert!(note.1.contains(&number) && note.2.contains("Your kettle ships on Monday."));
    assert_eq!(
        mails
            .iter()
            .filter(|(k, _, _)| k == "customer_note")
            .count(),
        1,
        "the internal note is not emailed"
    );
    assert_eq!(
        audit_actions(&app)
            .iter()
            .filter(|a| *a == "order.note")
            .count(),
        2
    );

    // An empty note is refused with the reason, and nothing is added.
    let page = admin
        .post_then(
            &path,
            &[("kind", "internal"), ("body", "   ")],
            &format!("/admin/orders/{number}#notes"),
        )
        .await;
    assert!(
        page.contains("A note needs 1 to 2000 characters."),
        "{page}"
    );
    // Without the CSRF token nothing is added.
    let r = admin
        .post_raw(&path, &[("kind", "internal"), ("body", "forged")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        !admin
            .html(&format!("/admin/orders/{number}"))
            .await
            .contains("forged")
    );
}

// ---- 2. Cancel an unpaid order --------------------------------------------------------------

#[tokio::test]
async fn an_unpaid_order_is_cancelled_with_its_stock_released_but_not_while_a_payment_is_in_flight()
{
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let before = app.stock(KETTLE);

    // A payment in flight at AsiaBill: the hosted page is open.
    let token = order(&app).await;
    let number = order_by_token(&app, &token).number;
    start_hosted(&app, &token).await;
    assert_eq!(app.stock(KETTLE), before - 1);
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/cancel"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains("Not cancelled: a payment of this order is in flight at AsiaBill"),
        "{page}"
    );
    assert_eq!(
        order_by_number(&app, &number).status.as_str(),
        "pending_payment"
    );
    assert_eq!(app.stock(KETTLE), before - 1, "the stock stays reserved");

    // No payment started: cancelled at once, the unit back on sale.
    let token = order(&app).await;
    let second = order_by_token(&app, &token).number;
    assert_eq!(app.stock(KETTLE), before - 2);
    let page = admin.html(&format!("/admin/orders/{second}")).await;
    assert!(
        page.contains("data-action=\"cancel\""),
        "offered while unpaid"
    );
    let page = admin
        .post_then(
            &format!("/admin/orders/{second}/cancel"),
            &[],
            &format!("/admin/orders/{second}"),
        )
        .await;
    assert!(
        page.contains("Order cancelled; its items are back on sale."),
        "{page}"
    );
    assert!(page.contains("data-order-status=\"cancelled\""));
    assert!(
        page.contains("data-event=\"order_cancelled\""),
        "on the timeline"
    );
    assert!(page.contains("order.cancel"), "in the audit log");
    assert_eq!(app.stock(KETTLE), before - 1, "its unit is back");
    let shopper = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        shopper.contains("restore-cart"),
        "the shopper may put the items back"
    );
    assert!(
        shopper.contains("cancelled by the shop before it was paid"),
        "and is told who cancelled it: {shopper}"
    );

    // Twice, or on a paid order: refused with the reason.
    let page = admin
        .post_then(
            &format!("/admin/orders/{second}/cancel"),
            &[],
            &format!("/admin/orders/{second}"),
        )
        .await;
    assert!(
        page.contains("Not cancelled: the order is Cancelled"),
        "{page}"
    );
    assert_eq!(app.stock(KETTLE), before - 1, "released once");
    let paid = paid_order(&app).await;
    let page = admin
        .post_then(
            &format!("/admin/orders/{paid}/cancel"),
            &[],
            &format!("/admin/orders/{paid}"),
        )
        .await;
    assert!(page.contains("Not cancelled: the order is Paid"), "{page}");
    assert_eq!(order_by_number(&app, &paid).status.as_str(), "paid");
}

// ---- 3. Cancel and refund a paid order ------------------------------------------------------

async fn confirm_cancel_refund(admin: &Admin, number: &str, reason: &str) -> reqwest::Response {
    let path = format!("/admin/orders/{number}/cancel-refund");
    let first = admin.post(&path, &[]).await;
    assert_eq!(first.status(), 200, "a confirmation page first");
    let page = first.text().await.expect("page");
    assert!(page.contains("data-cancel-refund-confirm"), "{page}");
    let amount = crate::helpers::hidden_field(&page, "amount").expect("the amount named");
    admin
        .post(
            &path,
            &[
                ("amount", &amount),
                ("reason", reason),
                ("confirmed", "yes"),
            ],
        )
        .await
}

#[tokio::test]
async fn cancel_and_refund_names_the_amount_first_then_refunds_all_and_restocks_once_done() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let stock = app.stock(KETTLE);
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-action=\"cancel-refund\""));

    // The first post only shows what would be refunded.
    let r = admin
        .post(&format!("/admin/orders/{number}/cancel-refund"), &[])
        .await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.expect("page");
    let shown = format!("${}", decimal(order.captured_minor));
    assert!(
        confirm.contains(&format!("<strong data-confirm-amount>{shown}</strong>")),
        "{confirm}"
    );
    assert!(
        confirm.contains(&trade_no_of(&app, order.id)),
        "names the payment"
    );
    assert!(refund_rows(&app).is_empty(), "nothing reserved or sent yet");
    let sandbox = app.sandbox.as_ref().expect("sim");
    assert!(sandbox.refunds().is_empty());

    // A stale confirmation (another amount) sends nothing and shows the page again.
    let r = admin
        .post(
            &format!("/admin/orders/{number}/cancel-refund"),
            &[("amount", "1.00"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("page").contains("data-changed"));
    assert!(refund_rows(&app).is_empty());

    let r = confirm_cancel_refund(&admin, &number, "Customer changed their mind").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("the order is cancelled once AsiaBill reports it done"),
        "{page}"
    );
    eventually("the refund settles", || {
        refund_rows(&app)
            .first()
            .is_some_and(|r| r.status.as_str() == "succeeded")
    })
    .await;
    let refunds = refund_rows(&app);
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount_minor, order.captured_minor, "all of it");
    assert!(refunds[0].cancels_order);
    let after = order_by_number(&app, &number);
    assert_eq!(after.status.as_str(), "refunded");
    assert!(after.cancelled_at.is_some() && after.stock_released);
    assert_eq!(app.stock(KETTLE), stock + 1, "the kettle is back on sale");
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-cancelled-after-refund"), "{page}");
    assert!(page.contains("data-event=\"order_cancel_requested\""));
    assert!(page.contains("data-event=\"order_cancelled\""));
    assert!(audit_actions(&app).contains(&"order.cancel_refund".to_owned()));
    assert!(
        !page.contains("data-action=\"cancel-refund\""),
        "nothing left to cancel"
    );
}

#[tokio::test]
async fn cancel_and_refund_is_refused_during_a_chargeback_and_a_refund_asiabill_refuses_leaves_the_order_paid()
 {
    let app = spawn_app().await;
    let admin = admin(&app).await;

    // A chargeback: refused with the reason, nothing reserved or sent.
    let disputed = paid_order(&app).await;
    let id = order_by_number(&app, &disputed).id;
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox
        .raise_chargeback(&trade_no_of(&app, id), Some("10.4 Fraud"), None)
        .expect("chargeback");
    eventually("the order is disputed", || {
        order_by_number(&app, &disputed).disputed_at.is_some()
    })
    .await;
    let blocked = "Refunds are blocked while the payment is disputed";
    let before = admin
        .html(&format!("/admin/orders/{disputed}"))
        .await
        .matches(blocked)
        .count();
    let page = admin
        .post_then(
            &format!("/admin/orders/{disputed}/cancel-refund"),
            &[],
            &format!("/admin/orders/{disputed}"),
        )
        .await;
    assert_eq!(
        page.matches(blocked).count(),
        before + 1,
        "the refusal is flashed beside the dispute's banner: {page}"
    );
    assert!(
        !page.contains("data-action=\"cancel-refund\""),
        "not offered"
    );
    assert!(refund_rows(&app).is_empty());
    assert!(sandbox.refunds().is_empty());

    // AsiaBill refuses the refund (the simulator fails a refund whose reason is FAIL): the order
    // stays paid and its stock sold.
    let number = paid_order(&app).await;
    let stock = app.stock(KETTLE);
    let r = confirm_cancel_refund(&admin, &number, "FAIL").await;
    assert_eq!(r.status(), 303);
    eventually("the refund fails", || {
        refund_rows(&app)
            .first()
            .is_some_and(|r| r.status.as_str() == "failed")
    })
    .await;
    let after = order_by_number(&app, &number);
    assert_eq!(
        (
            after.status.as_str(),
            after.refunded_minor,
            after.stock_released
        ),
        ("paid", 0, false)
    );
    assert!(after.cancelled_at.is_none());
    assert_eq!(app.stock(KETTLE), stock, "nothing restocked");
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-order-status=\"paid\""));
    assert!(!page.contains("data-cancelled-after-refund"));
    assert!(
        page.contains("data-action=\"cancel-refund\""),
        "it may be tried again"
    );
}

// ---- 4. Resend an email ---------------------------------------------------------------------

#[tokio::test]
async fn any_email_of_an_order_is_sent_again_as_a_copy_and_audited() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order_id = order_by_number(&app, &number).id;
    let ids: Vec<(i64, String)> = email_outbox::table
        .filter(email_outbox::order_id.eq(order_id))
        .order(email_outbox::id)
        .select((email_outbox::id, email_outbox::kind))
        .load(&mut app.db.get().expect("conn"))
        .expect("emails");
    let (first, kind) = ids.first().cloned().expect("the order's emails");
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    for (id, _) in &ids {
        assert!(page.contains(&format!("data-resend=\"{id}\"")), "{page}");
    }

    let before = emails(&app).len();
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/emails/{first}/resend"),
            &[],
            &format!("/admin/orders/{number}#emails"),
        )
        .await;
    assert!(page.contains("A copy of the email is queued"), "{page}");
    let all = emails(&app);
    assert_eq!(all.len(), before + 1, "one copy queued");
    let copy = all.last().expect("copy");
    let original: (String, String, String) = email_outbox::table
        .find(first)
        .select((
            email_outbox::kind,
            email_outbox::subject,
            email_outbox::body_text,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("original");
    assert_eq!(copy, &original, "the same email");
    assert_eq!(copy.0, kind);
    assert!(audit_actions(&app).contains(&"email.resend".to_owned()));

    // Another order's email is not resent from this order's page.
    let other = paid_order(&app).await;
    let r = admin
        .post(&format!("/admin/orders/{other}/emails/{first}/resend"), &[])
        .await;
    assert_eq!(r.status(), 404);
}

// ---- 5. Customers ---------------------------------------------------------------------------

#[tokio::test]
async fn customers_are_listed_by_email_with_their_orders_and_accounts_marked() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let paid = paid_order(&app).await;
    let captured = order_by_number(&app, &paid).captured_minor;
    let unpaid = order(&app).await;
    let unpaid = order_by_token(&app, &unpaid).number;
    app.add_to_cart(KETTLE, 1).await;
    let r = app.checkout("hosted", &[("email", "bo@example.com")]).await;
    assert_eq!(r.status(), 303);
    diesel::insert_into(shoppers::table)
        .values((
            shoppers::email.eq("bo@example.com"),
            shoppers::password_hash.eq("not used"),
            shoppers::name.eq("Bo"),
            shoppers::locale.eq("en"),
            shoppers::disabled.eq(false),
            shoppers::created_at.eq(now()),
        ))
        .execute(&mut app.db.get().expect("conn"))
        .expect("an account");

    let page = admin.html("/admin/customers").await;
    assert!(page.contains("<strong data-count>2</strong>"), "{page}");
    let ana = page
        .split("data-customer=\"ana@example.com\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("ana listed");
    assert!(
        ana.contains("<td class=\"num\" data-orders>2</td>"),
        "{ana}"
    );
    assert!(
        ana.contains(&format!("data-paid>${}</td>", decimal(captured))),
        "{ana}"
    );
    assert!(!ana.contains("data-account"), "a guest");
    let bo = page
        .split("data-customer=\"bo@example.com\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("bo listed");
    assert!(bo.contains("data-account"), "an account holder: {bo}");

    let found = admin.html("/admin/customers?q=BO%40").await;
    assert!(found.contains("<strong data-count>1</strong>"), "{found}");
    assert!(found.contains("bo@example.com") && !found.contains("ana@example.com"));

    let one = admin.html("/admin/customers/ana%40example.com").await;
    assert!(one.contains("data-customer-email>ana@example.com"), "{one}");
    assert!(one.contains(&format!("data-order=\"{paid}\"")));
    assert!(one.contains(&format!("data-order=\"{unpaid}\"")));
    assert!(one.contains("data-guest"));
    let r = admin.get("/admin/customers/nobody%40example.com").await;
    assert_eq!(r.status(), 404);
    let page2 = admin.html("/admin/customers?page=2").await;
    assert!(page2.contains("<strong data-count>2</strong>"));
}

// ---- 6. Low stock ---------------------------------------------------------------------------

#[tokio::test]
async fn products_at_or_below_the_low_stock_setting_are_listed_on_the_dashboard() {
    let app = spawn_app_with(|s| s.shop_low_stock = Some("3".into())).await;
    let admin = admin(&app).await;
    let set_stock = |slug: &str, units: i64| {
        diesel::update(products::table.filter(products::slug.eq(slug)))
            .set(products::stock.eq(units))
            .execute(&mut app.db.get().expect("conn"))
            .expect("stock");
    };
    let sku = |slug: &str| -> String {
        products::table
            .filter(products::slug.eq(slug))
            .select(products::sku)
            .first(&mut app.db.get().expect("conn"))
            .expect("sku")
    };
    // Every product well stocked but two: one at the threshold, one just above.
    diesel::update(products::table)
        .set(products::stock.eq(100))
        .execute(&mut app.db.get().expect("conn"))
        .expect("stock");
    let page = admin.html("/admin").await;
    assert!(page.contains("data-low-stock=\"none\""), "{page}");
    assert!(page.contains("data-low-stock-threshold=\"3\""));

    set_stock(KETTLE, 3);
    let other: String = products::table
        .filter(products::slug.ne(KETTLE))
        .order(products::id)
        .select(products::slug)
        .first(&mut app.db.get().expect("conn"))
        .expect("another product");
    set_stock(&other, 4);
    let page = admin.html("/admin").await;
    assert!(
        page.contains(&format!("data-low-stock=\"{}\"", sku(KETTLE))),
        "{page}"
    );
    assert!(!page.contains(&format!("data-low-stock=\"{}\"", sku(&other))));
    assert!(page.contains("<span class=\"status status--info\" data-units>3</span>"));
}

// ---- 7. Bulk shipping -----------------------------------------------------------------------

/// Posts `csv` as the bulk form's file, with `csrf` as its token and the orders `selected`
/// ticked on the list.
async fn post_bulk(admin: &Admin, csrf: &str, csv: &str, selected: &[&str]) -> reqwest::Response {
    let boundary = "order-management-test";
    let ticked: String = selected
        .iter()
        .map(|n| {
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"selected\"\r\n\r\n{n}\r\n"
            )
        })
        .collect();
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         {ticked}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ship.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    admin
        .client
        .post(admin.url("/admin/orders/bulk-ship"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("POST bulk-ship")
}

#[tokio::test]
async fn bulk_shipping_ships_each_good_row_and_says_what_happened_to_every_other_row() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let first = paid_order(&app).await;
    let second = paid_order(&app).await;
    let unpaid = order(&app).await;
    let unpaid = order_by_token(&app, &unpaid).number;
    let list = admin.html("/admin/orders").await;
    assert!(
        list.contains("action=\"/admin/orders/bulk-ship\""),
        "the form is on the list"
    );

    let csv = format!(
        "order_number,lc_code,tracking_number,tracking_url\n\
         {first},DHL,JD0001,https://track.example/JD0001\n\
         A99999,DHL,JD0002,https://track.example/JD0002\n\
         {unpaid},DHL,JD0003,https://track.example/JD0003\n\
         {second},DHL,JD0004\n\
         {second},UPS,1Z999,https://track.example/1Z999\n"
    );
    // Without the token, nothing ships.
    let r = post_bulk(&admin, "forged", &csv, &[]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        order_by_number(&app, &first).fulfilment_status.as_str(),
        "unfulfilled"
    );

    let r = post_bulk(&admin, &admin.csrf, &csv, &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("result page");
    for (line, outcome) in [
        (2, "shipped"),
        (3, "not_found"),
        (4, "not_paid"),
        (5, "bad_row"),
        (6, "shipped"),
    ] {
        assert!(
            page.contains(&format!("data-row=\"{line}\" data-outcome=\"{outcome}\"")),
            "line {line} {outcome}: {page}"
        );
    }
    assert!(page.contains("data-shipped-count=\"2\""));
    assert!(page.contains("Not paid: the order is Awaiting payment"));
    assert!(page.contains("Bad row:"));
    for number in [&first, &second] {
        assert_eq!(
            order_by_number(&app, number).fulfilment_status.as_str(),
            "shipped"
        );
    }
    assert_eq!(
        order_by_number(&app, &unpaid).fulfilment_status.as_str(),
        "unfulfilled"
    );
    let uploaded: Vec<(String, String)> = shipments::table
        .order(shipments::id)
        .select((shipments::tracking_number, shipments::logistics_status))
        .load(&mut app.db.get().expect("conn"))
        .expect("shipments");
    assert_eq!(
        uploaded,
        vec![
            ("JD0001".to_owned(), "uploaded".to_owned()),
            ("1Z999".to_owned(), "uploaded".to_owned()),
        ],
        "each good row uploaded to AsiaBill, nothing for the others"
    );
    assert!(audit_actions(&app).contains(&"orders.bulk_ship".to_owned()));

    let r = post_bulk(&admin, &admin.csrf, "\n", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("data-file-error"));

    // Orders ticked on the list: only their rows ship, and a ticked order without a row is named.
    let third = paid_order(&app).await;
    let fourth = paid_order(&app).await;
    let list = admin.html("/admin/orders").await;
    assert!(list.contains(&format!(
        "name=\"selected\" value=\"{third}\" form=\"bulk-ship-form\""
    )));
    let csv = format!(
        "{third},DHL,JD0005,https://track.example/JD0005\n\
         {fourth},DHL,JD0006,https://track.example/JD0006\n"
    );
    let r = post_bulk(&admin, &admin.csrf, &csv, &[&third, &unpaid]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("result page");
    assert!(
        page.contains("data-row=\"1\" data-outcome=\"shipped\""),
        "{page}"
    );
    assert!(
        page.contains("data-row=\"2\" data-outcome=\"not_selected\""),
        "{page}"
    );
    assert!(
        page.contains("data-row=\"0\" data-outcome=\"no_row\""),
        "{page}"
    );
    assert_eq!(
        order_by_number(&app, &third).fulfilment_status.as_str(),
        "shipped"
    );
    assert_eq!(
        order_by_number(&app, &fourth).fulfilment_status.as_str(),
        "unfulfilled",
        "not ticked, not shipped"
    );
}
