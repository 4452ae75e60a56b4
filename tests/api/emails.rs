//! Emails: rendered for every kind in both languages, and sent through a real SMTP exchange
//! with a small SMTP server run by the test.

use std::sync::{Arc, Mutex};

use asiabill_shop::db::schema::{email_outbox, jobs};
use diesel::prelude::*;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::{
    helpers::spawn_app_with,
    payments::{eventually, order},
};

/// A minimal SMTP server: accepts every message and keeps its DATA.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let store = messages.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test.local ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().expect("lock").push(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test.local\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.1.0 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, messages)
}

#[tokio::test]
async fn the_send_job_delivers_outbox_emails_over_smtp() {
    let (port, messages) = smtp_server().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.shop_email_from = Some("Harbour Coffee & Tea <orders@harbour.example>".into());
    })
    .await;
    order(&app).await;
    eventually("the order email is sent", || {
        email_outbox::table
            .filter(email_outbox::status.eq("sent"))
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            == 1
    })
    .await;
    let sent = messages.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    let message = &sent[0];
    assert!(message.contains("To: ana@example.com"), "{message}");
    assert!(message.contains("orders@harbour.example"), "{message}");
    assert!(message.contains("We received your order A"), "{message}");
    assert!(
        message.contains("multipart/alternative"),
        "text and HTML parts"
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_leaves_the_email_pending_with_its_error() {
    // A port nothing listens on: the send is refused and retried later.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    order(&app).await;
    eventually("the failure is recorded", || {
        let (status, attempts, error): (String, i64, Option<String>) = email_outbox::table
            .select((
                email_outbox::status,
                email_outbox::attempts,
                email_outbox::last_error,
            ))
            .first(&mut app.db.get().expect("conn"))
            .expect("email");
        status == "pending" && attempts >= 1 && error.is_some_and(|e| e.starts_with("SMTP"))
    })
    .await;
    // The runner records the job's failure in its own write, after the send has recorded the
    // email's: wait for it rather than read in between.
    eventually("the job keeps its last error for a retry", || {
        let job_error: Option<String> = jobs::table
            .filter(jobs::kind.eq("emails.send"))
            .select(jobs::last_error)
            .first(&mut app.db.get().expect("conn"))
            .expect("job");
        job_error.is_some()
    })
    .await;
}

#[tokio::test]
async fn without_smtp_emails_stay_in_the_outbox() {
    let app = spawn_app_with(|_| {}).await;
    order(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let status: String = email_outbox::table
        .select(email_outbox::status)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert_eq!(status, "pending");
}

#[tokio::test]
async fn every_email_kind_renders_in_both_languages_and_the_order_page_shows_shipments_and_refunds()
{
    use asiabill_shop::{
        db::{
            now,
            schema::{orders, payment_attempts, refunds, shipments},
        },
        emails::{self, EmailKind, Subject},
    };
    for (lang, expect) in [
        (
            "en",
            [
                "has shipped",
                "Tracking number:",
                "We have refunded",
                "did not go through",
            ],
        ),
        (
            "zh-CN",
            ["已发货", "运单号：", "我们已为您退款", "付款未成功"],
        ),
    ] {
        let app = spawn_app_with(|_| {}).await;
        app.get(&format!("/lang/{lang}")).await;
        let token = order(&app).await;
        let mut conn = app.db.get().expect("conn");
        let order_id: i64 = orders::table
            .select(orders::id)
            .first(&mut conn)
            .expect("order");
        let at = now();
        let attempt_id: i64 = diesel::insert_into(payment_attempts::table)
            .values((
                payment_attempts::order_id.eq(order_id),
                payment_attempts::sequence.eq(1),
                payment_attempts::gateway_order_no.eq("A10001-1"),
                payment_attempts::mode.eq("hosted"),
                payment_attempts::status.eq("failed"),
                payment_attempts::transaction_type.eq("sale"),
                payment_attempts::gateway_no.eq("12246002"),
                payment_attempts::amount_minor.eq(5400),
                payment_attempts::currency.eq("USD"),
                payment_attempts::trade_no.eq(Some("2026112500000011112222")),
                payment_attempts::gateway_message.eq(Some("Decline")),
                payment_attempts::query_count.eq(0),
                payment_attempts::created_at.eq(at),
                payment_attempts::updated_at.eq(at),
            ))
            .returning(payment_attempts::id)
            .get_result(&mut conn)
            .expect("attempt");
        let shipment_id: i64 = diesel::insert_into(shipments::table)
            .values((
                shipments::order_id.eq(order_id),
                shipments::carrier.eq("DHL"),
                shipments::tracking_number.eq("JD0146000012345"),
                shipments::tracking_url.eq(Some("https://track.example/JD0146000012345")),
                shipments::logistics_status.eq("uploaded"),
                shipments::created_at.eq(at),
                shipments::updated_at.eq(at),
            ))
            .returning(shipments::id)
            .get_result(&mut conn)
            .expect("shipment");
        let refund_id: i64 = diesel::insert_into(refunds::table)
            .values((
                refunds::order_id.eq(order_id),
                refunds::attempt_id.eq(attempt_id),
                refunds::sequence.eq(1),
                refunds::mer_track_no.eq("A10001-R1"),
                refunds::amount_minor.eq(1000),
                refunds::currency.eq("USD"),
                refunds::reason.eq("damaged"),
                refunds::status.eq("succeeded"),
                refunds::created_at.eq(at),
                refunds::updated_at.eq(at),
            ))
            .returning(refunds::id)
            .get_result(&mut conn)
            .expect("refund");
        let url = &app.settings.public_url;
        emails::queue(
            &mut conn,
            EmailKind::Shipped,
            order_id,
            Subject::Shipment(shipment_id),
            url,
        )
        .expect("shipped");
        emails::queue(
            &mut conn,
            EmailKind::Refunded,
            order_id,
            Subject::Refund(refund_id),
            url,
        )
        .expect("refunded");
        emails::queue(
            &mut conn,
            EmailKind::PaymentFailed,
            order_id,
            Subject::Attempt(attempt_id),
            url,
        )
        .expect("failed");
        emails::queue(
            &mut conn,
            EmailKind::PaymentFailed,
            order_id,
            Subject::Attempt(attempt_id),
            url,
        )
        .expect("queued once");
        let bodies: Vec<(String, String, String)> = email_outbox::table
            .order(email_outbox::id)
            .select((
                email_outbox::subject,
                email_outbox::body_text,
                email_outbox::body_html,
            ))
            .load(&mut conn)
            .expect("emails");
        assert_eq!(
            bodies.len(),
            4,
            "order received + three, the duplicate dropped"
        );
        let all: String = bodies
            .iter()
            .map(|(s, t, h)| format!("{s}\n{t}\n{h}\n"))
            .collect();
        for text in expect {
            assert!(all.contains(text), "{lang}: {text} missing in\n{all}");
        }
        assert!(
            all.contains("JD0146000012345") && all.contains("$10.00") && !all.contains("Decline")
        );
        let reason = if lang == "en" {
            "Your bank declined the payment."
        } else {
            "您的银行拒绝了这笔付款"
        };
        assert!(
            all.contains(reason),
            "{lang}: the reason in the shopper's words"
        );
        assert!(!all.contains("email."), "no untranslated keys");

        let page = app.get_html(&format!("/orders/{token}")).await;
        assert!(
            page.contains("href=\"https://track.example/JD0146000012345\""),
            "tracking link"
        );
        assert!(page.contains("$10.00"), "refund listed");
    }
}

#[tokio::test]
async fn the_order_page_refreshes_itself_while_a_payment_is_pending() {
    let app = spawn_app_with(|_| {}).await;
    app.sandbox.as_ref().expect("sim").set_hold_pending(true);
    let token = order(&app).await;
    let r = crate::payments::pay_insite(&app, &token, crate::payments::SUCCESS).await;
    assert_eq!(crate::helpers::location(&r), format!("/orders/{token}"));
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "pending page refreshes"
    );
    assert!(page.contains("waiting for the payment result"));
    eventually("the held payment settles", || {
        crate::payments::order_status(&app) == "paid"
    })
    .await;
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "final state stops refreshing"
    );
}
