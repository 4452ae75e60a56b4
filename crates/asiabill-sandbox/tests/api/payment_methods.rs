//! `/payment_methods`: create, read, update, list, attach, detach, and the card checks.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_card_is_tokenised_and_managed() {
    let app = spawn().await;
    let created = app
        .post("/V2022-03/payment_methods", &card_body("4242424242424242"))
        .await;
    created.assert_code("00000");
    let pm = created.data()["customerPaymentMethodId"]
        .as_str()
        .expect("pm")
        .to_owned();
    assert!(pm.starts_with("pm_") && pm.len() == 22, "{pm}");
    assert_eq!(
        created.data()["card"],
        json!({"brand": "Visa", "last4": "4242"})
    );
    assert_eq!(created.data()["billingDetail"]["address"]["city"], "Austin");
    assert!(!created.raw.contains("4242424242424242"));

    let path = format!("/V2022-03/payment_methods/{pm}");
    let got = app.send(Req::get(&path).path_values(&[&pm])).await;
    got.assert_code("00000");
    assert_eq!(got.data()["customerPaymentMethodId"], pm);

    let mut billing = card_body("")
        .get("billingDetail")
        .cloned()
        .expect("billing");
    billing["firstName"] = json!("Joanna");
    let updated = app
        .post(
            "/V2022-03/payment_methods/update",
            &json!({"billingDetail": billing, "customerPaymentMethodId": pm}),
        )
        .await;
    updated.assert_code("00000");
    assert_eq!(updated.data()["billingDetail"]["firstName"], "Joanna");

    let customer = app
        .post("/V2022-03/customers", &json!({"email": "a@b.c"}))
        .await;
    let cus = customer.data()["customerId"]
        .as_str()
        .expect("cus")
        .to_owned();
    let list_path = format!("/V2022-03/payment_methods/list/{cus}");
    let list = app.send(Req::get(&list_path).path_values(&[&cus])).await;
    list.assert_code("00000");
    assert_eq!(list.data(), &json!([]));

    // attach signs both placeholders, sorted: cus_… before pm_….
    let attach = format!("/V2022-03/payment_methods/{pm}/{cus}/attach");
    app.send(Req::get(&attach).path_values(&[&pm, &cus]))
        .await
        .assert_code("00000");
    let list = app.send(Req::get(&list_path).path_values(&[&cus])).await;
    assert_eq!(list.data()[0]["customerPaymentMethodId"], pm);
    assert_eq!(list.data()[0]["card"]["last4"], "4242");

    let detach = format!("/V2022-03/payment_methods/{pm}/detach");
    let detached = app.send(Req::get(&detach).path_values(&[&pm])).await;
    detached.assert_code("00000");
    assert_eq!(detached.data()["customerId"], "");
    let list = app.send(Req::get(&list_path).path_values(&[&cus])).await;
    assert_eq!(list.data(), &json!([]));
}

#[tokio::test]
async fn a_method_created_for_a_customer_is_attached() {
    let app = spawn().await;
    let customer = app.post("/V2022-03/customers", &json!({})).await;
    let cus = customer.data()["customerId"]
        .as_str()
        .expect("cus")
        .to_owned();
    let mut body = card_body("5333302221254276");
    body["customerId"] = json!(cus);
    let created = app.post("/V2022-03/payment_methods", &body).await;
    created.assert_code("00000");
    assert_eq!(created.data()["customerId"], cus);
    assert_eq!(created.data()["card"]["brand"], "MasterCard");
    body["customerId"] = json!("cus_1000000000000000000");
    app.post("/V2022-03/payment_methods", &body)
        .await
        .assert_code("N0001");
}

#[tokio::test]
async fn bad_cards_and_missing_fields_are_refused() {
    let app = spawn().await;
    let cases = [
        ("/card/cardNo", json!("4242424242424241"), "I0030"),
        ("/card/cardNo", json!("4242"), "I0030"),
        ("/card/cardExpireMonth", json!("13"), "I0034"),
        ("/card/cardExpireYear", json!("2020"), "I0038"),
        ("/card/cardSecurityCode", json!("1"), "I0041"),
        ("/billingDetail/email", json!(""), "I0059"),
        ("/card/cardNo", json!(""), "I0059"),
    ];
    for (pointer, value, code) in cases {
        let mut body = card_body("4242424242424242");
        *body.pointer_mut(pointer).expect(pointer) = value;
        app.post("/V2022-03/payment_methods", &body)
            .await
            .assert_code(code);
    }
    let mut body = card_body("4242424242424242");
    body["card"]
        .as_object_mut()
        .expect("card")
        .remove("cardSecurityCode");
    let r = app.post("/V2022-03/payment_methods", &body).await;
    r.assert_code("I0059");
    assert!(r.raw.contains("cardSecurityCode"), "{}", r.raw);
    let unknown = "pm_1000000000000000000";
    app.send(Req::get(&format!("/V2022-03/payment_methods/{unknown}")).path_values(&[unknown]))
        .await
        .assert_code("N0002");
}
