//! The webhook log and the dashboard: flagged deliveries dismissed with a note, duplicate
//! deliveries counted, the type of a refused delivery shown as received, net revenue and double
//! charges.

use asiabill_shop::db::{
    now,
    schema::{audit_log, payment_attempts, refunds, webhook_events},
};
use diesel::prelude::*;

use crate::{
    admin_support::{admin, order_by_number, paid_order},
    helpers::{TestApp, location, spawn_app},
    payments::{eventually, signed_webhook},
};

const FOREIGN: &str = r#"{"data":{"transactionType":"Sale","orderAmount":"1.00","orderNo":"NOT-OURS-1","tradeNo":"2026112512000011111111","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;

fn webhook_id(app: &TestApp, order_no: &str) -> i64 {
    webhook_events::table
        .filter(webhook_events::gateway_order_no.eq(order_no))
        .select(webhook_events::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("stored")
}

fn attention_group<'a>(page: &'a str, key: &str) -> Option<&'a str> {
    let start = page.find(&format!("data-attention=\"{key}\""))?;
    let rest = &page[start..];
    Some(&rest[..rest.find("</div>").unwrap_or(rest.len())])
}

#[tokio::test]
async fn a_flagged_webhook_is_dismissed_with_a_note_and_stays_in_the_log_resolved() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    assert_eq!(signed_webhook(&app, FOREIGN).await.status(), 200);
    let id = webhook_id(&app, "NOT-OURS-1");
    let dashboard = admin.html("/admin").await;
    let group = attention_group(&dashboard, "admin.dashboard.webhooks").expect("listed");
    assert!(
        group.contains(&format!("#{id} transaction.success")),
        "{group}"
    );

    let page = admin.html(&format!("/admin/webhooks/{id}")).await;
    assert!(page.contains(&format!("action=\"/admin/webhooks/{id}/dismiss\"")));
    // A note is required.
    let page = admin
        .post_then(
            &format!("/admin/webhooks/{id}/dismiss"),
            &[("note", "  ")],
            &format!("/admin/webhooks/{id}"),
        )
        .await;
    assert!(page.contains("Write a note"), "{page}");
    assert!(
        attention_group(&admin.html("/admin").await, "admin.dashboard.webhooks").is_some(),
        "still needs attention"
    );
    let page = admin
        .post_then(
            &format!("/admin/webhooks/{id}/dismiss"),
            &[("note", "Not our order, told AsiaBill")],
            &format!("/admin/webhooks/{id}"),
        )
        .await;
    assert!(page.contains("Dismissed: it no longer needs attention."));
    assert!(page.contains("data-resolved"));
    assert!(page.contains("Not our order, told AsiaBill"));
    assert!(
        !page.contains(&format!("action=\"/admin/webhooks/{id}/dismiss\"")),
        "nothing left to dismiss"
    );
    let dashboard = admin.html("/admin").await;
    assert!(
        attention_group(&dashboard, "admin.dashboard.webhooks").is_none(),
        "gone from Needs attention"
    );
    assert!(dashboard.contains("Nothing needs attention."));
    let log = admin.html("/admin/webhooks?status=flagged").await;
    let row = &log[log
        .find(&format!("data-webhook=\"{id}\""))
        .expect("still listed")..];
    assert!(row[..row.find("</tr>").expect("row")].contains("Resolved"));
    let audited: Vec<(String, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("webhook.dismiss"))
        .select((audit_log::target_id, audit_log::detail))
        .load::<(Option<String>, Option<String>)>(&mut app.db.get().expect("conn"))
        .expect("audit")
        .into_iter()
        .map(|(t, d)| (t.unwrap_or_default(), d))
        .collect();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, id.to_string());
    assert!(
        audited[0]
            .1
            .as_deref()
            .unwrap_or("")
            .contains("told AsiaBill")
    );
    // A second dismissal changes nothing.
    let r = admin
        .post(
            &format!("/admin/webhooks/{id}/dismiss"),
            &[("note", "again")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/webhooks/{id}"));
    let again: i64 = audit_log::table
        .filter(audit_log::action.eq("webhook.dismiss"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(again, 1);
}

#[tokio::test]
async fn a_duplicate_delivery_is_counted_on_the_stored_row() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    assert_eq!(signed_webhook(&app, FOREIGN).await.status(), 200);
    let id = webhook_id(&app, "NOT-OURS-1");
    let page = admin.html(&format!("/admin/webhooks/{id}")).await;
    assert!(page.contains("data-deliveries=\"1\""));
    for _ in 0..2 {
        assert_eq!(signed_webhook(&app, FOREIGN).await.status(), 200);
    }
    let rows: i64 = webhook_events::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(rows, 1, "still deduplicated");
    let page = admin.html(&format!("/admin/webhooks/{id}")).await;
    assert!(page.contains("data-deliveries=\"3\""), "{page}");
    assert!(page.contains("latest"), "when the last one came");
    let log = admin.html("/admin/webhooks").await;
    assert!(log.contains("delivered 3 times"));
}

#[tokio::test]
async fn a_refused_delivery_shows_the_type_it_was_sent_with() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let r = app
        .client
        .post(app.url("/payment/asiabill/webhook"))
        .header("gateway-no", "12246002")
        .header("request-id", "FORGED")
        .header("request-time", "1")
        .header("version", "V2022-03")
        .header("sign-info", "00")
        .body(r#"{"type":"refund.success","data":{}}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    let id: i64 = webhook_events::table
        .select(webhook_events::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("stored");
    let dashboard = admin.html("/admin").await;
    assert!(
        dashboard.contains(&format!("#{id} refund.success")),
        "{dashboard}"
    );
    assert!(!dashboard.contains(&format!("#{id} ?")));
    let page = admin.html(&format!("/admin/webhooks/{id}")).await;
    assert!(page.contains("<code data-event-type>refund.success</code>"));
}

fn price(minor: i64) -> String {
    format!("${}.{:02}", minor / 100, minor % 100)
}

#[tokio::test]
async fn revenue_is_net_of_refunds_and_double_charges_need_attention() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let total = order.total_minor;
    let (attempt_id, order_no): (i64, String) = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order.id))
        .select((payment_attempts::id, payment_attempts::gateway_order_no))
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    eventually("the payment webhook arrives", || {
        webhook_events::table
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            > 0
    })
    .await;
    let page = admin.html("/admin").await;
    assert!(page.contains(&format!("data-stat=\"recent-revenue\">{}<", price(total))));

    // A settled refund of 5.00 comes off the revenue.
    diesel::insert_into(refunds::table)
        .values((
            refunds::order_id.eq(order.id),
            refunds::attempt_id.eq(attempt_id),
            refunds::sequence.eq(1),
            refunds::mer_track_no.eq(format!("{number}-R1")),
            refunds::amount_minor.eq(500),
            refunds::currency.eq("USD"),
            refunds::reason.eq("Damaged"),
            refunds::status.eq("succeeded"),
            refunds::created_at.eq(now()),
            refunds::updated_at.eq(now()),
            refunds::settled_at.eq(Some(now())),
        ))
        .execute(&mut app.db.get().expect("conn"))
        .expect("refund");
    let page = admin.html("/admin").await;
    assert!(
        page.contains(&format!(
            "data-stat=\"recent-revenue\">{}<",
            price(total - 500)
        )),
        "net"
    );
    assert!(page.contains(&format!("captured {} − refunds {}", price(total), "$5.00")));
    assert!(page.contains(&format!(
        "data-stat=\"today-revenue\">{}<",
        price(total - 500)
    )));

    // AsiaBill reports a second successful transaction for the same orderNo: charged twice.
    let second = format!(
        r#"{{"data":{{"transactionType":"Sale","orderAmount":"{}.{:02}","orderNo":"{order_no}","tradeNo":"2026120300000000000777","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""}},"type":"transaction.success"}}"#,
        total / 100,
        total % 100
    );
    assert_eq!(signed_webhook(&app, &second).await.status(), 200);
    let page = admin.html("/admin").await;
    let group = attention_group(&page, "admin.dashboard.double_charges").expect("listed");
    assert!(
        group.contains(&format!("href=\"/admin/orders/{number}\"")),
        "{group}"
    );
    assert!(group.contains("2026120300000000000777"));
    assert!(group.contains("class=\"badge\">1<"));
    assert!(
        page.contains(&format!(
            "data-stat=\"recent-revenue\">{}<",
            price(2 * total - 500)
        )),
        "AsiaBill took the money twice"
    );
}
