//! A shopper's account in the browser: sign up from the header, save an address, find the
//! checkout filled from it, pay, see the order in the account, sign out and in again.

use std::time::Instant;

use crate::{
    admin::{log_in_and_open, order_number, with_admin},
    harness::{Browser, WAIT, scenario},
    shopper::{SUCCESS, add_to_cart, card, check_out, expect_paid, pay_in_site},
};

/// Opens `path` again until `css` is on it: for what a background job brings (a saved card).
async fn reload_until(b: &Browser, path: &str, css: &str) {
    let deadline = Instant::now() + WAIT * 2;
    loop {
        b.open(path).await;
        if b.client.find(fantoccini::Locator::Css(css)).await.is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never appeared on {path}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Signs up from the header's "Sign in" link; lands on "My account".
async fn sign_up(b: &Browser, email: &str) {
    b.open("/").await;
    b.click("a.account-link[href='/account/signin']").await;
    b.wait_for_shop_path("/account/signin").await;
    b.click("a[href^='/account/signup']").await;
    b.wait_for_shop_path("/account/signup").await;
    b.fill("#field-email", email).await;
    b.fill("#field-name", "Ana Lima").await;
    b.fill("#field-password", "harbour-blend-42").await;
    b.fill("#field-password_again", "harbour-blend-42").await;
    b.click("form[action='/account/signup'] button[type=submit]")
        .await;
    b.wait_for_shop_path("/account").await;
}

#[tokio::test]
async fn sign_up_save_an_address_and_check_out_with_it() {
    scenario(
        "account_sign_up_and_address",
        |_| {},
        async |ctx| {
            let b = &ctx.browser;
            sign_up(b, "ana@example.com").await;
            b.wait_for_text("h1", "My account").await;
            b.wait_for_text("[data-verified='no']", "ana@example.com")
                .await;

            // An address, kept in the account.
            for (field, value) in [
                ("address_first_name", "Ana"),
                ("address_last_name", "Lima"),
                ("address_address", "7 Quay Road"),
                ("address_city", "Portland"),
                ("address_state", "OR"),
                ("address_zip", "97209"),
                ("phone", "+1 503 555 0199"),
            ] {
                b.fill(&format!("#field-{field}"), value).await;
            }
            b.select("#field-address_country", "US").await;
            b.click("form[action='/account/addresses'] button[type=submit]")
                .await;
            b.wait_for_text("[data-address]", "7 Quay Road").await;

            // The checkout starts from it.
            add_to_cart(b, "gooseneck-kettle", 1).await;
            b.open("/checkout").await;
            let value = async |css: &str| {
                b.find(css)
                    .await
                    .prop("value")
                    .await
                    .expect("value")
                    .unwrap_or_default()
            };
            assert_eq!(value("#field-email").await, "ana@example.com");
            assert_eq!(value("#field-billing_address").await, "7 Quay Road");
            assert_eq!(value("#field-billing_zip").await, "97209");

            // Placed and paid signed in: the order is in "My orders".
            b.click("input[name=payment_mode][value=insite]").await;
            b.click(".checkout-form button[type=submit]").await;
            let url = b
                .wait_for_url("the payment page", |u| {
                    b.is_shop(u) && u.path().ends_with("/pay")
                })
                .await;
            let token = url
                .path()
                .trim_start_matches("/orders/")
                .trim_end_matches("/pay")
                .to_owned();
            pay_in_site(b, &card(SUCCESS, "5307")).await;
            expect_paid(ctx, &token, "Paid", "Thank you").await;
            b.open("/account").await;
            b.wait_for_text("[data-account-orders]", "Paid").await;

            // Signed out, the header offers to sign in again, and signing in comes back.
            b.open("/account").await;
            b.click("form[action='/account/signout'] button[type=submit]")
                .await;
            b.wait_for_shop_path("/").await;
            b.find("a.account-link[href='/account/signin']").await;
            b.open("/account").await;
            b.wait_for_shop_path("/account/signin").await;
            b.fill("#field-email", "ana@example.com").await;
            b.fill("#field-password", "harbour-blend-42").await;
            b.click("form[action='/account/signin'] button[type=submit]")
                .await;
            b.wait_for_shop_path("/account").await;
            b.wait_for_text("[data-address]", "7 Quay Road").await;
        },
    )
    .await;
}

#[tokio::test]
async fn save_a_card_pay_with_one_click_charge_it_as_the_merchant_and_remove_it() {
    scenario("account_saved_card", with_admin, async |ctx| {
        let b = &ctx.browser;
        sign_up(b, "ana@example.com").await;

        // Pay in-site, ticking "save this card".
        add_to_cart(b, "gooseneck-kettle", 1).await;
        let first = check_out(b, "insite").await;
        b.click("#save-card").await;
        pay_in_site(b, &card(SUCCESS, "6814")).await;
        expect_paid(ctx, &first, "Paid", "Thank you").await;
        reload_until(b, "/account", "[data-card]").await;
        b.wait_for_text("[data-card]", "Visa •••• 4242").await;

        // The next order: one click on the saved card.
        add_to_cart(b, "ethiopia-yirgacheffe", 1).await;
        let second = check_out(b, "insite").await;
        b.wait_for_text("#pay-saved", "Visa •••• 4242").await;
        b.click("button[data-saved-card]").await;
        expect_paid(ctx, &second, "Paid", "Thank you").await;

        // The merchant charges a surcharge to the first order's saved card.
        let number = order_number(ctx, &first);
        log_in_and_open(b, &format!("/admin/orders/{number}")).await;
        b.fill("#field-charge-amount", "4.50").await;
        b.fill("#field-charge-reason", "Express shipping").await;
        b.click("button[data-action=charge]").await;
        b.wait_for_text(".flash", "The saved card was charged $4.50.")
            .await;
        b.wait_for_text("[data-extra-charged]", "$4.50").await;

        // The shopper removes the card.
        b.open("/account").await;
        b.click("form[action$='/delete'][action^='/account/cards'] button[type=submit]")
            .await;
        b.wait_for_text(".flash", "The card is removed").await;
        b.wait_for_text("#cards", "No saved cards").await;
    })
    .await;
}
