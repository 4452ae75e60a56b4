//! The order's timeline shows the AsiaBill traffic behind it: each call the shop made, each
//! return of the shopper's browser and each webhook, with the attempt it belongs to.

use asiabill_shop::db::schema::payment_events;
use diesel::prelude::*;

use crate::{
    admin_support::{admin, order_by_token},
    helpers::{location, spawn_app},
    payments::{
        SUCCESS, completed_return, eventually, follow_return, order, pay_insite,
        pay_on_hosted_page, start_hosted,
    },
};

fn kinds(app: &crate::helpers::TestApp, order_id: i64) -> Vec<String> {
    payment_events::table
        .filter(payment_events::order_id.eq(order_id))
        .order(payment_events::id)
        .select(payment_events::kind)
        .load(&mut app.db.get().expect("conn"))
        .expect("events")
}

#[tokio::test]
async fn the_timeline_names_every_asiabill_call_return_and_webhook_with_its_attempt() {
    let app = spawn_app().await;
    let admin = admin(&app).await;

    // In-site: the payment page asks for a sessionToken, the charge is a confirmCharge, and
    // AsiaBill's webhook follows.
    let token = order(&app).await;
    let r = pay_insite(&app, &token, SUCCESS).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    let insite = order_by_token(&app, &token);
    eventually("the webhook reaches the timeline", || {
        kinds(&app, insite.id)
            .iter()
            .any(|k| k == "webhook_received")
    })
    .await;
    let page = admin
        .html(&format!("/admin/orders/{}", insite.number))
        .await;
    assert!(page.contains("sessionToken: issued"), "{page}");
    assert!(page.contains("confirmCharge: success"));
    assert!(
        page.contains(&format!("data-event-attempt>{}-1</code>", insite.number)),
        "each event names its attempt"
    );
    assert!(
        page.contains("href=\"/admin/webhooks/") && page.contains("data-event-webhook"),
        "the webhook is linked"
    );

    // Hosted: checkout/payment, the shopper's return, and the query that confirms it.
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let back = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    follow_return(&app, &back).await;
    let hosted = order_by_token(&app, &token);
    let page = admin
        .html(&format!("/admin/orders/{}", hosted.number))
        .await;
    assert!(page.contains("checkout/payment: "), "{page}");
    assert!(page.contains("returnUrl: signature verified; success"));
    assert!(page.contains("transactions (confirming the return): success"));
    let kinds = kinds(&app, hosted.id);
    let call = kinds.iter().position(|k| k == "gateway_call");
    let visit = kinds.iter().position(|k| k == "return_visit");
    assert!(call < visit, "in the order they happened: {kinds:?}");
}
