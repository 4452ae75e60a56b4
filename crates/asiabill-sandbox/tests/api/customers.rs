//! `/customers`.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn customers_are_created_read_listed_and_deleted() {
    let app = spawn().await;
    let created = app
        .post(
            "/V2022-03/customers",
            &json!({"description": "vip", "email": "jo@example.com", "firstName": "Jo", "lastName": "Doe", "phone": "555"}),
        )
        .await;
    created.assert_code("00000");
    let id = created.data()["customerId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(id.starts_with("cus_") && id.len() == 23, "{id}");
    assert_eq!(created.data()["email"], "jo@example.com");

    let path = format!("/V2022-03/customers/{id}");
    let got = app.send(Req::get(&path).path_values(&[&id])).await;
    got.assert_code("00000");
    assert_eq!(got.data()["firstName"], "Jo");

    app.post("/V2022-03/customers", &json!({}))
        .await
        .assert_code("00000");
    let page = app
        .send(Req::get("/V2022-03/customers").query(&[("pageIndex", "1"), ("pageSize", "1")]))
        .await;
    page.assert_code("00000");
    assert_eq!(page.data()["page"]["total"], 2);
    assert_eq!(page.data()["list"].as_array().map(Vec::len), Some(1));

    let deleted = app
        .send(Req::new(reqwest::Method::DELETE, &path).path_values(&[&id]))
        .await;
    deleted.assert_code("00000");
    app.send(Req::get(&path).path_values(&[&id]))
        .await
        .assert_code("N0001");
    assert_eq!(app.sandbox.customers().len(), 1);
}

#[tokio::test]
async fn customers_are_per_gateway_and_fields_are_bounded() {
    let app = spawn().await;
    let created = app
        .post("/V2022-03/customers", &json!({"email": "a@b.c"}))
        .await;
    let id = created.data()["customerId"]
        .as_str()
        .expect("id")
        .to_owned();
    app.send(
        Req::get(&format!("/V2022-03/customers/{id}"))
            .path_values(&[&id])
            .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("N0001");
    app.post("/V2022-03/customers", &json!({"firstName": "x".repeat(51)}))
        .await
        .assert_code("I0060");
    app.send(Req::get("/V2022-03/customers").query(&[("pageSize", "0")]))
        .await
        .assert_code("I0060");
}
