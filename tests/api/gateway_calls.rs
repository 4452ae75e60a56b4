//! The AsiaBill API log (admin → "Gateway calls"): every call the shop made, with its answer,
//! the signature shown, the sign key never, personal data masked, linked to its order; purged
//! after `ASIABILL_LOG_DAYS`.

use asiabill_shop::{db::schema::gateway_calls, payments::api_log};
use diesel::prelude::*;

use crate::{
    admin_support::admin,
    helpers::{TestApp, spawn_app, spawn_app_with},
    payments::{eventually, order, start_hosted},
};

fn logged(app: &TestApp, endpoint: &str) -> i64 {
    gateway_calls::table
        .filter(gateway_calls::endpoint.eq(endpoint))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

/// The body of the first request sent to `endpoint`, as the API log keeps it (masked), once the
/// log has it: it is written by a task of its own, just after the answer.
pub async fn first_sent(app: &TestApp, endpoint: &str) -> serde_json::Value {
    eventually("the request is in the API log", || {
        logged(app, endpoint) > 0
    })
    .await;
    let body: String = gateway_calls::table
        .filter(gateway_calls::endpoint.eq(endpoint))
        .order(gateway_calls::id)
        .select(gateway_calls::request_body)
        .first(&mut app.db.get().expect("conn"))
        .expect("logged");
    serde_json::from_str(&body).expect("a JSON body")
}

#[tokio::test]
async fn every_call_is_logged_with_its_signature_and_answer_and_no_personal_data() {
    let app = spawn_app().await;
    let token = order(&app).await;
    start_hosted(&app, &token).await;
    eventually("the hosted-page call is logged", || {
        logged(&app, "checkout/payment") == 1
    })
    .await;
    let number: String = asiabill_shop::db::schema::orders::table
        .select(asiabill_shop::db::schema::orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");

    let admin = admin(&app).await;
    let list = admin
        .html(&format!("/admin/gateway-calls?q={number}"))
        .await;
    assert!(list.contains("data-endpoint=\"checkout/payment\""));
    assert!(
        list.contains(&format!("{number}-1")),
        "the attempt's orderNo"
    );
    let id: i64 = gateway_calls::table
        .filter(gateway_calls::endpoint.eq("checkout/payment"))
        .select(gateway_calls::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("row");
    let call = admin.html(&format!("/admin/gateway-calls/{id}")).await;
    assert!(call.contains("sign-info"), "the signature header is shown");
    assert!(call.contains("data-response-body"), "the answer is kept");
    assert!(call.contains("redirectUrl"));
    for secret in [
        "ana@example.com",
        "1 Harbour Street",
        "Portland",
        "12H4567r",
    ] {
        assert!(!call.contains(secret), "{secret} must not be in the log");
    }
    assert!(call.contains("a***"), "the email is masked, not dropped");

    // The order page links to its calls; the filter finds none of another order.
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains(&format!("/admin/gateway-calls?q={number}")));
    let other = admin.html("/admin/gateway-calls?q=Z99999").await;
    assert!(other.contains("data-total=\"0\""));
}

#[tokio::test]
async fn old_calls_are_purged_and_a_zero_retention_keeps_none() {
    let app = spawn_app().await;
    let token = order(&app).await;
    start_hosted(&app, &token).await;
    eventually("logged", || logged(&app, "checkout/payment") == 1).await;
    let mut conn = app.db.get().expect("conn");
    let all: i64 = gateway_calls::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert!(all >= 2, "sessionToken and checkout/payment");
    let at = asiabill_shop::db::now();
    assert_eq!(api_log::purge(&mut conn, 30, at).expect("purge"), 0);
    let purged = api_log::purge(&mut conn, 30, at + chrono::Duration::days(31)).expect("purge");
    assert_eq!(
        i64::try_from(purged).expect("count"),
        all,
        "everything older than the retention goes"
    );

    let off = spawn_app_with(|s| s.asiabill_log_days = Some("0".into())).await;
    let token = order(&off).await;
    start_hosted(&off, &token).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rows: i64 = gateway_calls::table
        .count()
        .get_result(&mut off.db.get().expect("conn"))
        .expect("count");
    assert_eq!(rows, 0);
}
