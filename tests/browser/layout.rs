//! Layout as a shopper and a merchant see it: the shop's pages on a 390 px phone, the payment
//! page and checkout form on a 1366 px laptop, and the admin order page at 1366 px.

use fantoccini::Locator;

use crate::{
    admin::{log_in_and_open, order_number, with_admin},
    harness::{Browser, scenario},
    shopper::{MISTYPED, SUCCESS, add_to_cart, card, check_out, expect_paid, pay_in_site},
};

/// An everyday phone's viewport (iPhone 12 to 15).
const PHONE: (u32, u32) = (390, 844);
/// The most common laptop viewport.
const LAPTOP: (u32, u32) = (1366, 900);

/// `(x, y, width, height)` of the element matching `css`.
async fn rect(b: &Browser, css: &str) -> (f64, f64, f64, f64) {
    b.find(css)
        .await
        .rectangle()
        .await
        .unwrap_or_else(|e| panic!("no box for {css}: {e}"))
}

/// Whether the element matching `css` is shown at all.
async fn is_shown(b: &Browser, css: &str) -> bool {
    b.find(css)
        .await
        .is_displayed()
        .await
        .unwrap_or_else(|e| panic!("cannot tell whether {css} shows: {e}"))
}

#[tokio::test]
async fn shop_pages_fit_a_phone_screen() {
    scenario(
        "phone_layout",
        |_| {},
        async |ctx| {
            let b = &ctx.browser;
            b.set_viewport(PHONE.0, PHONE.1).await;

            // Home: two cards a row, and a test banner that is a strip, not a quarter screen.
            b.open("/").await;
            b.find(".product-card").await;
            b.assert_no_horizontal_overflow("the home page").await;
            let banner = rect(b, ".env-banner").await;
            assert!(
                banner.3 <= 90.0,
                "the test banner takes {} px of an {} px screen",
                banner.3,
                PHONE.1
            );
            let cards = b
                .client
                .find_all(Locator::Css(".product-card"))
                .await
                .expect("product cards");
            assert!(cards.len() >= 2, "the catalogue lists products");
            let first = cards[0].rectangle().await.expect("first card");
            let second = cards[1].rectangle().await.expect("second card");
            assert_eq!(first.1, second.1, "two product cards side by side");
            assert!(
                first.3 < f64::from(PHONE.1) / 2.0,
                "a card is {} px tall on an {} px screen",
                first.3,
                PHONE.1
            );

            // Cart: quantities, Update and the totals show without sideways scrolling.
            add_to_cart(b, "gooseneck-kettle", 1).await;
            add_to_cart(b, "ethiopia-yirgacheffe", 2).await;
            b.assert_no_horizontal_overflow("the cart").await;
            b.assert_not_cut_off("tr[data-item-id] td", ".table-wrap")
                .await;
            b.assert_not_cut_off("tr[data-item-id] .cart-qty button", ".table-wrap")
                .await;
            b.assert_not_cut_off(".summary-card .totals", ".summary-card")
                .await;
            b.assert_not_cut_off(".summary-card a[href='/checkout']", ".summary-card")
                .await;

            // Checkout form.
            b.open("/checkout").await;
            b.find(".checkout-form").await;
            b.assert_no_horizontal_overflow("the checkout form").await;
            b.assert_not_cut_off(".checkout-form button[type=submit]", ".checkout-form")
                .await;

            // Payment page: both options and the card frame fit, and so do the card fields
            // inside the frame.
            let token = check_out(b, "insite").await;
            b.find("#asiabill-card-frame").await;
            b.assert_no_horizontal_overflow("the payment page").await;
            for part in ["#asiabill-card-frame", "#insite-pay", "#pay-hosted button"] {
                b.assert_not_cut_off(part, ".pay-option").await;
            }
            b.enter_frame("#asiabill-card-frame").await;
            b.find("#ab-card-number[style*='font-size']").await;
            b.assert_no_horizontal_overflow("the card frame").await;
            b.assert_not_cut_off(".ab-input", ".ab-box").await;
            b.leave_frame().await;

            // Order page after paying.
            pay_in_site(b, &card(SUCCESS, "4731")).await;
            expect_paid(ctx, &token, "Paid", "Your payment went through.").await;
            b.assert_no_horizontal_overflow("the order page").await;
            b.assert_not_cut_off(".order-layout td", ".order-layout")
                .await;
        },
    )
    .await;
}

#[tokio::test]
async fn payment_page_shows_no_error_until_there_is_one() {
    scenario(
        "pay_page_no_error_mark",
        |_| {},
        async |ctx| {
            let b = &ctx.browser;
            b.set_viewport(LAPTOP.0, LAPTOP.1).await;
            add_to_cart(b, "ceramic-mug", 1).await;

            // The checkout form and its summary sit together, without a wide gap between.
            b.open("/checkout").await;
            let form = rect(b, ".checkout-form").await;
            let summary = rect(b, ".checkout-layout > .summary-card").await;
            let gap = summary.0 - (form.0 + form.2);
            assert!(
                (0.0..=40.0).contains(&gap),
                "{gap} px between the checkout form and its summary"
            );

            check_out(b, "insite").await;
            b.enter_frame("#asiabill-card-frame").await;
            b.find("#ab-card-number[style*='font-size']").await;
            b.leave_frame().await;
            assert!(
                !is_shown(b, "#card-errors").await,
                "no error mark above Pay before anything went wrong"
            );

            pay_in_site(b, &card(MISTYPED, "2684")).await;
            b.wait_for_text("#card-errors", "Enter a valid card number.")
                .await;
            assert!(is_shown(b, "#card-errors").await, "the card error shows");
        },
    )
    .await;
}

#[tokio::test]
async fn admin_order_page_shows_every_column_on_a_laptop() {
    scenario("admin_order_laptop", with_admin, async |ctx| {
        let b = &ctx.browser;
        b.set_viewport(LAPTOP.0, LAPTOP.1).await;
        add_to_cart(b, "gooseneck-kettle", 1).await;
        let token = check_out(b, "insite").await;
        pay_in_site(b, &card(SUCCESS, "5862")).await;
        expect_paid(ctx, &token, "Paid", "Your payment went through.").await;
        let number = order_number(ctx, &token);

        log_in_and_open(b, &format!("/admin/orders/{number}")).await;
        b.fill("#field-lc_code", "DHL").await;
        b.fill("#field-tracking_number", "JD014600003828").await;
        b.fill("#field-tracking_url", "https://www.dhl.com/track")
            .await;
        b.click("#ship button[type=submit]").await;
        b.wait_for_text("[data-upload-status]", "Uploaded").await;

        b.assert_no_horizontal_overflow("the admin order page")
            .await;
        // Every attempt cell, "AsiaBill says" and the times included, without scrolling.
        b.wait_for_text("tr[data-attempt] td:nth-child(7)", "Approved")
            .await;
        b.assert_not_cut_off("tr[data-attempt] td", ".panel").await;
        b.assert_not_cut_off("tr[data-shipment] td", ".panel").await;
        b.wait_for_text("tr[data-shipment] .row-actions button", "Check status")
            .await;
        b.assert_not_cut_off("tr[data-shipment] .row-actions button", ".panel")
            .await;
        // The gateway's JSON stays inside its card, in the timeline and in the admin actions.
        // Whether the payment's event carries AsiaBill's answer depends on whether the
        // confirmCharge reply or the webhook (which has none) was applied first, so every
        // detail there is is opened rather than one named.
        let summaries = b
            .client
            .find_all(Locator::Css(".timeline details summary"))
            .await
            .expect("timeline details");
        for summary in &summaries {
            summary.click().await.expect("open a timeline detail");
        }
        b.assert_not_cut_off(".timeline__item", ".panel").await;
        if !summaries.is_empty() {
            b.assert_not_cut_off(".timeline details pre", ".panel")
                .await;
        }
        b.assert_not_cut_off(".panel table td", ".panel").await;

        // On a phone the page itself never scrolls sideways: wide tables scroll in their box.
        b.set_viewport(PHONE.0, PHONE.1).await;
        b.open(&format!("/admin/orders/{number}")).await;
        b.find("[data-upload-status]").await;
        b.assert_no_horizontal_overflow("the admin order page on a phone")
            .await;
    })
    .await;
}
