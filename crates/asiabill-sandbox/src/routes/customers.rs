//! Customers (section 5.2): create, read, list, delete.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::state::Customer;
use crate::wire::{Paged, max_len};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewCustomer {
    #[serde(default)]
    description: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
}

/// A customer as the API shows it.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    customer_id: String,
    email: String,
    first_name: String,
    last_name: String,
    phone: String,
    description: String,
    created: String,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        CustomerView {
            customer_id: c.customer_id.clone(),
            email: c.email.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            phone: c.phone.clone(),
            description: c.description.clone(),
            created: c.created.format(super::TRADE_DATE).to_string(),
        }
    }
}

fn no_customer(id: &str) -> Rejection {
    Rejection::new(codes::NO_CUSTOMER, format!("no customer {id}"))
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let new: NewCustomer = call.json()?;
        max_len(&new.description, "description", 50)?;
        max_len(&new.email, "email", 200)?;
        max_len(&new.first_name, "firstName", 50)?;
        max_len(&new.last_name, "lastName", 50)?;
        max_len(&new.phone, "phone", 50)?;
        let customer = Customer {
            customer_id: crate::ids::customer_id(),
            gateway_no: call.account.gateway_no.clone(),
            email: new.email,
            first_name: new.first_name,
            last_name: new.last_name,
            phone: new.phone,
            description: new.description,
            created: Utc::now(),
        };
        let view = CustomerView::from(&customer);
        call.sandbox.state().customers.push(customer);
        Ok(view)
    })
    .await
}

pub(crate) async fn get(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let id = call.path("customerId");
        let state = call.sandbox.state();
        state
            .customer(&call.account.gateway_no, &id)
            .map(CustomerView::from)
            .ok_or_else(|| no_customer(&id))
    })
    .await
}

pub(crate) async fn list(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let query = call.query(&["pageIndex", "pageSize"])?;
        let (page_index, page_size) = super::paging(&query)?;
        let all: Vec<CustomerView> = call
            .sandbox
            .state()
            .customers
            .iter()
            .filter(|c| c.gateway_no == call.account.gateway_no)
            .map(CustomerView::from)
            .collect();
        Ok(Paged::of(&all, page_index, page_size))
    })
    .await
}

/// Deletes the customer and detaches its payment methods (which can then not be charged, and
/// lose their recurring agreement); answers the deleted customer.
pub(crate) async fn delete(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let id = call.path("customerId");
        let gateway_no = &call.account.gateway_no;
        let mut state = call.sandbox.state();
        let view = state
            .customer(gateway_no, &id)
            .map(CustomerView::from)
            .ok_or_else(|| no_customer(&id))?;
        state
            .customers
            .retain(|c| !(c.customer_id == id && &c.gateway_no == gateway_no));
        for pm in state.payment_methods.iter_mut().filter(|p| {
            &p.gateway_no == gateway_no && p.customer_id.as_deref() == Some(id.as_str())
        }) {
            pm.detach();
        }
        Ok(view)
    })
    .await
}
