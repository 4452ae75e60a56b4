//! The merchant's side: logging in through the real form, then refunding, shipping and
//! capturing an order a shopper paid for in the same browser.

use std::time::Instant;

use asiabill_shop::db::schema::{orders, refunds, shipments};
use diesel::prelude::*;
use fantoccini::Locator;

use crate::{
    harness::{Browser, Ctx, WAIT, remember_typed, scenario},
    shopper::{SUCCESS, add_to_cart, card, check_out, expect_paid, pay_in_site},
};

const ADMIN_EMAIL: &str = "owner@example.com";
const ADMIN_PASSWORD: &str = "a long enough secret";

/// The first admin account, created at start-up from the settings.
pub(crate) fn with_admin(s: &mut asiabill_shop::config::RawSettings) {
    s.shop_admin_email = Some(ADMIN_EMAIL.into());
    s.shop_admin_password = Some(ADMIN_PASSWORD.into());
}

/// The number of the order with page token `token`.
pub(crate) fn order_number(ctx: &Ctx, token: &str) -> String {
    orders::table
        .filter(orders::access_token.eq(token))
        .select(orders::number)
        .first(&mut ctx.shop.db.get().expect("connection"))
        .expect("the order")
}

/// `(status, fulfilment_status, captured_minor, total_minor)` of the order numbered `number`.
fn order_state(ctx: &Ctx, number: &str) -> (String, String, i64, i64) {
    orders::table
        .filter(orders::number.eq(number))
        .select((
            orders::status,
            orders::fulfilment_status,
            orders::captured_minor,
            orders::total_minor,
        ))
        .first(&mut ctx.shop.db.get().expect("connection"))
        .expect("the order")
}

/// Opens the admin page `path`: the shop sends the browser to the login form, where the admin
/// logs in, and then back to `path`.
pub(crate) async fn log_in_and_open(b: &Browser, path: &str) {
    b.open(path).await;
    b.wait_for_shop_path("/admin/login").await;
    b.wait_for_text("h1", "Admin login").await;
    b.fill("#field-email", ADMIN_EMAIL).await;
    b.fill("#field-password", ADMIN_PASSWORD).await;
    b.click(".admin-login button[type=submit]").await;
    // Argon2 is slow in debug builds: allow the verification a few waits.
    let deadline = Instant::now() + WAIT * 3;
    loop {
        let url = b.url().await;
        if b.is_shop(&url) && url.path() == path {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never got past the login form to {path}; stayed on {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Reloads `path` until the element matching `css` says `needle`; answers its text.
async fn reload_until(b: &Browser, path: &str, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut seen = String::from("(no such element)");
    loop {
        b.open(path).await;
        if let Ok(e) = b.client.find(Locator::Css(css)).await
            && let Ok(text) = e.text().await
        {
            if text.contains(needle) {
                return text;
            }
            seen = text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} on {path} never said {needle:?} within {WAIT:?}; it said {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn admin_refunds_part_and_ships_a_paid_order() {
    scenario("admin_refund_and_ship", with_admin, async |ctx| {
        let b = &ctx.browser;
        add_to_cart(b, "gooseneck-kettle", 1).await;
        let token = check_out(b, "insite").await;
        pay_in_site(b, &card(SUCCESS, "6718")).await;
        expect_paid(ctx, &token, "Paid", "Your payment went through.").await;
        let number = order_number(ctx, &token);
        let page = format!("/admin/orders/{number}");

        log_in_and_open(b, &page).await;
        b.wait_for_text("h1", &number).await;
        b.wait_for_text("[data-order-status]", "Paid").await;
        b.wait_for_text("[data-fulfilment]", "Not shipped").await;
        let (_, _, captured, _) = order_state(ctx, &number);
        assert!(captured > 500, "enough to refund part of: {captured}");

        // Refund part of it.
        b.fill("#field-amount", "5.00").await;
        b.fill("#field-reason", "Dented lid").await;
        b.click("#refund button[type=submit]").await;
        // Nothing goes to AsiaBill before the admin has seen the amount and the payment.
        b.wait_for_text("[data-confirm-amount]", "5.00").await;
        b.wait_for_text("[data-confirm-order-no]", &format!("{number}-1"))
            .await;
        b.click("button[data-confirm-refund]").await;
        b.wait_for_text(".flash--success", &format!("Refund {number}-R1 requested."))
            .await;
        b.wait_for_shop_path(&page).await;

        // Ship it.
        b.fill("#field-lc_code", "DHL").await;
        b.fill("#field-tracking_number", "JD014600003828").await;
        b.fill("#field-tracking_url", "https://www.dhl.com/track")
            .await;
        b.click("#ship button[type=submit]").await;
        b.wait_for_text(
            ".flash--success",
            "Shipment recorded, tracking uploaded to AsiaBill, shopper emailed.",
        )
        .await;
        b.wait_for_text("[data-fulfilment]", "Shipped").await;
        b.wait_for_text("[data-shipment]", "JD014600003828").await;
        b.wait_for_text("[data-upload-status]", "Uploaded").await;

        // The simulator settles the refund a moment later and says so by webhook. Its webhook
        // may be applied before or after the shop records AsiaBill's acceptance (the refund is
        // then `reserved` or `requested`): both are on the timeline either way.
        reload_until(b, &page, "li[data-event='refund_succeeded']", "→ succeeded").await;
        b.wait_for_text(
            "li[data-event='refund_requested']",
            &format!("AsiaBill accepted refund {number}-R1"),
        )
        .await;
        b.wait_for_text(&format!("tr[data-refund='{number}-R1']"), "Succeeded")
            .await;
        b.wait_for_text("[data-refund-status]", "Succeeded").await;
        b.wait_for_text("[data-order-status]", "Partially refunded")
            .await;
        b.wait_for_text("[data-refunded]", "5.00").await;

        let mut conn = ctx.shop.db.get().expect("connection");
        let rows: Vec<(String, i64, String)> = refunds::table
            .order(refunds::id)
            .select((refunds::status, refunds::amount_minor, refunds::reason))
            .load(&mut conn)
            .expect("refunds");
        assert_eq!(
            rows,
            [("succeeded".to_owned(), 500, "Dented lid".to_owned())]
        );
        let shipped: Vec<(String, String, Option<String>, String)> = shipments::table
            .select((
                shipments::carrier,
                shipments::tracking_number,
                shipments::tracking_url,
                shipments::logistics_status,
            ))
            .load(&mut conn)
            .expect("shipments");
        assert_eq!(
            shipped,
            [(
                "DHL".to_owned(),
                "JD014600003828".to_owned(),
                Some("https://www.dhl.com/track".to_owned()),
                "uploaded".to_owned()
            )]
        );
        let (status, fulfilment, _, _) = order_state(ctx, &number);
        assert_eq!(
            (status.as_str(), fulfilment.as_str()),
            ("partially_refunded", "shipped")
        );
    })
    .await;
}

#[tokio::test]
async fn admin_captures_a_pre_authorized_payment() {
    scenario(
        "admin_preauth_capture",
        |s| {
            with_admin(s);
            s.asiabill_gateway_no = Some("12246004".into());
            s.asiabill_sign_key = Some("12H4567r".into());
            s.asiabill_preauth = Some("true".into());
        },
        async |ctx| {
            let b = &ctx.browser;
            add_to_cart(b, "gooseneck-kettle", 1).await;
            let token = check_out(b, "insite").await;
            pay_in_site(b, &card(SUCCESS, "2957")).await;
            b.wait_for_shop_path(&format!("/orders/{token}")).await;
            b.wait_for_text("[data-order-status]", "Payment authorized")
                .await;
            assert_eq!(ctx.shop.order_status(&token), "authorized");
            assert_eq!(ctx.shop.attempt_statuses(&token), ["authorized"]);
            let number = order_number(ctx, &token);
            assert_eq!(order_state(ctx, &number).2, 0, "nothing captured yet");
            let page = format!("/admin/orders/{number}");

            log_in_and_open(b, &page).await;
            b.wait_for_text("[data-order-status]", "Authorized").await;
            b.wait_for_text("[data-attempt-status]", "Authorized").await;
            b.wait_for_text("#refund", "Nothing to refund").await;
            let capture = b.find("button[data-action=capture]").await;
            assert!(
                capture.is_enabled().await.expect("state"),
                "capture offered"
            );
            b.wait_for_text("button[data-action=capture]", "Capture payment")
                .await;
            b.click("button[data-action=capture]").await;

            b.wait_for_text(".flash--success", "Payment captured.")
                .await;
            b.wait_for_shop_path(&page).await;
            b.wait_for_text("[data-order-status]", "Paid").await;
            b.wait_for_text("[data-attempt-status]", "Paid").await;
            assert!(
                !b.find("button[data-action=capture]")
                    .await
                    .is_enabled()
                    .await
                    .expect("state"),
                "nothing left to capture"
            );
            b.wait_for_text("#authorization", "No open authorization")
                .await;

            let (status, _, captured, total) = order_state(ctx, &number);
            assert_eq!((status.as_str(), captured), ("paid", total));
            assert_eq!(ctx.shop.attempt_statuses(&token), ["paid"]);

            // The shopper's page says paid too.
            b.open(&format!("/orders/{token}")).await;
            b.wait_for_text("[data-order-status]", "Paid").await;
        },
    )
    .await;
}

#[tokio::test]
async fn admin_runs_the_integration_self_test_and_watches_it_fill_in() {
    scenario("admin_selftest", with_admin, async |ctx| {
        let b = &ctx.browser;
        // The self-test sends AsiaBill's test cards as a browser would (no CVV worth looking
        // for: it is always 123); the leak check then shows none of them was logged or stored.
        for number in ["4242424242424242", "4000000000009995", "4000002500003155"] {
            remember_typed(number, "");
        }
        log_in_and_open(b, "/admin/go-live").await;
        b.wait_for_text("#selftest h2", "Integration self-test")
            .await;
        b.click("#selftest button[type=submit]").await;
        let url = b
            .wait_for_url("the run's page", |u| {
                u.path().starts_with("/admin/go-live/selftest/")
            })
            .await;
        // The page reloads itself until the run ends, with no click.
        b.wait_for_text("h1 + [data-run-state]", "Passed").await;
        b.wait_for_text("[data-progress]", "16 of 16").await;
        b.wait_for_text("tr[data-check=webhook]", "Passed").await;
        b.wait_for_text("tr[data-check=capture]", "Skipped").await;
        // A row's order links to its gateway calls.
        let link = b
            .find("tr[data-check=refund] a")
            .await
            .attr("href")
            .await
            .expect("href")
            .expect("a link");
        assert!(link.starts_with("/admin/gateway-calls?q="), "{link}");
        b.click("tr[data-check=refund] a").await;
        b.wait_for_text("h1", "Gateway calls").await;
        b.wait_for_text("main", "refund").await;
        assert!(url.path().len() > "/admin/go-live/selftest/".len());
    })
    .await;
}
