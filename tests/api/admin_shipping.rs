//! Shipping: the shipment is recorded and emailed, its tracking uploaded to AsiaBill, a failed
//! upload retried (by the button and by the job), the carrier's status read back.

use asiabill_sandbox::Faults;
use asiabill_shop::{
    db::{
        models::Shipment,
        schema::{email_outbox, jobs, payment_attempts, shipments},
    },
    jobs::JobFailure,
    shipping,
};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin, order_by_number, paid_order},
    helpers::{TestApp, spawn_app},
    payments::order,
};

fn shipment_rows(app: &TestApp) -> Vec<Shipment> {
    shipments::table
        .order(shipments::id)
        .select(Shipment::as_select())
        .load(&mut app.db.get().expect("conn"))
        .expect("shipments")
}

async fn ship(admin: &Admin, number: &str, tracking: &str) -> String {
    admin
        .post_then(
            &format!("/admin/orders/{number}/shipments"),
            &[
                ("lc_code", "DHL"),
                ("tracking_number", tracking),
                ("tracking_url", "https://www.dhl.com/track"),
            ],
            &format!("/admin/orders/{number}"),
        )
        .await
}

#[tokio::test]
async fn shipping_records_the_shipment_uploads_it_and_emails_the_shopper() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let page = ship(&admin, &number, "JD014600003828").await;
    assert!(page.contains("tracking uploaded to AsiaBill"), "flash");
    assert!(page.contains("data-upload-status=\"uploaded\""));
    assert!(page.contains("data-fulfilment=\"shipped\""));
    let rows = shipment_rows(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].carrier.as_str(), rows[0].logistics_status.as_str()),
        ("DHL", "uploaded")
    );
    assert!(rows[0].uploaded_at.is_some());
    assert_eq!(
        order_by_number(&app, &number).fulfilment_status.as_str(),
        "shipped"
    );
    let emails: i64 = email_outbox::table
        .filter(email_outbox::kind.eq("shipped"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(emails, 1);

    let sandbox = app.sandbox.as_ref().expect("sim");
    let uploaded = sandbox.logistics();
    let trade_no: Option<String> = payment_attempts::table
        .select(payment_attempts::trade_no)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    let trade_no = trade_no.expect("trade number");
    assert_eq!(uploaded.len(), 1);
    assert_eq!(
        (
            uploaded[0].trade_no.as_str(),
            uploaded[0].tracking_no.as_str(),
            uploaded[0].lc_code.as_str()
        ),
        (trade_no.as_str(), "JD014600003828", "DHL")
    );

    let id = rows[0].id;
    let status = format!("/admin/orders/{number}/shipments/{id}/status");
    let page = admin
        .post_then(&status, &[], &format!("/admin/orders/{number}"))
        .await;
    assert!(
        page.contains("The carrier status at AsiaBill is Pending."),
        "flash"
    );
    sandbox
        .set_logistics_status(&trade_no, "InTransit")
        .expect("carrier moves it");
    let page = admin
        .post_then(&status, &[], &format!("/admin/orders/{number}"))
        .await;
    assert!(page.contains("<strong data-tracking-status>InTransit</strong>"));
    let golive = admin.html("/admin/go-live").await;
    assert!(
        golive.contains("data-item=\"7\" data-state=\"ok\""),
        "logistics uploaded"
    );
}

#[tokio::test]
async fn a_failed_upload_is_retried_by_the_job_and_by_the_button() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    let failing = Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    };
    sandbox.set_faults(failing.clone());
    let page = ship(&admin, &number, "JD0001").await;
    assert!(page.contains("but the upload to AsiaBill failed"), "flash");
    assert!(page.contains("data-upload-status=\"failed\""));
    assert!(page.contains("Retry upload"));
    assert_eq!(
        order_by_number(&app, &number).fulfilment_status.as_str(),
        "shipped"
    );
    let first = shipment_rows(&app).remove(0);
    assert_eq!(first.logistics_status.as_str(), "failed");
    let (kind, payload): (String, String) = jobs::table
        .filter(jobs::kind.eq(shipping::UPLOAD_JOB))
        .select((jobs::kind, jobs::payload))
        .first(&mut app.db.get().expect("conn"))
        .expect("a retry job");
    assert_eq!(kind, shipping::UPLOAD_JOB);
    let golive = admin.html("/admin/go-live").await;
    assert!(
        golive.contains("data-item=\"7\" data-state=\"warn\""),
        "shipped, not uploaded"
    );

    // The job, while AsiaBill still fails: it asks to be retried.
    let state = asiabill_shop::startup::command_payments(app.settings.clone())
        .await
        .expect("state");
    let tried = shipping::retry_job(&state, &payload).await;
    assert!(matches!(tried, Err(JobFailure::Retry(_))), "{tried:?}");
    sandbox.set_faults(Faults::default());
    shipping::retry_job(&state, &payload)
        .await
        .expect("uploaded by the job");
    assert_eq!(shipment_rows(&app)[0].logistics_status.as_str(), "uploaded");

    // A second shipment of the same order fails too, and the admin retries it by hand.
    sandbox.set_faults(failing);
    ship(&admin, &number, "JD0002").await;
    sandbox.set_faults(Faults::default());
    let second = shipment_rows(&app).remove(1);
    assert_eq!(second.logistics_status.as_str(), "failed");
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/shipments/{}/upload", second.id),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("tracking uploaded to AsiaBill"), "flash");
    assert_eq!(shipment_rows(&app)[1].logistics_status.as_str(), "uploaded");
    assert_eq!(
        sandbox.logistics()[0].tracking_no,
        "JD0002",
        "AsiaBill keeps the latest"
    );
    // Shipment ids belong to their order.
    let r = admin
        .post(
            &format!("/admin/orders/A99999/shipments/{}/upload", second.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_bad_shipment_form_is_shown_again_and_unpaid_orders_do_not_ship() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let r = admin
        .post(
            &format!("/admin/orders/{number}/shipments"),
            &[
                ("lc_code", "DHL"),
                ("tracking_number", "1"),
                ("tracking_url", "dhl.com"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("Between 2 and 50 characters."));
    assert!(page.contains("An http(s) address of at most 200 characters."));
    assert!(page.contains("value=\"dhl.com\""), "what was typed is kept");
    assert!(shipment_rows(&app).is_empty());

    let token = order(&app).await;
    let unpaid = crate::admin_support::order_by_token(&app, &token).number;
    let page = ship(&admin, &unpaid, "JD0003").await;
    assert!(page.contains("Only paid or authorized orders can be shipped."));
    assert!(shipment_rows(&app).is_empty());
}
