//! A model-based property test of the transition function: random sequences of AsiaBill news
//! for one attempt leave the attempt and its order where a small reference model says, paid
//! never goes back, and the "payment received" email goes out at most once.

use asiabill_shop::{
    db::{
        DbConnection, now,
        schema::{email_outbox, orders, payment_attempts, payment_events},
    },
    payments::{
        AttemptStatus, Source,
        transition::{self, Effects, Outcome},
    },
};
use diesel::prelude::*;
use proptest::prelude::*;

use crate::helpers::TestDb;

/// The reference model, written from the rules in DESIGN.md rather than from the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Model {
    attempt: AttemptStatus,
    order: &'static str,
}

impl Model {
    fn new() -> Self {
        Model {
            attempt: AttemptStatus::Created,
            order: "pending_payment",
        }
    }

    fn apply(&mut self, news: AttemptStatus) {
        use AttemptStatus::*;
        let now = self.attempt;
        let accepted = match now {
            Paid | Voided => false,
            Authorized => matches!(news, Paid | Voided),
            Failed | Cancelled => matches!(news, Paid | Authorized),
            Created | Pending | RequiresAction => news != Created && news != now,
        };
        if !accepted || news == now {
            return;
        }
        self.attempt = news;
        self.order = match (news, self.order) {
            (Paid, "pending_payment" | "authorized") => "paid",
            (Authorized, "pending_payment") => "authorized",
            (Voided, "authorized") => "cancelled",
            (_, order) => order,
        };
    }
}

fn news() -> impl Strategy<Value = AttemptStatus> {
    use AttemptStatus::*;
    prop_oneof![
        Just(Pending),
        Just(RequiresAction),
        Just(Authorized),
        Just(Paid),
        Just(Failed),
        Just(Voided),
        Just(Cancelled),
    ]
}

fn insert_order(conn: &mut DbConnection, n: usize) -> (i64, i64) {
    let at = now();
    let token = format!("{n:064}");
    let order_id: i64 = diesel::insert_into(orders::table)
        .values((
            orders::number.eq(format!("M{n}")),
            orders::access_token.eq(&token),
            orders::idempotency_key.eq(&token),
            orders::status.eq("pending_payment"),
            orders::fulfilment_status.eq("unfulfilled"),
            orders::email.eq("model@example.com"),
            orders::phone.eq("5550100"),
            orders::locale.eq("en"),
            orders::currency.eq("USD"),
            orders::subtotal_minor.eq(1000),
            orders::shipping_minor.eq(0),
            orders::total_minor.eq(1000),
            orders::captured_minor.eq(0),
            orders::refunded_minor.eq(0),
            (
                orders::billing_first_name.eq("Mo"),
                orders::billing_last_name.eq("Del"),
                orders::billing_address.eq("1 Model Way"),
                orders::billing_city.eq("Testville"),
                orders::billing_zip.eq("12345"),
                orders::billing_country.eq("GB"),
            ),
            (
                orders::shipping_first_name.eq("Mo"),
                orders::shipping_last_name.eq("Del"),
                orders::shipping_address.eq("1 Model Way"),
                orders::shipping_city.eq("Testville"),
                orders::shipping_zip.eq("12345"),
                orders::shipping_country.eq("GB"),
            ),
            orders::customer_ip.eq("127.0.0.1"),
            orders::stock_released.eq(false),
            orders::created_at.eq(at),
            orders::updated_at.eq(at),
        ))
        .returning(orders::id)
        .get_result(conn)
        .expect("order");
    let attempt_id: i64 = diesel::insert_into(payment_attempts::table)
        .values((
            payment_attempts::order_id.eq(order_id),
            payment_attempts::sequence.eq(1),
            payment_attempts::gateway_order_no.eq(format!("M{n}-1")),
            payment_attempts::mode.eq("insite"),
            payment_attempts::status.eq("created"),
            payment_attempts::transaction_type.eq("sale"),
            payment_attempts::gateway_no.eq("12246002"),
            payment_attempts::amount_minor.eq(1000),
            payment_attempts::currency.eq("USD"),
            payment_attempts::query_count.eq(0),
            payment_attempts::created_at.eq(at),
            payment_attempts::updated_at.eq(at),
        ))
        .returning(payment_attempts::id)
        .get_result(conn)
        .expect("attempt");
    (order_id, attempt_id)
}

#[test]
fn random_news_for_one_attempt_ends_where_the_model_says() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let effects = Effects {
        public_url: "http://shop.test".into(),
        capture_window: std::time::Duration::from_secs(7 * 86_400),
    };
    let sources = [
        Source::Api,
        Source::Return,
        Source::Webhook,
        Source::Query,
        Source::Admin,
    ];
    let case = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(48));
    runner
        .run(
            &proptest::collection::vec((news(), 0..sources.len()), 1..12),
            |sequence| {
                let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut conn = db.get().expect("conn");
                let (order_id, attempt_id) = insert_order(&mut conn, n);
                let mut model = Model::new();
                let mut paid_once = false;
                for (news, source) in &sequence {
                    transition::apply(
                        &mut conn,
                        attempt_id,
                        &Outcome::to(*news),
                        sources[*source],
                        &effects,
                    )
                    .expect("apply");
                    model.apply(*news);
                    let status: String = payment_attempts::table
                        .find(attempt_id)
                        .select(payment_attempts::status)
                        .first(&mut *conn)
                        .expect("attempt");
                    prop_assert_eq!(
                        status.as_str(),
                        model.attempt.as_str(),
                        "after {:?}",
                        sequence
                    );
                    if paid_once {
                        prop_assert_eq!(status.as_str(), "paid", "paid went back: {:?}", sequence);
                    }
                    paid_once |= status == "paid";
                }
                let order: String = orders::table
                    .find(order_id)
                    .select(orders::status)
                    .first(&mut *conn)
                    .expect("order");
                prop_assert_eq!(order.as_str(), model.order, "order after {:?}", sequence);
                let paid_events: i64 = payment_events::table
                    .filter(payment_events::attempt_id.eq(attempt_id))
                    .filter(payment_events::kind.eq("payment_paid"))
                    .count()
                    .get_result(&mut *conn)
                    .expect("count");
                prop_assert!(paid_events <= 1);
                let received: i64 = email_outbox::table
                    .filter(email_outbox::order_id.eq(order_id))
                    .filter(email_outbox::kind.eq("payment_succeeded"))
                    .count()
                    .get_result(&mut *conn)
                    .expect("count");
                prop_assert!(received <= 1, "payment email sent {} times", received);
                Ok(())
            },
        )
        .expect("model and shop agree");
}
