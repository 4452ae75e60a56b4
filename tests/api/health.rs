use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_database_and_skips_dns_for_the_local_simulator() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["gateway"], "local");
}

#[tokio::test]
async fn the_embedded_simulator_answers_on_its_own_port() {
    let app = spawn_app().await;
    let base = app.settings.gateway.environment.payment_url().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_ne!(base, "http://127.0.0.1:0");
    let body: Value = app
        .client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("simulator reachable")
        .json()
        .await
        .expect("json");
    assert_eq!(body["service"], "asiabill-sandbox");
    assert_eq!(body["api_version"], "V2022-03");
}

#[tokio::test]
async fn public_url_follows_the_bound_port() {
    let app = spawn_app().await;
    assert_eq!(app.settings.public_url, app.address);
}
