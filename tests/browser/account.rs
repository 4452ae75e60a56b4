//! A shopper's account in the browser: sign up from the header, save an address, find the
//! checkout filled from it, pay, see the order in the account, sign out and in again.

use crate::{
    harness::scenario,
    shopper::{SUCCESS, add_to_cart, card, expect_paid, pay_in_site},
};

#[tokio::test]
async fn sign_up_save_an_address_and_check_out_with_it() {
    scenario(
        "account_sign_up_and_address",
        |_| {},
        async |ctx| {
            let b = &ctx.browser;
            b.open("/").await;
            b.click("a.account-link[href='/account/signin']").await;
            b.wait_for_shop_path("/account/signin").await;
            b.click("a[href^='/account/signup']").await;
            b.wait_for_shop_path("/account/signup").await;
            b.fill("#field-email", "ana@example.com").await;
            b.fill("#field-name", "Ana Lima").await;
            b.fill("#field-password", "harbour-blend-42").await;
            b.fill("#field-password_again", "harbour-blend-42").await;
            b.click("form[action='/account/signup'] button[type=submit]")
                .await;
            b.wait_for_shop_path("/account").await;
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
