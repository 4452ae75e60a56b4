//! Local payment methods in the browser: choosing one at checkout, the simulator's QR, bank and
//! redirect pages, and coming back to the shop.

use crate::{
    harness::{Browser, Ctx, scenario},
    shopper::{SUCCESS, add_to_cart, card, expect_paid, pay_in_site},
};

/// The checkout form with a billing address in `country`, paying with `mode` (a card mode or a
/// local method's key); answers the order's token once the payment page shows.
async fn check_out_from(b: &Browser, country: &str, state: &str, zip: &str, mode: &str) -> String {
    b.open("/checkout").await;
    for (field, value) in [
        ("email", "ana@example.com"),
        ("phone", "+31 20 555 0100"),
        ("billing_first_name", "Ana"),
        ("billing_last_name", "Lima"),
        ("billing_address", "1 Harbour Street"),
        ("billing_city", "Harbourtown"),
        ("billing_state", state),
        ("billing_zip", zip),
    ] {
        b.fill(&format!("#field-{field}"), value).await;
    }
    b.select("#field-billing_country", country).await;
    b.click(&format!("input[name=payment_mode][value={mode}]"))
        .await;
    b.click(".checkout-form button[type=submit]").await;
    let url = b
        .wait_for_url("the payment page", |u| {
            b.is_shop(u) && u.path().ends_with("/pay")
        })
        .await;
    url.path()
        .trim_start_matches("/orders/")
        .trim_end_matches("/pay")
        .to_owned()
}

/// On the payment page: the method's button; lands on the simulator's page for it.
async fn go_to_method(b: &Browser, key: &str, family: &str) {
    b.click(&format!("button[data-method={key}]")).await;
    b.wait_for_url("the method's page", |u| {
        !b.is_shop(u) && u.path().starts_with("/local/")
    })
    .await;
    b.find(&format!("#local-payment[data-family={family}]"))
        .await;
}

/// The order page after a local payment: paid.
async fn expect_local_paid(ctx: &Ctx, token: &str) {
    let b = &ctx.browser;
    b.wait_for_shop_path(&format!("/orders/{token}")).await;
    b.wait_for_text("[data-order-status]", "Paid").await;
    assert_eq!(ctx.shop.order_status(token), "paid");
}

#[tokio::test]
async fn alipay_by_qr_code_then_klarna_declined_and_paid_by_card() {
    scenario(
        "local_qr_and_redirect",
        |_| {},
        async |ctx| {
            let b = &ctx.browser;
            // Chosen at checkout: the payment page puts Alipay first; its page shows a QR code.
            add_to_cart(b, "gooseneck-kettle", 1).await;
            let first = check_out_from(b, "US", "OR", "97201", "alipay").await;
            b.find("#pay-local.is-chosen .local-method.is-chosen button[data-method=alipay]")
                .await;
            go_to_method(b, "alipay", "qr").await;
            b.find("#qr-code svg").await;
            b.click("a#scan-button").await;
            expect_local_paid(ctx, &first).await;

            // Klarna declines; the shopper pays by card instead.
            add_to_cart(b, "ethiopia-yirgacheffe", 1).await;
            let second = check_out_from(b, "US", "OR", "97201", "insite").await;
            go_to_method(b, "klarna", "redirect").await;
            b.click("#decline-button").await;
            b.wait_for_shop_path(&format!("/orders/{second}/pay")).await;
            b.find("[data-failure-reason]").await;
            pay_in_site(b, &card(SUCCESS, "7291")).await;
            expect_paid(ctx, &second, "Paid", "Thank you").await;
        },
    )
    .await;
}

#[tokio::test]
async fn ideal_at_the_chosen_bank_in_euros() {
    scenario(
        "local_bank",
        |s| s.shop_currency = Some("EUR".into()),
        async |ctx| {
            let b = &ctx.browser;
            add_to_cart(b, "gooseneck-kettle", 1).await;
            let token = check_out_from(b, "NL", "", "1011 AB", "ideal").await;
            go_to_method(b, "ideal", "bank").await;
            b.select("#bank-select", "ING").await;
            b.click("#approve-button").await;
            expect_local_paid(ctx, &token).await;

            // A second order paid by card, so that the leak check has this scenario's card to look for.
            add_to_cart(b, "ethiopia-yirgacheffe", 1).await;
            let second = check_out_from(b, "NL", "", "1011 AB", "insite").await;
            pay_in_site(b, &card(SUCCESS, "3358")).await;
            expect_paid(ctx, &second, "Paid", "Thank you").await;
        },
    )
    .await;
}
