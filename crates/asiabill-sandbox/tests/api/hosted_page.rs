//! The hosted payment page over HTTP, as a browser without JavaScript uses it.

use crate::helpers::*;

const RETURN: &str = "http://shop.test/payment/asiabill/return?attempt=A7-1";

#[tokio::test]
async fn the_page_shows_the_order_and_a_card_form() {
    let app = spawn().await;
    let (path, _) = app.hosted_checkout(RETURN).await;
    let page = app.get_page(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("cache-control"), "no-store");
    let session = app
        .sandbox
        .hosted_session(path.rsplit('/').next().expect("token"))
        .expect("session");
    for expected in [
        "AsiaBill Sandbox",
        ">TEST<",
        session.order_no.as_str(),
        "19.99 USD",
        "Mug",
        "shop.test",
        r#"name="cardNo""#,
        r#"name="cardExpireMonth""#,
        r#"name="cardExpireYear""#,
        r#"name="cardSecurityCode""#,
        r#"name="cardHolderName""#,
        "Cancel and return to the merchant",
        "/static/sandbox/sandbox.css",
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }
    let css = app.get_page("/static/sandbox/sandbox.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
}

#[tokio::test]
async fn the_page_speaks_chinese_when_asked() {
    let app = spawn().await;
    let (path, _) = app.hosted_checkout(RETURN).await;
    let by_query = app.get_page(&format!("{path}?lang=zh-CN")).await;
    assert!(by_query.html.contains("安全支付"), "{}", by_query.html);
    assert!(by_query.html.contains(r#"<html lang="zh-CN">"#));
    assert!(
        by_query.html.contains("?lang=zh-CN"),
        "forms keep the language"
    );
    let by_header = app
        .get_page_with(&path, &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")])
        .await;
    assert!(by_header.html.contains("取消并返回商户"));
    let query_wins = app
        .get_page_with(&format!("{path}?lang=en"), &[("accept-language", "zh-CN")])
        .await;
    assert!(query_wins.html.contains("Secure payment"));
    let default = app.get_page(&path).await;
    assert!(default.html.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn an_approved_card_returns_signed_success_with_the_merchants_parameters() {
    let app = spawn().await;
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let fields = card_fields("4242 4242 4242 4242");
    let location = app.post_form(&path, &as_refs(&fields)).await.see_other();
    assert!(
        location.starts_with("http://shop.test/payment/asiabill/return?attempt=A7-1&"),
        "{location}"
    );
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "success");
    assert_eq!(params["orderInfo"], "Transaction Approved");
    assert_eq!(params["tradeNo"], trade_no);
    assert_eq!(params["orderAmount"], "19.99");
    assert_eq!(params["maskCardNo"], "424242***4242");
    assert_eq!(params["attempt"], "A7-1");
    let hook = app.hooks.event(&trade_no, "transaction.success").await;
    assert!(webhook_signature_ok(&hook));

    // Coming back to the page shows how it ended and the way back.
    let again = app.get_page(&path).await;
    assert_eq!(again.status, 200);
    assert!(again.html.contains("This payment is finished"));
    assert!(again.html.contains("Approved"));
    assert!(again.html.contains("return-to-merchant"));
    // A second card is not taken.
    let second = app.post_form(&path, &as_refs(&fields)).await.see_other();
    assert!(second.starts_with(&path), "{second}");
    assert_eq!(app.hooks.for_trade_now(&trade_no).len(), 1);
}

#[tokio::test]
async fn a_declined_card_returns_signed_fail() {
    let app = spawn().await;
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let fields = card_fields("4000000000009995");
    let location = app.post_form(&path, &as_refs(&fields)).await.see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "fail");
    assert_eq!(params["orderInfo"], "Decline");
    assert_eq!(
        app.hooks.event(&trade_no, "transaction.fail").await.json()["data"]["orderInfo"],
        "Decline"
    );
}

#[tokio::test]
async fn a_3ds_card_goes_through_the_challenge_page() {
    let app = spawn().await;
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let fields = card_fields("4000002500003155");
    let challenge = app
        .post_form(&format!("{path}?lang=zh-CN"), &as_refs(&fields))
        .await
        .see_other();
    assert!(challenge.starts_with("/threeds/"), "{challenge}");
    assert!(challenge.ends_with("?lang=zh-CN"), "the language follows");
    assert!(app.hooks.for_trade_now(&trade_no).is_empty());
    // The hosted page now leads to the open challenge.
    assert_eq!(
        app.get_page(&path).await.see_other(),
        challenge.replace("zh-CN", "en")
    );

    let page = app.get_page(&challenge).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("验证通过"), "{}", page.html);
    assert!(page.html.contains("400000***3155"));
    let location = app
        .post_form(&challenge, &[("result", "authenticate")])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "success");
    assert_eq!(params["maskCardNo"], "400000***3155");
    assert_eq!(params["attempt"], "A7-1");
    app.hooks.event(&trade_no, "transaction.success").await;
}

#[tokio::test]
async fn validation_messages_are_shown_next_to_the_fields() {
    let app = spawn().await;
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let page = app
        .post_form(
            &path,
            &[
                ("cardNo", "4242424242424241"),
                ("cardExpireMonth", "13"),
                ("cardExpireYear", "2020"),
                ("cardSecurityCode", "12"),
                ("cardHolderName", " "),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    for message in [
        "Please correct the fields marked below.",
        "Enter a valid card number.",
        "Enter the expiry month as two digits, 01 to 12.",
        "Enter a four-digit year",
        "Enter the 3-digit security code",
        "Enter the name on the card.",
    ] {
        assert!(page.html.contains(message), "missing {message}");
    }
    assert!(
        page.html
            .contains(r#"aria-describedby="card-number-error""#)
    );
    assert!(
        page.html.contains(r#"value="4242424242424241""#),
        "the number is kept"
    );
    assert!(
        !page.html.contains(r#"value="12""#),
        "the CVV is never echoed"
    );

    let tx = app.sandbox.transaction(&trade_no).expect("tx");
    assert_eq!(tx.status.as_str(), "pending");
    assert!(tx.mask_card_no.is_none());

    // A past month of this year is expired; a year 11 years ahead is too far.
    use chrono::Datelike;
    let now = chrono::Utc::now();
    let mut fields = card_fields("4242424242424242");
    fields[2].1 = (now.year() + 11).to_string();
    let page = app.post_form(&path, &as_refs(&fields)).await;
    assert_eq!(page.status, 422);
    assert!(page.html.contains("Enter a four-digit year"));
    if now.month() > 1 {
        let mut fields = card_fields("4242424242424242");
        fields[1].1 = format!("{:02}", now.month() - 1);
        fields[2].1 = now.year().to_string();
        assert_eq!(app.post_form(&path, &as_refs(&fields)).await.status, 422);
    }

    let zh = app
        .post_form(&format!("{path}?lang=zh-CN"), &[("cardNo", "1")])
        .await;
    assert_eq!(zh.status, 422);
    assert!(zh.html.contains("请输入有效的卡号。"));

    // A one-digit month is accepted as 0M.
    let mut fields = card_fields("4242424242424242");
    fields[1].1 = "9".to_owned();
    fields[2].1 = (now.year() + 1).to_string();
    let location = app.post_form(&path, &as_refs(&fields)).await.see_other();
    assert_eq!(verified_return(&location)["orderStatus"], "success");
}

#[tokio::test]
async fn cancel_returns_fail_with_customer_cancel() {
    let app = spawn().await;
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let location = app
        .post_form(&format!("{path}/cancel"), &[])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "fail");
    assert_eq!(params["orderInfo"], "E0008:Customer Cancel");
    assert_eq!(params["maskCardNo"], "");
    let hook = app.hooks.event(&trade_no, "transaction.fail").await;
    assert_eq!(hook.json()["data"]["orderInfo"], "E0008:Customer Cancel");
    // Cancelling twice changes nothing.
    let again = app
        .post_form(&format!("{path}/cancel"), &[])
        .await
        .see_other();
    assert!(again.starts_with(&path));
}

#[tokio::test]
async fn a_held_payment_returns_pending_and_is_not_charged_twice() {
    let app = spawn().await;
    app.sandbox.set_hold_pending(true);
    let (path, trade_no) = app.hosted_checkout(RETURN).await;
    let fields = card_fields("4242424242424242");
    let location = app.post_form(&path, &as_refs(&fields)).await.see_other();
    assert_eq!(verified_return(&location)["orderStatus"], "pending");
    app.hooks.event(&trade_no, "transaction.pending").await;
    let again = app.post_form(&path, &as_refs(&fields)).await.see_other();
    assert!(again.starts_with(&path));
    app.hooks.event(&trade_no, "transaction.success").await;
    assert_eq!(app.hooks.for_trade_now(&trade_no).len(), 2);
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = spawn().await;
    assert_eq!(app.get_page("/checkout/pay/nope").await.status, 404);
    assert_eq!(app.get_page("/checkout/pay/a%2Fb").await.status, 404);
    let fields = card_fields("4242424242424242");
    assert_eq!(
        app.post_form("/checkout/pay/nope", &as_refs(&fields))
            .await
            .status,
        404
    );
    assert_eq!(
        app.post_form("/checkout/pay/nope/cancel", &[]).await.status,
        404
    );
}
