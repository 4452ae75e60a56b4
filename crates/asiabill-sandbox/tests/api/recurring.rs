//! Saved cards and subscriptions on `/confirmCharge` (section 7.3): `Recurring` needs a
//! successful `InitRecurring` first and is never challenged; a method belongs to one customer;
//! a detached method is not charged; the console lists customers and cards.

use serde_json::{Value, json};

use crate::helpers::*;

const THREE_DS: &str = "4000002500003155";
const APPROVED: &str = "4242424242424242";
const DECLINED: &str = "4000000000009995";

fn init(customer_id: &str) -> Value {
    json!({"customerId": customer_id, "tokenType": "InitRecurring"})
}

fn recurring(customer_id: &str) -> Value {
    json!({"customerId": customer_id, "tokenType": "Recurring"})
}

fn trade_no(reply: &Reply) -> String {
    reply.data()["tradeNo"]
        .as_str()
        .expect("tradeNo")
        .to_owned()
}

/// Asserts an immediate approval without a 3DS redirect.
#[track_caller]
fn assert_approved(reply: &Reply) {
    reply.assert_code("00000");
    assert_eq!(reply.data()["orderStatus"], "success", "{}", reply.raw);
    assert_eq!(reply.data()["redirectUrl"], "", "{}", reply.raw);
}

/// Asserts a 3DS challenge and answers the path of its page.
#[track_caller]
fn challenged(app: &TestApp, reply: &Reply) -> String {
    reply.assert_code("00000");
    assert_eq!(reply.data()["orderStatus"], "pending", "{}", reply.raw);
    let redirect = reply.data()["redirectUrl"].as_str().expect("redirectUrl");
    let path = redirect.strip_prefix(&app.base).expect("on the simulator");
    assert!(path.starts_with("/threeds/"), "{path}");
    path.to_owned()
}

#[tokio::test]
async fn recurring_without_a_successful_init_recurring_is_refused() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.saved_card(APPROVED, &cus).await;
    let r = app.charge_method(&pm, recurring(&cus)).await;
    r.assert_code("M0001");
    assert!(r.raw.contains("InitRecurring"), "{}", r.raw);
    assert!(app.sandbox.transactions().is_empty());

    // A declined first charge does not count: it must be redone.
    let declining = app.saved_card(DECLINED, &cus).await;
    let r = app.charge_method(&declining, init(&cus)).await;
    assert_eq!(r.data()["orderStatus"], "fail");
    app.charge_method(&declining, recurring(&cus))
        .await
        .assert_code("M0001");

    assert_approved(&app.charge_method(&pm, init(&cus)).await);
    let r = app.charge_method(&pm, recurring(&cus)).await;
    assert_approved(&r);
    app.hooks.event(&trade_no(&r), "transaction.success").await;
    // As often as the subscription needs.
    assert_approved(&app.charge_method(&pm, recurring(&cus)).await);
    let methods = app.sandbox.payment_methods();
    let saved = methods.iter().find(|p| p.id == pm).expect("pm");
    assert_eq!(saved.recurring_customer_id.as_deref(), Some(cus.as_str()));
}

#[tokio::test]
async fn init_recurring_with_the_3ds_card_is_challenged_then_recurring_is_not() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.saved_card(THREE_DS, &cus).await;
    // An ordinary saved-card charge of the 3DS card is challenged, and does not count.
    let plain = app
        .charge_method(&pm, json!({"customerId": cus.clone()}))
        .await;
    challenged(&app, &plain);

    let first = app.charge_method(&pm, init(&cus)).await;
    let path = challenged(&app, &first);
    // Not before the shopper has authenticated.
    app.charge_method(&pm, recurring(&cus))
        .await
        .assert_code("M0001");
    let location = app
        .post_form(&path, &[("result", "authenticate")])
        .await
        .see_other();
    assert_eq!(verified_return(&location)["orderStatus"], "success");

    let r = app.charge_method(&pm, recurring(&cus)).await;
    assert_approved(&r);
    assert_eq!(r.data()["maskCardNo"], "400000***3155");
    let hook = app.hooks.event(&trade_no(&r), "transaction.success").await;
    assert!(webhook_signature_ok(&hook));
    // The shopper-present charges of the same card are still challenged.
    challenged(
        &app,
        &app.charge_method(&pm, json!({"customerId": cus.clone()}))
            .await,
    );
    challenged(&app, &app.charge_method(&pm, init(&cus)).await);
}

#[tokio::test]
async fn a_failed_3ds_init_recurring_must_be_redone() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.saved_card(THREE_DS, &cus).await;
    let path = challenged(&app, &app.charge_method(&pm, init(&cus)).await);
    let location = app
        .post_form(&path, &[("result", "fail")])
        .await
        .see_other();
    assert_eq!(verified_return(&location)["orderStatus"], "fail");
    app.charge_method(&pm, recurring(&cus))
        .await
        .assert_code("M0001");
}

#[tokio::test]
async fn init_recurring_counts_once_settled_later() {
    let app = spawn().await;
    let cus = app.customer().await;

    // Held pending by the switch, then approved after the delay.
    app.sandbox.set_hold_pending(true);
    let held_pm = app.saved_card(APPROVED, &cus).await;
    let held = app.charge_method(&held_pm, init(&cus)).await;
    assert_eq!(held.data()["orderStatus"], "pending");
    app.sandbox.set_hold_pending(false);
    app.charge_method(&held_pm, recurring(&cus))
        .await
        .assert_code("M0001");
    app.hooks
        .event(&trade_no(&held), "transaction.success")
        .await;
    assert_approved(&app.charge_method(&held_pm, recurring(&cus)).await);

    // Waiting on 3DS, then approved with the console's button.
    let pm = app.saved_card(THREE_DS, &cus).await;
    let first = app.charge_method(&pm, init(&cus)).await;
    challenged(&app, &first);
    let csrf = app.get_page("/console").await.csrf();
    let location = app
        .post_form(
            &format!("/console/transactions/{}/settle", trade_no(&first)),
            &[("csrf", &csrf), ("outcome", "success")],
        )
        .await
        .see_other();
    assert!(location.contains("settled"), "{location}");
    assert_approved(&app.charge_method(&pm, recurring(&cus)).await);
}

#[tokio::test]
async fn save_after_pay_may_charge_an_unattached_method_but_recurring_needs_it_attached() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.payment_method(APPROVED, GATEWAY).await;
    assert_approved(&app.charge_method(&pm, init(&cus)).await);
    let r = app.charge_method(&pm, recurring(&cus)).await;
    r.assert_code("N0002");
    assert!(r.raw.contains("not attached"), "{}", r.raw);

    let attach = format!("/V2022-03/payment_methods/{pm}/{cus}/attach");
    app.send(Req::get(&attach).path_values(&[&pm, &cus]))
        .await
        .assert_code("00000");
    assert_approved(&app.charge_method(&pm, recurring(&cus)).await);
}

#[tokio::test]
async fn a_method_of_another_customer_is_refused() {
    let app = spawn().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let pm = app.saved_card(APPROVED, &owner).await;
    assert_approved(&app.charge_method(&pm, init(&owner)).await);
    for extra in [
        recurring(&other),
        init(&other),
        json!({"customerId": other.clone()}),
    ] {
        let r = app.charge_method(&pm, extra.clone()).await;
        r.assert_code("N0002");
        assert!(
            r.raw.contains(&format!("not attached to customer {other}")),
            "{extra} → {}",
            r.raw
        );
    }
    // Moved to the other customer, the card needs a first charge for them.
    let attach = format!("/V2022-03/payment_methods/{pm}/{other}/attach");
    app.send(Req::get(&attach).path_values(&[&pm, &other]))
        .await
        .assert_code("00000");
    app.charge_method(&pm, recurring(&other))
        .await
        .assert_code("M0001");
    app.charge_method(&pm, recurring(&owner))
        .await
        .assert_code("N0002");
}

#[tokio::test]
async fn a_detached_method_is_not_charged() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.saved_card(APPROVED, &cus).await;
    assert_approved(&app.charge_method(&pm, init(&cus)).await);
    let detach = format!("/V2022-03/payment_methods/{pm}/detach");
    app.send(Req::get(&detach).path_values(&[&pm]))
        .await
        .assert_code("00000");
    for extra in [
        recurring(&cus),
        init(&cus),
        json!({"customerId": cus.clone()}),
        json!({}),
    ] {
        let r = app.charge_method(&pm, extra.clone()).await;
        r.assert_code("N0002");
        assert!(r.raw.contains("detached"), "{extra} → {}", r.raw);
    }
    // Attached again it may be charged, but the recurring agreement is gone.
    let attach = format!("/V2022-03/payment_methods/{pm}/{cus}/attach");
    app.send(Req::get(&attach).path_values(&[&pm, &cus]))
        .await
        .assert_code("00000");
    app.charge_method(&pm, recurring(&cus))
        .await
        .assert_code("M0001");
    assert_approved(&app.charge_method(&pm, init(&cus)).await);
    assert_approved(&app.charge_method(&pm, recurring(&cus)).await);
}

#[tokio::test]
async fn deleting_a_customer_detaches_its_methods() {
    let app = spawn().await;
    let cus = app.customer().await;
    let pm = app.saved_card(APPROVED, &cus).await;
    assert_approved(&app.charge_method(&pm, init(&cus)).await);
    let path = format!("/V2022-03/customers/{cus}");
    app.send(Req::new(reqwest::Method::DELETE, &path).path_values(&[&cus]))
        .await
        .assert_code("00000");
    let methods = app.sandbox.payment_methods();
    let saved = methods.iter().find(|p| p.id == pm).expect("pm");
    assert!(saved.detached && saved.customer_id.is_none());
    assert!(saved.recurring_customer_id.is_none());
    // The customer is gone (N0001) and so is the card without one (N0002).
    app.charge_method(&pm, recurring(&cus))
        .await
        .assert_code("N0001");
    let r = app.charge_method(&pm, json!({})).await;
    r.assert_code("N0002");
    assert!(r.raw.contains("detached"), "{}", r.raw);
}

#[tokio::test]
async fn the_console_lists_customers_and_their_cards_without_full_numbers() {
    let app = spawn().await;
    let cus = app.customer().await;
    let saved = app.saved_card(THREE_DS, &cus).await;
    let path = challenged(&app, &app.charge_method(&saved, init(&cus)).await);
    app.post_form(&path, &[("result", "authenticate")])
        .await
        .see_other();
    let loose = app.payment_method(APPROVED, GATEWAY).await;
    let dropped = app.saved_card("5333302221254276", &cus).await;
    let detach = format!("/V2022-03/payment_methods/{dropped}/detach");
    app.send(Req::get(&detach).path_values(&[&dropped]))
        .await
        .assert_code("00000");

    let page = app.get_page("/console").await;
    assert_eq!(page.status, 200);
    let year = future_year();
    for expected in [
        r#"id="customers""#,
        r#"id="payment-methods""#,
        cus.as_str(),
        "jo@example.com",
        "Jo Doe",
        saved.as_str(),
        loose.as_str(),
        dropped.as_str(),
        &format!("{saved} Visa 3155"),
        "MasterCard",
        "…4276",
        &format!("12/{year}"),
        "detached",
    ] {
        assert!(page.html.contains(expected), "console lacks {expected}");
    }
    let row = |id: &str| -> String {
        let start = page
            .html
            .find(&format!(r#"data-payment-method-id="{id}""#))
            .expect("row");
        let end = page.html[start..].find("</tr>").expect("row end");
        page.html[start..start + end].to_owned()
    };
    assert!(row(&saved).contains(">yes<"), "{}", row(&saved));
    assert!(row(&saved).contains(&cus));
    assert!(row(&loose).contains(">no<"), "{}", row(&loose));
    assert!(row(&loose).contains(">none<"), "{}", row(&loose));
    for pan in [THREE_DS, APPROVED, "5333302221254276"] {
        assert!(
            !page.html.contains(pan),
            "a full card number on the console"
        );
    }
}
