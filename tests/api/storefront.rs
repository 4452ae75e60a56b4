//! The shopper's side: product page, cart, CSRF.

use crate::helpers::{assert_is_redirect_to, spawn_app};

#[tokio::test]
async fn a_product_page_shows_price_stock_and_an_add_form() {
    let app = spawn_app().await;
    let html = app.get_html("/products/gooseneck-kettle").await;
    assert!(html.contains("Gooseneck Kettle 900 ml"));
    assert!(html.contains("$54.00"));
    assert!(html.contains("Stainless steel kettle"));
    assert!(html.contains("In stock"));
    assert!(html.contains("action=\"/cart/items\""));
    assert!(html.contains("name=\"csrf_token\""));

    let sold_out = app.get_html("/products/oolong-tieguanyin").await;
    assert!(sold_out.contains("Sold out"));
    assert!(
        !sold_out.contains("action=\"/cart/items\""),
        "no add form when sold out"
    );

    assert_eq!(app.get("/products/no-such-thing").await.status(), 404);
}

#[tokio::test]
async fn adding_updating_and_removing_cart_lines_recomputes_totals() {
    let app = spawn_app().await;
    app.add_to_cart("ethiopia-yirgacheffe", 2).await;
    app.add_to_cart("ceramic-mug", 1).await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Added to your cart."));
    assert!(cart.contains("$37.00"), "2 × 18.50");
    assert!(cart.contains("$53.50"), "37.00 + 16.50");
    assert!(
        cart.contains("class=\"cart-badge\">3<"),
        "header badge counts units"
    );

    let token = app.csrf().await;
    let item = first_item_id(&cart);
    let response = app
        .post_form(
            &format!("/cart/items/{item}"),
            &[("csrf_token", &token), ("quantity", "3")],
        )
        .await;
    assert_is_redirect_to(&response, "/cart");
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("$55.50"), "3 × 18.50");
    assert!(cart.contains("$72.00"));

    app.post_form(
        &format!("/cart/items/{item}"),
        &[("csrf_token", &token), ("quantity", "0")],
    )
    .await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Removed from your cart."));
    assert!(!cart.contains("Ethiopia Yirgacheffe"));
    assert!(cart.contains("$16.50"));
}

#[tokio::test]
async fn quantity_limits_and_stock_are_enforced_with_a_clear_message() {
    let app = spawn_app().await;
    let token = app.csrf().await;
    let decaf = app.product_id("decaf-swiss-water").to_string(); // 3 in stock
    let r = app
        .post_form(
            "/cart/items",
            &[
                ("csrf_token", &token),
                ("product_id", &decaf),
                ("quantity", "4"),
            ],
        )
        .await;
    assert!(r.status().is_redirection());
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Only 3 left in stock."), "{cart}");

    let mug = app.product_id("ceramic-mug").to_string();
    app.post_form(
        "/cart/items",
        &[
            ("csrf_token", &token),
            ("product_id", &mug),
            ("quantity", "11"),
        ],
    )
    .await;
    assert!(
        app.get_html("/cart")
            .await
            .contains("at most 10 of one product")
    );

    let oolong = app.product_id("oolong-tieguanyin").to_string();
    app.post_form(
        "/cart/items",
        &[
            ("csrf_token", &token),
            ("product_id", &oolong),
            ("quantity", "1"),
        ],
    )
    .await;
    assert!(app.get_html("/cart").await.contains("sold out"));

    app.post_form(
        "/cart/items",
        &[
            ("csrf_token", &token),
            ("product_id", &mug),
            ("quantity", "-2"),
        ],
    )
    .await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("at least 1"));
    assert!(
        cart.contains("Your cart is empty."),
        "nothing was added by the refused posts"
    );
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    let _ = app.csrf().await;
    let mug = app.product_id("ceramic-mug").to_string();
    for token in [None, Some("0000"), Some("")] {
        let mut fields = vec![("product_id", mug.as_str()), ("quantity", "1")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let r = app.post_form("/cart/items", &fields).await;
        assert_eq!(r.status(), 403, "token {token:?}");
        assert!(r.text().await.expect("body").contains("Not allowed"));
    }
    // A token from another session does not help either.
    let other = crate::helpers::client();
    let r = other
        .post(app.url("/cart/items"))
        .form(&[
            ("csrf_token", app.csrf().await.as_str()),
            ("product_id", &mug),
            ("quantity", "1"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert!(app.get_html("/cart").await.contains("Your cart is empty."));
}

#[tokio::test]
async fn the_cart_speaks_chinese_too() {
    let app = spawn_app().await;
    app.get("/lang/zh-CN").await;
    app.add_to_cart("earl-grey", 1).await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("特级伯爵红茶"));
    assert!(cart.contains("已加入购物车。"));
    assert!(cart.contains("去结算"));
}

/// The item id of the first cart line.
pub fn first_item_id(cart_html: &str) -> String {
    crate::helpers::first_attribute(cart_html, "[data-item-id]", "data-item-id")
        .expect("a cart line")
}

#[tokio::test]
async fn adding_to_the_cart_waits_for_another_writer_instead_of_failing() {
    // SQLite's writes run on the database's writer thread, which waits (up to the busy timeout)
    // when another connection holds the write lock: here a transaction of another connection
    // holds it (on PostgreSQL, a lock on the cart tables) for a moment.
    use asiabill_shop::db::DbConnection;
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let db = app.db.clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = db.get().expect("conn");
        let lock: &[&str] = match &mut *conn {
            DbConnection::Sqlite(_) => &["BEGIN IMMEDIATE"],
            DbConnection::Pg(_) => &["BEGIN", "LOCK TABLE cart_items IN EXCLUSIVE MODE"],
        };
        for statement in lock {
            diesel::sql_query(*statement)
                .execute(&mut *conn)
                .expect("lock");
        }
        locked_tx.send(()).expect("signal");
        std::thread::sleep(std::time::Duration::from_millis(400));
        diesel::sql_query("COMMIT")
            .execute(&mut *conn)
            .expect("unlock");
    });
    locked_rx.recv().expect("locked");
    let started = std::time::Instant::now();
    app.add_to_cart("gooseneck-kettle", 2).await;
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "the add waited for the lock: {:?}",
        started.elapsed()
    );
    holder.join().expect("holder");
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Gooseneck"), "the line is there: {cart}");
    // And with the lock free again, the next add goes straight through.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("value=\"3\""), "3 units: {cart}");
}

/// `carts.updated_at` marks a cart's last activity to within the hour: an add rewrites it only
/// when it is older than that (rewriting it on every click cost an UPDATE per add).
#[tokio::test]
async fn a_cart_records_its_last_activity_to_within_the_hour() {
    use asiabill_shop::db::schema::carts;
    use chrono::{Duration, NaiveDateTime, Utc};
    use diesel::prelude::*;

    let app = spawn_app().await;
    app.add_to_cart("ceramic-mug", 1).await;
    let updated_at = || -> NaiveDateTime {
        carts::table
            .select(carts::updated_at)
            .first(&mut app.db.get().expect("conn"))
            .expect("one cart")
    };
    let set = |at: NaiveDateTime| {
        diesel::update(carts::table)
            .set(carts::updated_at.eq(at))
            .execute(&mut app.db.get().expect("conn"))
            .expect("update");
    };
    // Whole seconds, which both databases store exactly.
    let ago = |d: Duration| {
        chrono::DateTime::from_timestamp((Utc::now() - d).timestamp(), 0)
            .expect("a time")
            .naive_utc()
    };
    let recent = ago(Duration::minutes(30));
    set(recent);
    app.add_to_cart("ceramic-mug", 1).await;
    assert_eq!(updated_at(), recent, "touched half an hour ago: left alone");

    let stale = ago(Duration::hours(3));
    set(stale);
    app.add_to_cart("ceramic-mug", 1).await;
    let after_add = updated_at();
    assert!(after_add > recent, "three hours old: rewritten by an add");

    set(stale);
    let item = first_item_id(&app.get_html("/cart").await);
    let token = app.csrf().await;
    app.post_form(
        &format!("/cart/items/{item}"),
        &[("csrf_token", &token), ("quantity", "1")],
    )
    .await;
    assert!(updated_at() > recent, "and by a quantity change");
}

/// Cart writes that arrive together share one transaction on SQLite, each in a savepoint: the
/// refused ones leave nothing behind (not even the cart their add created before the refusal),
/// the others all land, and each caller hears its own outcome. On PostgreSQL each runs its
/// statements with no transaction around them (`Db::write`); the outcome must be the same.
#[tokio::test]
async fn cart_writes_committed_together_keep_their_own_outcomes() {
    use asiabill::Currency;
    use asiabill_shop::{
        cart::{self, CartError},
        db::schema::{cart_items, carts},
    };
    use diesel::prelude::*;

    let app = spawn_app().await;
    let product = app.product_id("ceramic-mug");
    let usd = Currency::parse("USD").expect("USD");
    // Joined, the twelve writes are queued before any of them runs: one batch on SQLite.
    let writes = (0..12_i64).map(|i| {
        let db = app.db.clone();
        // Every third asks for more than a line may hold, after its cart is made.
        let quantity = if i % 3 == 0 { 11 } else { 1 };
        async move {
            db.write(move |conn| cart::add_item(conn, None, product, quantity, usd))
                .await
        }
    });
    let outcomes = futures_util::future::join_all(writes).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        if i % 3 == 0 {
            assert!(
                matches!(outcome, Err(CartError::TooMany { max: 10 })),
                "write {i}: {outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "write {i}: {outcome:?}");
        }
    }
    let mut conn = app.db.get().expect("conn");
    let carts: Vec<i64> = carts::table
        .select(carts::id)
        .order(carts::id)
        .load(&mut conn)
        .expect("carts");
    let mut answered: Vec<i64> = outcomes.into_iter().filter_map(Result::ok).collect();
    answered.sort_unstable();
    assert_eq!(carts, answered, "exactly the carts of the accepted adds");
    let units: Vec<i64> = cart_items::table
        .select(cart_items::quantity)
        .load(&mut conn)
        .expect("lines");
    assert_eq!(units, vec![1; 8]);
}

/// Many shoppers' adds at once, as the cart's store takes them (on PostgreSQL a batch: one read
/// of every add's facts, one guarded `UPDATE` of the growing lines, one `INSERT` of the new
/// ones): each ends as it would alone. Lines grow, new lines appear, a refused add changes
/// nothing, two adds of one line both count, and an add to a cart that is gone makes a new one.
#[tokio::test]
async fn many_shoppers_adding_at_once_each_get_what_they_would_alone() {
    use asiabill::Currency;
    use asiabill_shop::{
        cart::{CartError, Carts},
        db::schema::{cart_items, carts},
    };
    use diesel::prelude::*;

    let app = spawn_app().await;
    let mug = app.product_id("ceramic-mug");
    let kettle = app.product_id("gooseneck-kettle");
    let usd = Currency::parse("USD").expect("USD");
    let store = Carts::new(app.db.clone());
    // Eight carts holding two mugs each.
    let mut carts = Vec::new();
    for _ in 0..8 {
        let cart = store.add(None, mug, 2, usd).await.expect("cart");
        carts.push(cart);
    }
    // A cart that is gone by the time its shopper adds to it.
    let gone = store.add(None, mug, 1, usd).await.expect("cart");
    {
        let mut conn = app.db.get().expect("conn");
        diesel::delete(carts::table.find(gone))
            .execute(&mut conn)
            .expect("delete");
    }
    // Joined, every add is queued before any runs: one batch on PostgreSQL.
    let mut adds = Vec::new();
    for (i, &cart) in carts.iter().enumerate() {
        // A mug more (the line grows), and a kettle (a new line).
        adds.push((Some(cart), mug, 1));
        adds.push((Some(cart), kettle, 1));
        if i == 0 {
            // The same line twice in the batch: both count.
            adds.push((Some(cart), mug, 3));
        }
        if i == 1 {
            // Past the ten a line may hold: refused, the line stays.
            adds.push((Some(cart), mug, 9));
        }
    }
    adds.push((Some(gone), kettle, 1));
    adds.push((Some(carts[2]), i64::MAX, 1));
    let outcomes = futures_util::future::join_all(adds.iter().map(|&(cart, product, qty)| {
        let store = store.clone();
        async move { store.add(cart, product, qty, usd).await }
    }))
    .await;
    for (i, (outcome, &(cart, product, qty))) in outcomes.iter().zip(&adds).enumerate() {
        match (cart, product, qty) {
            (_, i64::MAX, _) => assert!(
                matches!(outcome, Err(CartError::UnknownProduct)),
                "add {i}: {outcome:?}"
            ),
            (Some(c), _, 9) if c == carts[1] => assert!(
                matches!(outcome, Err(CartError::TooMany { max: 10 })),
                "add {i}: {outcome:?}"
            ),
            (Some(c), _, _) if c == gone => {
                let made = outcome.as_ref().expect("a new cart");
                assert!(!carts.contains(made) && *made != gone, "add {i}: {made}");
            }
            (Some(c), _, _) => assert_eq!(outcome.as_ref().ok(), Some(&c), "add {i}"),
            (None, _, _) => unreachable!(),
        }
    }
    let mut conn = app.db.get().expect("conn");
    for (i, &cart) in carts.iter().enumerate() {
        let lines: Vec<(i64, i64)> = cart_items::table
            .filter(cart_items::cart_id.eq(cart))
            .select((cart_items::product_id, cart_items::quantity))
            .order(cart_items::product_id)
            .load(&mut conn)
            .expect("lines");
        let mugs = if i == 0 { 6 } else { 3 };
        let mut expected = vec![(mug, mugs), (kettle, 1)];
        expected.sort_unstable();
        assert_eq!(lines, expected, "cart {i}");
    }
    let pages = futures_util::future::join_all(carts.iter().map(|&c| {
        let store = store.clone();
        async move { store.lines(c).await.expect("lines") }
    }))
    .await;
    for (i, lines) in pages.iter().enumerate() {
        let units: i64 = lines.iter().map(|l| l.quantity).sum();
        assert_eq!(
            units,
            if i == 0 { 7 } else { 4 },
            "cart {i} as its page reads it"
        );
        assert_eq!(
            store.count(carts[i]).await.expect("count"),
            units,
            "cart {i}'s badge"
        );
    }
}

/// Many shoppers taking lines out at once (on PostgreSQL one `DELETE` for all of them): each
/// removes its own line only, a line of another cart or one already gone is refused as unknown,
/// and a quantity change in the same batch still lands.
#[tokio::test]
async fn many_shoppers_removing_lines_at_once_remove_only_their_own() {
    use asiabill::Currency;
    use asiabill_shop::{
        cart::{CartError, Carts},
        db::schema::cart_items,
    };
    use diesel::prelude::*;

    let app = spawn_app().await;
    let mug = app.product_id("ceramic-mug");
    let kettle = app.product_id("gooseneck-kettle");
    let usd = Currency::parse("USD").expect("USD");
    let store = Carts::new(app.db.clone());
    let mut carts = Vec::new();
    for _ in 0..6 {
        let cart = store.add(None, mug, 2, usd).await.expect("cart");
        store.add(Some(cart), kettle, 1, usd).await.expect("kettle");
        carts.push(cart);
    }
    let line_of = |cart: i64, product: i64| -> i64 {
        let mut conn = app.db.get().expect("conn");
        cart_items::table
            .filter(cart_items::cart_id.eq(cart))
            .filter(cart_items::product_id.eq(product))
            .select(cart_items::id)
            .first(&mut conn)
            .expect("line")
    };
    let mugs: Vec<i64> = carts.iter().map(|&c| line_of(c, mug)).collect();
    let kettle_0 = line_of(carts[0], kettle);
    // Each cart's mug line removed; cart 1 also tries cart 0's kettle line (not its own) and
    // a line that does not exist; cart 2 sets its kettles to 3.
    let mut sets: Vec<(i64, i64, i64)> =
        carts.iter().zip(&mugs).map(|(&c, &l)| (c, l, 0)).collect();
    sets.push((carts[1], kettle_0, 0));
    sets.push((carts[1], i64::MAX, 0));
    sets.push((carts[2], line_of(carts[2], kettle), 3));
    let outcomes = futures_util::future::join_all(sets.iter().map(|&(cart, item, qty)| {
        let store = store.clone();
        async move { store.set_quantity(cart, item, qty).await }
    }))
    .await;
    for (i, outcome) in outcomes.iter().enumerate() {
        if i == carts.len() || i == carts.len() + 1 {
            assert!(
                matches!(outcome, Err(CartError::UnknownLine)),
                "set {i}: {outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "set {i}: {outcome:?}");
        }
    }
    let mut conn = app.db.get().expect("conn");
    for (i, &cart) in carts.iter().enumerate() {
        let lines: Vec<(i64, i64)> = cart_items::table
            .filter(cart_items::cart_id.eq(cart))
            .select((cart_items::product_id, cart_items::quantity))
            .load(&mut conn)
            .expect("lines");
        let kettles = if i == 2 { 3 } else { 1 };
        assert_eq!(lines, vec![(kettle, kettles)], "cart {i}");
    }
}

/// A write that panics is answered with an error, and the writes after it still go through.
#[tokio::test]
async fn a_cart_write_that_panics_does_not_stop_the_ones_after_it() {
    use asiabill::Currency;
    use asiabill_shop::{
        cart::{self, CartError},
        db::DbError,
    };

    let app = spawn_app().await;
    let product = app.product_id("ceramic-mug");
    let usd = Currency::parse("USD").expect("USD");
    let panicked = app
        .db
        .write(|_| -> Result<(), CartError> { panic!("a bug in a write") })
        .await;
    assert!(
        // SQLite's group commit abandons it; PostgreSQL's blocking task reports the panic.
        matches!(
            panicked,
            Err(CartError::Db(DbError::Abandoned | DbError::Task(_)))
        ),
        "{panicked:?}"
    );
    let added = app
        .db
        .write(move |conn| cart::add_item(conn, None, product, 1, usd))
        .await;
    assert!(added.is_ok(), "{added:?}");
}

#[tokio::test]
async fn countries_are_named_in_the_shoppers_language_on_the_order_page_and_in_emails() {
    use asiabill_shop::db::schema::email_outbox;
    use diesel::prelude::*;
    for (lang, name) in [("en", "United States"), ("zh-CN", "美国")] {
        let app = spawn_app().await;
        assert!(
            app.get(&format!("/lang/{lang}"))
                .await
                .status()
                .is_redirection()
        );
        app.add_to_cart("gooseneck-kettle", 1).await;
        let checkout = app.get_html("/checkout").await;
        assert!(
            checkout.contains(&format!("<option value=\"US\">{name}</option>")),
            "{lang}: the select names the country"
        );
        let to = crate::helpers::location(&app.checkout("hosted", &[]).await);
        let token = to
            .trim_start_matches("/orders/")
            .split('/')
            .next()
            .expect("token");
        let page = app.get_html(&format!("/orders/{token}")).await;
        assert_eq!(
            page.matches(&format!("<br>{name}<br>")).count()
                + page.matches(&format!("<br>{name}</address>")).count(),
            2,
            "{lang}: billing and shipping countries by name"
        );
        assert!(!page.contains("<br>US<br>"), "{lang}: not the bare code");

        let bodies: Vec<(String, String)> = email_outbox::table
            .select((email_outbox::body_text, email_outbox::body_html))
            .load(&mut app.db.get().expect("conn"))
            .expect("emails");
        assert!(!bodies.is_empty(), "the order email is queued");
        for (text, html) in bodies {
            assert!(text.contains(&format!("97201, {name}")), "{lang}: {text}");
            assert!(html.contains(name), "{lang}: html email");
        }
    }
}
