//! Payment methods (section 5.3): cards tokenised as `pm_…`, attached to customers or not.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::cards::{CardInput, check};
use crate::envelope::{Rejection, codes};
use crate::state::{PaymentMethod, State};
use crate::wire::{BillingDetail, max_len, non_blank, require};

/// The body of `POST /payment_methods`, also what the browser SDK stand-in submits.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPaymentMethod {
    /// Cardholder billing details.
    pub billing_detail: BillingDetail,
    /// The card.
    pub card: CardInput,
    /// A customer to attach the method to.
    #[serde(default)]
    pub customer_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdatePaymentMethod {
    billing_detail: BillingDetail,
    customer_payment_method_id: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct CardView {
    brand: String,
    last4: String,
}

/// A payment method as the API shows it.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PaymentMethodView {
    customer_payment_method_id: String,
    customer_id: String,
    billing_detail: BillingDetail,
    card: CardView,
    created: String,
}

impl From<&PaymentMethod> for PaymentMethodView {
    fn from(p: &PaymentMethod) -> Self {
        PaymentMethodView {
            customer_payment_method_id: p.id.clone(),
            customer_id: p.customer_id.clone().unwrap_or_default(),
            billing_detail: p.billing.clone(),
            card: CardView {
                brand: p.brand.clone(),
                last4: p.last4.clone(),
            },
            created: p.created.format(super::TRADE_DATE).to_string(),
        }
    }
}

fn check_billing(b: &BillingDetail) -> Result<(), Rejection> {
    require(&b.first_name, "billingDetail.firstName")?;
    require(&b.last_name, "billingDetail.lastName")?;
    require(&b.email, "billingDetail.email")?;
    require(&b.address.line1, "billingDetail.address.line1")?;
    require(&b.address.city, "billingDetail.address.city")?;
    require(&b.address.country, "billingDetail.address.country")?;
    max_len(&b.first_name, "billingDetail.firstName", 50)?;
    max_len(&b.last_name, "billingDetail.lastName", 50)?;
    max_len(&b.email, "billingDetail.email", 200)?;
    max_len(&b.phone, "billingDetail.phone", 50)?;
    max_len(&b.address.line1, "billingDetail.address.line1", 100)?;
    max_len(&b.address.line2, "billingDetail.address.line2", 100)?;
    max_len(&b.address.city, "billingDetail.address.city", 100)?;
    max_len(
        &b.address.postal_code,
        "billingDetail.address.postalCode",
        50,
    )
}

pub(crate) fn no_payment_method(id: &str) -> Rejection {
    Rejection::new(codes::NO_PAYMENT_METHOD, format!("no payment method {id}"))
}

fn no_customer(id: &str) -> Rejection {
    Rejection::new(codes::NO_CUSTOMER, format!("no customer {id}"))
}

impl Sandbox {
    /// Tokenises a card for `gateway_no`, as `POST /payment_methods` does; the browser SDK
    /// stand-in calls this after checking its `sessionToken` with
    /// [`Sandbox::session_token_gateway`]. Answers the new `pm_…` id.
    pub fn create_payment_method(
        &self,
        gateway_no: &str,
        new: NewPaymentMethod,
    ) -> Result<String, Rejection> {
        Ok(self.add_payment_method(gateway_no, new)?.id)
    }

    fn add_payment_method(
        &self,
        gateway_no: &str,
        new: NewPaymentMethod,
    ) -> Result<PaymentMethod, Rejection> {
        check_billing(&new.billing_detail)?;
        let card = check(&new.card)?;
        let customer_id = non_blank(new.customer_id.as_ref());
        let mut state = self.state();
        if let Some(id) = &customer_id {
            state
                .customer(gateway_no, id)
                .ok_or_else(|| no_customer(id))?;
        }
        let pm = PaymentMethod {
            id: crate::ids::payment_method_id(),
            gateway_no: gateway_no.to_owned(),
            customer_id,
            detached: false,
            recurring_customer_id: None,
            billing: new.billing_detail,
            brand: card.brand.to_owned(),
            first6: card.first6,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            behaviour: card.behaviour,
            created: Utc::now(),
        };
        state.payment_methods.push(pm.clone());
        Ok(pm)
    }
}

fn find<'s>(
    state: &'s mut State,
    gateway_no: &str,
    id: &str,
) -> Result<&'s mut PaymentMethod, Rejection> {
    state
        .payment_method_mut(gateway_no, id)
        .ok_or_else(|| no_payment_method(id))
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let new: NewPaymentMethod = call.json()?;
        let pm = call
            .sandbox
            .add_payment_method(&call.account.gateway_no, new)?;
        Ok(PaymentMethodView::from(&pm))
    })
    .await
}

pub(crate) async fn update(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let update: UpdatePaymentMethod = call.json()?;
        require(
            &update.customer_payment_method_id,
            "customerPaymentMethodId",
        )?;
        check_billing(&update.billing_detail)?;
        let mut state = call.sandbox.state();
        let pm = find(
            &mut state,
            &call.account.gateway_no,
            &update.customer_payment_method_id,
        )?;
        pm.billing = update.billing_detail;
        Ok(PaymentMethodView::from(&*pm))
    })
    .await
}

pub(crate) async fn get(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let id = call.path("customerPaymentMethodId");
        let mut state = call.sandbox.state();
        Ok(PaymentMethodView::from(&*find(
            &mut state,
            &call.account.gateway_no,
            &id,
        )?))
    })
    .await
}

/// The methods attached to a customer: `data` is the array itself (section 5.3).
pub(crate) async fn list(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let customer_id = call.path("customerId");
        let gateway_no = &call.account.gateway_no;
        let state = call.sandbox.state();
        state
            .customer(gateway_no, &customer_id)
            .ok_or_else(|| no_customer(&customer_id))?;
        Ok(state
            .payment_methods
            .iter()
            .filter(|p| &p.gateway_no == gateway_no && p.customer_id.as_ref() == Some(&customer_id))
            .map(PaymentMethodView::from)
            .collect::<Vec<_>>())
    })
    .await
}

/// Detaches the method from its customer: it belongs to no one until attached again, and
/// cannot be charged meanwhile (see [`PaymentMethod::detached`]).
pub(crate) async fn detach(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let id = call.path("customerPaymentMethodId");
        let mut state = call.sandbox.state();
        let pm = find(&mut state, &call.account.gateway_no, &id)?;
        pm.detach();
        Ok(PaymentMethodView::from(&*pm))
    })
    .await
}

pub(crate) async fn attach(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let id = call.path("customerPaymentMethodId");
        let customer_id = call.path("customerId");
        let gateway_no = &call.account.gateway_no;
        let mut state = call.sandbox.state();
        state
            .customer(gateway_no, &customer_id)
            .ok_or_else(|| no_customer(&customer_id))?;
        let pm = find(&mut state, gateway_no, &id)?;
        pm.attach(customer_id);
        Ok(PaymentMethodView::from(&*pm))
    })
    .await
}
