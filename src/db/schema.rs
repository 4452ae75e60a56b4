//! Diesel table definitions, written by hand to match `migrations/sqlite` and
//! `migrations/postgres` (`2026-11-25-000001_initial` and the migrations after it).
//!
//! Every id and integer is `BigInt` (`i64`), money is `*_minor` in minor units next to an ISO 4217
//! `currency`, times are naive UTC `Timestamp`s, JSON is stored as `Text`, and status columns are
//! `Text` restricted by a `CHECK` constraint in the database. Do not regenerate this file with
//! `diesel print-schema`: on SQLite it reports the ids as `Integer`, while they are `BIGINT` on
//! PostgreSQL; one `BigInt` schema serves both backends of the MultiConnection.
//!
//! `orders` has more than 32 columns, so diesel needs its `64-column-tables` feature.

diesel::table! {
    /// Catalogue categories, ordered by `position`.
    categories (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique, used in URLs.
        slug -> Text,
        /// Name in English.
        name_en -> Text,
        /// Name in Simplified Chinese.
        name_zh -> Text,
        /// Display order, ascending.
        position -> BigInt,
        /// When the row was created (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Products for sale.
    products (id) {
        /// Primary key.
        id -> BigInt,
        /// The category (`categories.id`).
        category_id -> BigInt,
        /// Unique, used in `/products/{slug}`.
        slug -> Text,
        /// Unique stock-keeping unit.
        sku -> Text,
        /// Name in English.
        name_en -> Text,
        /// Name in Simplified Chinese.
        name_zh -> Text,
        /// Description in English.
        description_en -> Text,
        /// Description in Simplified Chinese.
        description_zh -> Text,
        /// Unit price in minor units of `currency`.
        price_minor -> BigInt,
        /// ISO 4217 currency code of the amounts on this row.
        currency -> Text,
        /// Units available for sale; reserving stock for an order decrements it (never below 0).
        stock -> BigInt,
        /// Public path of the image, e.g. `/static/images/products/x.svg`.
        image_path -> Text,
        /// Shown and sold when true.
        active -> Bool,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// Shipping weight of one unit, in grams (default 0), for rates by weight.
        weight_grams -> BigInt,
    }
}

diesel::table! {
    /// Shopping carts, found by the random `token` kept in the visitor's session.
    carts (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique random token.
        token -> Text,
        /// ISO 4217 currency code of the cart.
        currency -> Text,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Lines of a cart; unique per (`cart_id`, `product_id`) for a product without variants and
    /// per (`cart_id`, `variant_id`) for one with them.
    cart_items (id) {
        /// Primary key.
        id -> BigInt,
        /// The cart (`carts.id`); its items are deleted with it.
        cart_id -> BigInt,
        /// The product (`products.id`); the line is deleted with it.
        product_id -> BigInt,
        /// Always greater than 0; a line set to 0 is deleted.
        quantity -> BigInt,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// The variant (`product_variants.id`) of a product that has them; the line is
        /// deleted with it.
        variant_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Orders placed at checkout.
    orders (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique, short and human, e.g. `A10042`.
        number -> Text,
        /// Unique, unguessable; used in `/orders/{token}`.
        access_token -> Text,
        /// Unique; a repeated checkout submission finds the existing order.
        idempotency_key -> Text,
        /// `pending_payment`, `paid`, `authorized`, `partially_refunded`, `refunded` or `cancelled`.
        status -> Text,
        /// `unfulfilled` or `shipped`.
        fulfilment_status -> Text,
        /// Customer's e-mail address.
        email -> Text,
        /// Customer's phone number.
        phone -> Text,
        /// Language of the customer: `en` or `zh-CN`.
        locale -> Text,
        /// ISO 4217 currency code of every amount of the order.
        currency -> Text,
        /// Sum of the line totals, in minor units.
        subtotal_minor -> BigInt,
        /// Shipping charge, in minor units.
        shipping_minor -> BigInt,
        /// Amount to pay: subtotal plus shipping, in minor units.
        total_minor -> BigInt,
        /// Amount captured so far (default 0).
        captured_minor -> BigInt,
        /// Amount refunded or reserved for refunds in flight (default 0); never above `captured_minor`.
        refunded_minor -> BigInt,
        /// Billing address: first name.
        billing_first_name -> Text,
        /// Billing address: last name.
        billing_last_name -> Text,
        /// Billing address: street.
        billing_address -> Text,
        /// Billing address: city.
        billing_city -> Text,
        /// Billing address: state or province, when the country has them.
        billing_state -> Nullable<Text>,
        /// Billing address: postal code.
        billing_zip -> Text,
        /// Billing address: ISO 3166-1 alpha-2 country code.
        billing_country -> Text,
        /// Shipping address: first name.
        shipping_first_name -> Text,
        /// Shipping address: last name.
        shipping_last_name -> Text,
        /// Shipping address: street.
        shipping_address -> Text,
        /// Shipping address: city.
        shipping_city -> Text,
        /// Shipping address: state or province, when the country has them.
        shipping_state -> Nullable<Text>,
        /// Shipping address: postal code.
        shipping_zip -> Text,
        /// Shipping address: ISO 3166-1 alpha-2 country code.
        shipping_country -> Text,
        /// The customer's IP address at checkout (`customerIp`).
        customer_ip -> Text,
        /// The browser's `User-Agent`.
        user_agent -> Nullable<Text>,
        /// When an unpaid order is cancelled and its stock released.
        reservation_expires_at -> Nullable<Timestamp>,
        /// Set once the reserved stock has been given back (so it is given back only once).
        stock_released -> Bool,
        /// When the payment (or authorization) succeeded.
        paid_at -> Nullable<Timestamp>,
        /// When the order was cancelled.
        cancelled_at -> Nullable<Timestamp>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// When a chargeback put the order in dispute (UTC); refunds are refused from then on.
        disputed_at -> Nullable<Timestamp>,
        /// The shopper account it belongs to (`shoppers.id`), if any.
        shopper_id -> Nullable<BigInt>,
        /// What merchant-initiated charges on the saved card added after the order was paid.
        extra_charged_minor -> BigInt,
        /// What the discount code took off the subtotal (default 0).
        discount_minor -> BigInt,
        /// The discount code applied, as the shopper's form gave it once checked.
        discount_code -> Nullable<Text>,
        /// The tax the total holds (prices including tax) or adds (prices excluding it).
        tax_minor -> BigInt,
        /// The rate it was taxed at, in basis points (0 when no rate applied).
        tax_rate_bp -> BigInt,
        /// The rate's name (`VAT`), when one applied.
        tax_name -> Nullable<Text>,
        /// Whether the prices included the tax when the order was placed.
        prices_include_tax -> Bool,
        /// The shipping method's name as the shopper chose it, in their language; none when no
        /// shipping zones were set up (shipping was free).
        shipping_method -> Nullable<Text>,
    }
}

diesel::table! {
    /// Lines of an order, copied from the cart at checkout.
    order_lines (id) {
        /// Primary key.
        id -> BigInt,
        /// The order (`orders.id`); lines are deleted with it.
        order_id -> BigInt,
        /// Set to NULL if the product is deleted; `sku` and `name` keep the record.
        product_id -> Nullable<BigInt>,
        /// Stock-keeping unit, copied at checkout.
        sku -> Text,
        /// Product name, copied at checkout in the order's language.
        name -> Text,
        /// Unit price in minor units, copied at checkout.
        unit_price_minor -> BigInt,
        /// Number of units (greater than 0).
        quantity -> BigInt,
        /// `unit_price_minor` times `quantity`.
        line_total_minor -> BigInt,
        /// ISO 4217 currency code of the amounts on this line.
        currency -> Text,
        /// The line's tax, after its share of the discount.
        tax_minor -> BigInt,
        /// The variant whose stock the line reserved (`product_variants.id`); NULL for a
        /// product without variants, or once the variant is deleted.
        variant_id -> Nullable<BigInt>,
        /// The variant's option values as the shopper saw them (`Espresso / 1 kg`), copied at
        /// checkout in the order's language; empty for a product without variants.
        variant_name -> Text,
    }
}

diesel::table! {
    /// Attempts to pay an order at AsiaBill; unique per (`order_id`, `sequence`).
    payment_attempts (id) {
        /// Primary key.
        id -> BigInt,
        /// The order being paid (`orders.id`).
        order_id -> BigInt,
        /// 1, 2, … within the order.
        sequence -> BigInt,
        /// Unique gateway `orderNo`: `{order number}-{sequence}`.
        gateway_order_no -> Text,
        /// `insite` or `hosted`.
        mode -> Text,
        /// `created`, `pending`, `requires_action`, `authorized`, `paid`, `failed`, `voided` or `cancelled`.
        status -> Text,
        /// `sale` or `authorization`.
        transaction_type -> Text,
        /// AsiaBill merchant gateway number (`gatewayNo`) used.
        gateway_no -> Text,
        /// Amount asked of the gateway, in minor units of `currency`.
        amount_minor -> BigInt,
        /// ISO 4217 currency code of the amounts on this row.
        currency -> Text,
        /// AsiaBill's `tradeNo`; unique when present.
        trade_no -> Nullable<Text>,
        /// Masked card number reported by the gateway.
        masked_card -> Nullable<Text>,
        /// Card brand reported by the gateway.
        card_brand -> Nullable<Text>,
        /// Last result code from the gateway.
        gateway_code -> Nullable<Text>,
        /// Last result message from the gateway.
        gateway_message -> Nullable<Text>,
        /// Where to send the customer (hosted page or 3DS challenge).
        redirect_url -> Nullable<Text>,
        /// In-site payment method id from AsiaBill's JS SDK (`customerPaymentMethodId`).
        customer_payment_method_id -> Nullable<Text>,
        /// When the authorization succeeded.
        authorized_at -> Nullable<Timestamp>,
        /// When the payment (or capture) succeeded.
        paid_at -> Nullable<Timestamp>,
        /// Last moment an authorization can be captured.
        capture_deadline -> Nullable<Timestamp>,
        /// When the authorization was voided.
        voided_at -> Nullable<Timestamp>,
        /// When the gateway was last asked about this attempt.
        last_queried_at -> Nullable<Timestamp>,
        /// Number of status queries made (default 0).
        query_count -> BigInt,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// AsiaBill's `customerId` sent with the charge (a signed-in shopper's saved card).
        customer_id -> Nullable<Text>,
        /// `tokenType` sent: `InitRecurring` or `Recurring`.
        token_type -> Nullable<Text>,
        /// The shopper asked to save the card; a job attaches it once the payment succeeds.
        save_card -> Bool,
        /// Unique: the admin form's key of a merchant-initiated charge (posted twice, charged once).
        request_key -> Nullable<Text>,
        /// AsiaBill's `paymentMethod` word of a local method (`Alipay`, `ideal`, …); null for a card.
        payment_method -> Nullable<Text>,
    }
}

diesel::table! {
    /// Refunds; unique per (`order_id`, `sequence`).
    refunds (id) {
        /// Primary key.
        id -> BigInt,
        /// The order refunded (`orders.id`).
        order_id -> BigInt,
        /// The paid attempt refunded (`payment_attempts.id`).
        attempt_id -> BigInt,
        /// 1, 2, … within the order.
        sequence -> BigInt,
        /// Unique gateway `merTrackNo`: `{order number}-R{sequence}`.
        mer_track_no -> Text,
        /// AsiaBill's refund batch number; unique when present.
        batch_no -> Nullable<Text>,
        /// Refunded amount in minor units of `currency`.
        amount_minor -> BigInt,
        /// ISO 4217 currency code of the amounts on this row.
        currency -> Text,
        /// Reason given by the admin.
        reason -> Text,
        /// `reserved`, `requested`, `succeeded`, `failed` or `unknown`.
        status -> Text,
        /// Last result code from the gateway.
        gateway_code -> Nullable<Text>,
        /// Last result message from the gateway.
        gateway_message -> Nullable<Text>,
        /// The admin user who asked for it.
        requested_by -> Nullable<BigInt>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// When the refund reached a final state.
        settled_at -> Nullable<Timestamp>,
        /// Asked for by "cancel and refund": its success cancels the wholly refunded order and
        /// releases its stock.
        cancels_order -> Bool,
    }
}

diesel::table! {
    /// The order timeline: every payment-related change and what caused it.
    payment_events (id) {
        /// Primary key.
        id -> BigInt,
        /// The order (`orders.id`).
        order_id -> BigInt,
        /// The payment attempt concerned, if any (`payment_attempts.id`).
        attempt_id -> Nullable<BigInt>,
        /// The refund concerned, if any (`refunds.id`).
        refund_id -> Nullable<BigInt>,
        /// `api`, `return`, `webhook`, `query`, `admin` or `system`.
        source -> Text,
        /// What happened, as a short machine-readable code.
        kind -> Text,
        /// Status before the change.
        from_status -> Nullable<Text>,
        /// Status after the change.
        to_status -> Nullable<Text>,
        /// Human-readable summary, in English.
        message -> Nullable<Text>,
        /// JSON.
        detail -> Nullable<Text>,
        /// Who acted, when known (e.g. the admin's e-mail).
        actor -> Nullable<Text>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// The summary's text key (`timeline.*` in the locale files), for the reader's language.
        message_key -> Nullable<Text>,
        /// The key's arguments, as a JSON object.
        message_args -> Nullable<Text>,
    }
}

diesel::table! {
    /// Webhook deliveries from AsiaBill, stored before they are applied; deduplicated on `body_sha256`.
    webhook_events (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique hex SHA-256 of the raw body.
        body_sha256 -> Text,
        /// The `request-id` header, kept for the record.
        request_id -> Text,
        /// The `request-time` header as received.
        request_time -> Text,
        /// The `gateway-no` header.
        gateway_no -> Text,
        /// The `version` header.
        version -> Nullable<Text>,
        /// JSON object of the request headers.
        headers -> Text,
        /// The raw body.
        body -> Text,
        /// Event type named in the body.
        event_type -> Nullable<Text>,
        /// Gateway `orderNo` named in the event.
        gateway_order_no -> Nullable<Text>,
        /// AsiaBill `tradeNo` named in the event.
        trade_no -> Nullable<Text>,
        /// Whether the signature matched.
        signature_valid -> Bool,
        /// `received`, `applied`, `ignored`, `flagged` or `failed`.
        status -> Text,
        /// Why applying failed or was flagged.
        error -> Nullable<Text>,
        /// Number of times applying was tried (default 0).
        apply_attempts -> BigInt,
        /// When it was received (UTC).
        received_at -> Timestamp,
        /// When it was applied.
        applied_at -> Nullable<Timestamp>,
        /// When an admin dismissed it from "Needs attention" (it stays in the log).
        dismissed_at -> Nullable<Timestamp>,
        /// The email of the admin who dismissed it.
        dismissed_by -> Nullable<Text>,
        /// Why it was dismissed, as the admin wrote it.
        dismissal_note -> Nullable<Text>,
        /// How many times this body was delivered (default 1; each duplicate adds one).
        deliveries -> BigInt,
        /// When the latest duplicate arrived; null while there was only one delivery.
        last_delivered_at -> Nullable<Timestamp>,
        /// The `error` note's text key (locale files), for the reader's language.
        error_key -> Nullable<Text>,
        /// The key's arguments, as a JSON object.
        error_args -> Nullable<Text>,
    }
}

diesel::table! {
    /// Shipments of an order and their upload to AsiaBill's logistics API.
    shipments (id) {
        /// Primary key.
        id -> BigInt,
        /// The order shipped (`orders.id`).
        order_id -> BigInt,
        /// Carrier name.
        carrier -> Text,
        /// Carrier tracking number.
        tracking_number -> Text,
        /// Tracking page of the carrier.
        tracking_url -> Nullable<Text>,
        /// `pending`, `uploaded` or `failed`.
        logistics_status -> Text,
        /// Last message from the logistics upload.
        logistics_message -> Nullable<Text>,
        /// When the tracking was accepted by the gateway.
        uploaded_at -> Nullable<Timestamp>,
        /// The admin user who created it.
        created_by -> Nullable<BigInt>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// The carrier's status as AsiaBill's logistics query last reported it
        /// (`2026-11-25-000003_shipment_tracking`).
        tracking_status -> Nullable<Text>,
        /// When the logistics query was last asked.
        tracking_checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Chargebacks reported by AsiaBill; deduplicated on `gateway_reference`.
    chargebacks (id) {
        /// Primary key.
        id -> BigInt,
        /// The order (`orders.id`), when it could be matched.
        order_id -> Nullable<BigInt>,
        /// The payment attempt (`payment_attempts.id`), when it could be matched.
        attempt_id -> Nullable<BigInt>,
        /// AsiaBill `tradeNo` of the disputed payment.
        trade_no -> Text,
        /// Unique reference given by the gateway.
        gateway_reference -> Text,
        /// Disputed amount in minor units of `currency`.
        amount_minor -> BigInt,
        /// ISO 4217 currency code of the amounts on this row.
        currency -> Text,
        /// Reason given by the gateway.
        reason -> Nullable<Text>,
        /// The gateway's status, as reported (not constrained).
        status -> Text,
        /// JSON.
        detail -> Nullable<Text>,
        /// When it was received (UTC).
        received_at -> Timestamp,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// The date by which the merchant must answer, as AsiaBill's notice gives it.
        reply_deadline -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Administrator accounts.
    admin_users (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique.
        email -> Text,
        /// Argon2id PHC string.
        password_hash -> Text,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// Last successful login.
        last_login_at -> Nullable<Timestamp>,
        /// Default false.
        disabled -> Bool,
    }
}

diesel::table! {
    /// Administrator sessions; the cookie holds the token whose hash is `token_hash`.
    admin_sessions (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique.
        token_hash -> Text,
        /// The admin user (`admin_users.id`); sessions are deleted with it.
        admin_user_id -> BigInt,
        /// CSRF token for this session's forms.
        csrf_token -> Text,
        /// IP address that logged in.
        ip -> Nullable<Text>,
        /// `User-Agent` that logged in.
        user_agent -> Nullable<Text>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// Last request seen on this session.
        last_seen_at -> Timestamp,
        /// When the session ends.
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Login-attempt counters; unique per (`scope`, `key`).
    login_throttles (id) {
        /// Primary key.
        id -> BigInt,
        /// `account` or `ip`.
        scope -> Text,
        /// The e-mail address or the IP address.
        key -> Text,
        /// Login attempts that reached the password check in the current window (each is counted
        /// before the check, so a burst cannot pass the limit; a success gives its slot back).
        failures -> BigInt,
        /// Start of the current counting window.
        window_started_at -> Timestamp,
        /// Logins refused until then.
        locked_until -> Nullable<Timestamp>,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Record of administrative actions.
    audit_log (id) {
        /// Primary key.
        id -> BigInt,
        /// The admin user, if any (`admin_users.id`).
        admin_user_id -> Nullable<BigInt>,
        /// Who acted, kept even if the admin user is deleted.
        actor -> Text,
        /// What was done, as a short machine-readable code.
        action -> Text,
        /// Kind of object acted on.
        target_type -> Nullable<Text>,
        /// Identifier of the object acted on (e.g. the order number).
        target_id -> Nullable<Text>,
        /// JSON.
        detail -> Nullable<Text>,
        /// IP address of the request.
        ip -> Nullable<Text>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// E-mails to send; deduplicated on `dedupe_key`.
    email_outbox (id) {
        /// Primary key.
        id -> BigInt,
        /// The order the e-mail is about, if any (`orders.id`).
        order_id -> Nullable<BigInt>,
        /// Unique.
        dedupe_key -> Text,
        /// Which e-mail this is (template name).
        kind -> Text,
        /// Language of the e-mail: `en` or `zh-CN`.
        locale -> Text,
        /// Recipient address.
        to_address -> Text,
        /// Subject line.
        subject -> Text,
        /// Plain-text body.
        body_text -> Text,
        /// HTML body.
        body_html -> Text,
        /// `pending`, `sent` or `failed`.
        status -> Text,
        /// Default 0.
        attempts -> BigInt,
        /// Last sending error, if any.
        last_error -> Nullable<Text>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When it was sent.
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Background jobs, claimed with a lease (`lease_owner`, `lease_until`).
    jobs (id) {
        /// Primary key.
        id -> BigInt,
        /// Job type, which selects the handler.
        kind -> Text,
        /// JSON.
        payload -> Text,
        /// Unique when present.
        dedupe_key -> Nullable<Text>,
        /// `pending`, `running`, `done` or `failed`.
        status -> Text,
        /// Default 0.
        attempts -> BigInt,
        /// Attempts allowed before the job is marked `failed`.
        max_attempts -> BigInt,
        /// Not run before this time.
        run_at -> Timestamp,
        /// Instance holding the lease.
        lease_owner -> Nullable<Text>,
        /// The lease ends then; an expired lease may be claimed again.
        lease_until -> Nullable<Timestamp>,
        /// Error of the last failed run.
        last_error -> Nullable<Text>,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
        /// When the job ended (`done` or `failed`).
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Refused webhook deliveries (bad signature, gateway or time) per UTC day. Only the latest
    /// refused rows stay in `webhook_events`; these counts cover every one.
    webhook_rejections (day) {
        /// The UTC day.
        day -> Date,
        /// Deliveries refused that day.
        deliveries -> BigInt,
        /// When the latest of them arrived (UTC).
        last_at -> Timestamp,
    }
}

diesel::joinable!(products -> categories (category_id));
diesel::joinable!(cart_items -> carts (cart_id));
diesel::joinable!(cart_items -> products (product_id));
diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_lines -> products (product_id));
diesel::joinable!(payment_attempts -> orders (order_id));
diesel::joinable!(refunds -> orders (order_id));
diesel::joinable!(refunds -> payment_attempts (attempt_id));
diesel::joinable!(refunds -> admin_users (requested_by));
diesel::joinable!(payment_events -> orders (order_id));
diesel::joinable!(payment_events -> payment_attempts (attempt_id));
diesel::joinable!(payment_events -> refunds (refund_id));
diesel::joinable!(shipments -> orders (order_id));
diesel::joinable!(shipments -> admin_users (created_by));
diesel::joinable!(chargebacks -> orders (order_id));
diesel::joinable!(chargebacks -> payment_attempts (attempt_id));
diesel::joinable!(admin_sessions -> admin_users (admin_user_id));
diesel::joinable!(audit_log -> admin_users (admin_user_id));
diesel::joinable!(email_outbox -> orders (order_id));
diesel::joinable!(shopper_sessions -> shoppers (shopper_id));
diesel::joinable!(shopper_tokens -> shoppers (shopper_id));
diesel::joinable!(shopper_addresses -> shoppers (shopper_id));
diesel::joinable!(orders -> shoppers (shopper_id));
diesel::joinable!(saved_cards -> shoppers (shopper_id));
diesel::joinable!(order_notes -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(
    categories,
    products,
    carts,
    cart_items,
    orders,
    order_lines,
    payment_attempts,
    refunds,
    payment_events,
    webhook_events,
    webhook_rejections,
    shipments,
    chargebacks,
    admin_users,
    admin_sessions,
    login_throttles,
    audit_log,
    email_outbox,
    jobs,
    shoppers,
    shopper_sessions,
    shopper_tokens,
    shopper_addresses,
    saved_cards,
    order_notes,
);

diesel::table! {
    /// Secrets the shop generated for itself, shared by every instance on this database.
    app_secrets (name) {
        /// What the secret is for, e.g. `session_key`.
        name -> Text,
        /// The secret, hex encoded.
        value -> Text,
        /// When it was generated.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Shopper accounts (optional; guest checkout stays).
    shoppers (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique, lower case; the login.
        email -> Text,
        /// Argon2id, PHC string.
        password_hash -> Text,
        /// The name the shopper gave.
        name -> Text,
        /// Language of the account's emails (`en`, `zh-CN`).
        locale -> Text,
        /// When the email was verified; guest orders of that email are claimed then.
        email_verified_at -> Nullable<Timestamp>,
        /// AsiaBill's `customerId` (`cus_…`), created when a card is first saved.
        asiabill_customer_id -> Nullable<Text>,
        /// A disabled account cannot sign in.
        disabled -> Bool,
        /// When the account was created (UTC).
        created_at -> Timestamp,
        /// Last sign-in (UTC).
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Shopper sessions; the cookie holds the token, the row its SHA-256.
    shopper_sessions (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique.
        token_hash -> Text,
        /// The account (`shoppers.id`).
        shopper_id -> BigInt,
        /// IP address that signed in.
        ip -> Nullable<Text>,
        /// `User-Agent` that signed in.
        user_agent -> Nullable<Text>,
        /// Sign-in time (UTC).
        created_at -> Timestamp,
        /// Last request (UTC), written at most once a minute.
        last_seen_at -> Timestamp,
        /// When the session ends unless used again.
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// One-time links sent by email (verify the address, reset the password).
    shopper_tokens (id) {
        /// Primary key.
        id -> BigInt,
        /// The account (`shoppers.id`).
        shopper_id -> BigInt,
        /// `verify_email` or `reset_password`.
        purpose -> Text,
        /// Unique; SHA-256 of the token in the link.
        token_hash -> Text,
        /// When it was sent (UTC).
        created_at -> Timestamp,
        /// When it stops working.
        expires_at -> Timestamp,
        /// When it was used; a used token opens nothing.
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Addresses a shopper keeps for the checkout form.
    shopper_addresses (id) {
        /// Primary key.
        id -> BigInt,
        /// The account (`shoppers.id`).
        shopper_id -> BigInt,
        /// Given name.
        first_name -> Text,
        /// Family name.
        last_name -> Text,
        /// Street and number.
        address -> Text,
        /// City.
        city -> Text,
        /// State or province code.
        state -> Nullable<Text>,
        /// Postal code.
        zip -> Text,
        /// ISO 3166-1 alpha-2.
        country -> Text,
        /// Phone for the carrier.
        phone -> Text,
        /// The one the checkout form starts with.
        is_default -> Bool,
        /// When it was saved (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Cards a shopper saved with AsiaBill: AsiaBill's ids, brand and last four digits only.
    saved_cards (id) {
        /// Primary key.
        id -> BigInt,
        /// The account (`shoppers.id`).
        shopper_id -> BigInt,
        /// AsiaBill's `customerPaymentMethodId` (`pm_…`).
        payment_method_id -> Text,
        /// Card brand as AsiaBill names it.
        brand -> Text,
        /// Last four digits.
        last4 -> Text,
        /// Saved by a successful `InitRecurring` charge: may be charged with `Recurring`.
        recurring -> Bool,
        /// The card offered first.
        is_default -> Bool,
        /// When it was saved (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Every request the shop sent to AsiaBill and its answer (the API log).
    gateway_calls (id) {
        /// Primary key.
        id -> BigInt,
        /// When the exchange ended (UTC).
        created_at -> Timestamp,
        /// `GET`, `POST` or `DELETE`.
        method -> Text,
        /// The endpoint as AsiaBill names it (`confirmCharge`, `transactions`, …).
        endpoint -> Text,
        /// The full URL.
        url -> Text,
        /// The headers sent, as JSON pairs (the signature, never the sign key).
        request_headers -> Text,
        /// The body sent, personal data masked.
        request_body -> Text,
        /// The HTTP status of the answer, when one came.
        status -> Nullable<BigInt>,
        /// The answer's body, personal data masked.
        response_body -> Nullable<Text>,
        /// Why no answer came.
        error -> Nullable<Text>,
        /// How long the exchange took.
        duration_ms -> BigInt,
        /// `orderNo` it concerned (an attempt's), when it named one.
        order_no -> Nullable<Text>,
        /// `tradeNo` it concerned, when it named one.
        trade_no -> Nullable<Text>,
    }
}

diesel::table! {
    /// Runs of the integration self-test (admin → go-live).
    selftest_runs (id) {
        /// Primary key.
        id -> BigInt,
        /// When it started (UTC).
        started_at -> Timestamp,
        /// When it ended; none while it runs (or if its instance stopped mid-run).
        finished_at -> Nullable<Timestamp>,
        /// Who started it: an admin's email, or `shop selftest`.
        started_by -> Text,
        /// `ASIABILL_ENV` it ran against.
        environment -> Text,
        /// `running`, `passed` or `failed`.
        outcome -> Text,
        /// The rows as shown, a JSON array.
        steps -> Text,
    }
}

diesel::table! {
    /// Discount codes: a percentage or a fixed amount off the subtotal.
    discount_codes (id) {
        /// Primary key.
        id -> BigInt,
        /// The code, upper case, unique.
        code -> Text,
        /// `percent` or `fixed`.
        kind -> Text,
        /// Whole percent (1–100) or minor units off.
        amount -> BigInt,
        /// The currency of a fixed amount and the minimum (the shop's).
        currency -> Text,
        /// The subtotal it needs, in minor units (default 0).
        min_subtotal_minor -> BigInt,
        /// Valid from (UTC), if set.
        starts_at -> Nullable<Timestamp>,
        /// Valid until (UTC, exclusive), if set.
        ends_at -> Nullable<Timestamp>,
        /// Orders it may be used on in all, if limited.
        max_uses -> Nullable<BigInt>,
        /// Orders one email may use it on, if limited.
        max_uses_per_email -> Nullable<BigInt>,
        /// Orders holding a use now.
        used_count -> BigInt,
        /// Offered at all.
        active -> Bool,
        /// Created (UTC).
        created_at -> Timestamp,
        /// Last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One row per order holding a use of a discount code.
    discount_redemptions (id) {
        /// Primary key.
        id -> BigInt,
        /// The code (`discount_codes.id`).
        code_id -> BigInt,
        /// The order (`orders.id`), unique.
        order_id -> BigInt,
        /// The order's email, for the per-email limit.
        email -> Text,
        /// What it took off.
        amount_minor -> BigInt,
        /// When the use was taken (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Tax rates by country, or by a country's region.
    tax_rates (id) {
        /// Primary key.
        id -> BigInt,
        /// ISO 3166 alpha-2 country.
        country -> Text,
        /// The region (a US state's code), or empty for the whole country.
        region -> Text,
        /// Shown beside the amount (`VAT`, `Sales tax`).
        name -> Text,
        /// Basis points: 1900 is 19%.
        rate_bp -> BigInt,
        /// Created (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Notes on an order: internal ones for admins, and notes to the customer (emailed, and
    /// shown on the order's own page).
    order_notes (id) {
        /// Primary key.
        id -> BigInt,
        /// The order (`orders.id`).
        order_id -> BigInt,
        /// `internal` or `customer`.
        kind -> Text,
        /// What the admin wrote.
        body -> Text,
        /// The admin's email, kept even if the account is deleted later.
        author -> Text,
        /// The admin account that wrote it, while it exists.
        admin_user_id -> Nullable<BigInt>,
        /// When it was written (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Shipping zones: the countries a set of shipping methods serves.
    shipping_zones (id) {
        /// Primary key.
        id -> BigInt,
        /// The merchant's name for it (`Europe`), unique.
        name -> Text,
        /// ISO 3166-1 alpha-2 codes separated by commas (`DE,FR,GB`); empty for the rest of the
        /// world (every country no other zone lists).
        countries -> Text,
        /// Display order, ascending.
        position -> BigInt,
        /// Created (UTC).
        created_at -> Timestamp,
        /// Last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Shipping methods of a zone, offered at checkout in `position` order; the first is the
    /// zone's default.
    shipping_methods (id) {
        /// Primary key.
        id -> BigInt,
        /// The zone (`shipping_zones.id`).
        zone_id -> BigInt,
        /// Name in English.
        name_en -> Text,
        /// Name in Simplified Chinese.
        name_zh -> Text,
        /// `flat` or `weight`.
        kind -> Text,
        /// A flat rate's price, or a rate by weight's base, in minor units.
        base_minor -> BigInt,
        /// A rate by weight: added for each kilogram started (0 for a flat rate).
        per_kg_minor -> BigInt,
        /// Free once the subtotal after the discount reaches this, if set.
        free_over_minor -> Nullable<BigInt>,
        /// ISO 4217 currency of the amounts (the shop's).
        currency -> Text,
        /// Offered at checkout when true.
        active -> Bool,
        /// Display order within the zone, ascending.
        position -> BigInt,
        /// Created (UTC).
        created_at -> Timestamp,
        /// Last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::joinable!(shipping_methods -> shipping_zones (zone_id));
diesel::allow_tables_to_appear_in_same_query!(shipping_zones, shipping_methods);

diesel::table! {
    /// A product's options (e.g. "Grind", "Bag size"), in `position` order.
    product_options (id) {
        /// Primary key.
        id -> BigInt,
        /// The product (`products.id`); its options are deleted with it.
        product_id -> BigInt,
        /// Name in English.
        name_en -> Text,
        /// Name in Simplified Chinese.
        name_zh -> Text,
        /// Display order, ascending.
        position -> BigInt,
    }
}

diesel::table! {
    /// The values an option offers (e.g. "Whole bean", "Espresso"), in `position` order.
    product_option_values (id) {
        /// Primary key.
        id -> BigInt,
        /// The option (`product_options.id`); deleted with it.
        option_id -> BigInt,
        /// Value in English.
        value_en -> Text,
        /// Value in Simplified Chinese.
        value_zh -> Text,
        /// Display order within the option, ascending.
        position -> BigInt,
    }
}

diesel::table! {
    /// What is sold of a product with options: one row per combination offered, with its own
    /// SKU, price, stock, weight and image.
    product_variants (id) {
        /// Primary key.
        id -> BigInt,
        /// The product (`products.id`); its variants are deleted with it.
        product_id -> BigInt,
        /// Unique stock-keeping unit (unique among variants).
        sku -> Text,
        /// Unit price in minor units of the product's currency.
        price_minor -> BigInt,
        /// Units available; reserving stock for an order decrements it (never below 0).
        stock -> BigInt,
        /// Shipping weight of one unit in grams; NULL: the product's.
        weight_grams -> Nullable<BigInt>,
        /// Public path of the variant's image; NULL: the product's main image.
        image_path -> Nullable<Text>,
        /// Offered when true.
        active -> Bool,
        /// Display order, ascending.
        position -> BigInt,
        /// When the row was created (UTC).
        created_at -> Timestamp,
        /// When the row was last changed (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Which value of each option a variant is: one row per (variant, option value).
    product_variant_values (variant_id, option_value_id) {
        /// The variant (`product_variants.id`).
        variant_id -> BigInt,
        /// The option value (`product_option_values.id`).
        option_value_id -> BigInt,
    }
}

diesel::table! {
    /// A product's gallery, in `position` order, shown on its page after the main image.
    product_images (id) {
        /// Primary key.
        id -> BigInt,
        /// The product (`products.id`); its images are deleted with it.
        product_id -> BigInt,
        /// Public path of the image, e.g. `/static/images/products/x-2.svg`.
        path -> Text,
        /// Alternative text in English.
        alt_en -> Text,
        /// Alternative text in Simplified Chinese.
        alt_zh -> Text,
        /// Display order, ascending.
        position -> BigInt,
    }
}

diesel::joinable!(product_options -> products (product_id));
diesel::joinable!(product_option_values -> product_options (option_id));
diesel::joinable!(product_variants -> products (product_id));
diesel::joinable!(product_variant_values -> product_variants (variant_id));
diesel::joinable!(product_variant_values -> product_option_values (option_value_id));
diesel::joinable!(product_images -> products (product_id));
diesel::allow_tables_to_appear_in_same_query!(
    products,
    product_options,
    product_option_values,
    product_variants,
    product_variant_values,
    product_images,
);
diesel::joinable!(cart_items -> product_variants (variant_id));
diesel::allow_tables_to_appear_in_same_query!(cart_items, product_variants);
diesel::allow_tables_to_appear_in_same_query!(order_lines, product_variants);
