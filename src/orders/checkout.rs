//! The checkout form: what the shopper typed, and the checked order details.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{
    domain::{
        address::{self, Address, AddressInput, Problem},
        email,
    },
    shoppers::addresses::SavedAddress,
};

crate::text_enum! {
    /// How the shopper wants to pay: the form's value and `payment_attempts.mode`.
    pub enum PaymentMode {
        /// Card fields embedded in our payment page (AsiaBill's JS SDK).
        InSite => "insite",
        /// AsiaBill's hosted payment page.
        Hosted => "hosted",
    }
}

/// The checkout form as posted; every field is text so that a bad value can be shown back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct CheckoutInput {
    pub email: String,
    pub phone: String,
    pub billing_first_name: String,
    pub billing_last_name: String,
    pub billing_address: String,
    pub billing_city: String,
    pub billing_state: String,
    pub billing_zip: String,
    pub billing_country: String,
    /// `on` when the shipping address is the billing address.
    pub shipping_same: Option<String>,
    pub shipping_first_name: String,
    pub shipping_last_name: String,
    pub shipping_address: String,
    pub shipping_city: String,
    pub shipping_state: String,
    pub shipping_zip: String,
    pub shipping_country: String,
    pub payment_mode: String,
    /// A random key the form carries, so a re-post creates no second order.
    pub idempotency_key: String,
    /// `on` when a signed-in shopper asks to keep the billing address in the account.
    pub save_address: Option<String>,
    /// A discount code, checked when the order is placed.
    pub discount_code: String,
    /// The chosen shipping method's id; empty takes the first method of the shipping
    /// country's zone.
    pub shipping_method: String,
    /// Set by the "show the shipping options" button: the page is shown again for the address
    /// typed, and nothing is placed.
    pub quote: String,
}

/// Checked checkout details.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// Contact email.
    pub email: String,
    /// Contact phone.
    pub phone: String,
    /// Billing address.
    pub billing: Address,
    /// Shipping address.
    pub shipping: Address,
    /// Chosen payment mode.
    pub mode: PaymentMode,
    /// A local method chosen instead of a card (paid on AsiaBill's hosted page).
    pub method: Option<&'static crate::payments::methods::Method>,
    /// The form's idempotency key.
    pub idempotency_key: String,
    /// The discount code typed, normalised; whether it applies is decided when the order is
    /// placed, against the code's limits at that moment.
    pub discount_code: Option<String>,
    /// The shipping method chosen (`shipping_methods.id`); none takes the first of the
    /// shipping country's zone. Whether it serves that country is decided when the order is
    /// placed, against the rates at that moment.
    pub shipping_method: Option<i64>,
}

/// Problems by form field name (`billing_city`, `email`, …).
pub type FieldProblems = BTreeMap<String, Problem>;

impl CheckoutInput {
    /// True when the shopper ticked "save this address to my account".
    pub fn saves_address(&self) -> bool {
        self.save_address.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// Fills the contact and billing fields from a signed-in shopper's account: its email and
    /// the saved address the account prefers.
    pub fn prefill(&mut self, email: &str, saved: Option<&SavedAddress>) {
        email.clone_into(&mut self.email);
        if let Some(a) = saved {
            self.phone.clone_from(&a.phone);
            self.billing_first_name.clone_from(&a.first_name);
            self.billing_last_name.clone_from(&a.last_name);
            self.billing_address.clone_from(&a.address);
            self.billing_city.clone_from(&a.city);
            self.billing_state = a.state.clone().unwrap_or_default();
            self.billing_zip.clone_from(&a.zip);
            self.billing_country.clone_from(&a.country);
        }
    }

    /// True when the shopper ticked "ship to the billing address".
    pub fn ships_to_billing(&self) -> bool {
        self.shipping_same.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The country the goods go to as typed so far (upper case), empty when none is chosen.
    pub fn shipping_country(&self) -> String {
        let country = if self.ships_to_billing() {
            &self.billing_country
        } else {
            &self.shipping_country
        };
        country.trim().to_uppercase()
    }

    /// True when the shopper asked to see the shipping options rather than to place the order.
    pub fn wants_quote(&self) -> bool {
        !self.quote.is_empty()
    }

    /// Checks every field and lists every problem.
    pub fn check(&self) -> Result<Checkout, FieldProblems> {
        let mut problems = FieldProblems::new();
        let email = match address::length(&self.email, 2, 100) {
            Ok(e) if email::looks_valid(&e) => Some(e.to_lowercase()),
            Ok(_) => {
                problems.insert(
                    "email".into(),
                    Problem {
                        key: "form.email",
                        n: None,
                    },
                );
                None
            }
            Err(p) => {
                problems.insert("email".into(), p);
                None
            }
        };
        let phone = address::phone(&self.phone)
            .map_err(|p| problems.insert("phone".into(), p))
            .ok();
        let mut address_of = |prefix: &str, input: AddressInput<'_>| match input.check() {
            Ok(a) => Some(a),
            Err(list) => {
                for (field, p) in list {
                    problems.insert(format!("{prefix}_{field}"), p);
                }
                None
            }
        };
        let billing = address_of(
            "billing",
            AddressInput {
                first_name: &self.billing_first_name,
                last_name: &self.billing_last_name,
                line: &self.billing_address,
                city: &self.billing_city,
                state: &self.billing_state,
                zip: &self.billing_zip,
                country: &self.billing_country,
            },
        );
        let shipping = if self.ships_to_billing() {
            billing.clone()
        } else {
            address_of(
                "shipping",
                AddressInput {
                    first_name: &self.shipping_first_name,
                    last_name: &self.shipping_last_name,
                    line: &self.shipping_address,
                    city: &self.shipping_city,
                    state: &self.shipping_state,
                    zip: &self.shipping_zip,
                    country: &self.shipping_country,
                },
            )
        };
        // A card mode, or a local method's key (paid on AsiaBill's hosted page).
        let method = crate::payments::methods::find(&self.payment_mode);
        let mode: Option<PaymentMode> = self
            .payment_mode
            .parse()
            .ok()
            .or(method.map(|_| PaymentMode::Hosted));
        if mode.is_none() {
            problems.insert(
                "payment_mode".into(),
                Problem {
                    key: "form.payment_mode",
                    n: None,
                },
            );
        }
        let key = self.idempotency_key.trim();
        let key_ok =
            (16..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric());
        if !key_ok {
            problems.insert(
                "idempotency_key".into(),
                Problem {
                    key: "form.stale",
                    n: None,
                },
            );
        }
        let code = crate::discounts::normalize(&self.discount_code);
        if code.chars().count() > 32 {
            problems.insert(
                "discount_code".into(),
                Problem {
                    key: "checkout.discount.unknown",
                    n: None,
                },
            );
        }
        let shipping_method = match self.shipping_method.trim() {
            "" => Some(None),
            text => text.parse::<i64>().ok().map(Some),
        };
        if shipping_method.is_none() {
            problems.insert(
                "shipping_method".into(),
                Problem {
                    key: "checkout.shipping_method.wrong_method",
                    n: None,
                },
            );
        }
        match (email, phone, billing, shipping, mode) {
            (Some(email), Some(phone), Some(billing), Some(shipping), Some(mode))
                if problems.is_empty() =>
            {
                Ok(Checkout {
                    email,
                    phone,
                    billing,
                    shipping,
                    mode,
                    method,
                    idempotency_key: key.to_owned(),
                    discount_code: (!code.is_empty()).then_some(code),
                    shipping_method: shipping_method.flatten(),
                })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CheckoutInput {
        CheckoutInput {
            email: "Ana@Example.com".into(),
            phone: "+1 503 555 0100".into(),
            billing_first_name: "Ana".into(),
            billing_last_name: "Lima".into(),
            billing_address: "1 Harbour Street".into(),
            billing_city: "Portland".into(),
            billing_state: "OR".into(),
            billing_zip: "97201".into(),
            billing_country: "US".into(),
            shipping_same: Some("on".into()),
            payment_mode: "hosted".into(),
            idempotency_key: "a".repeat(32),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_passes_and_ships_to_billing() {
        let c = valid().check().expect("valid");
        assert_eq!(c.email, "ana@example.com");
        assert_eq!(c.shipping, c.billing);
        assert_eq!(c.mode, PaymentMode::Hosted);
    }

    #[test]
    fn a_separate_shipping_address_is_checked_on_its_own() {
        let mut input = valid();
        input.shipping_same = None;
        input.shipping_country = "CA".into();
        let problems = input.check().expect_err("shipping incomplete");
        for field in ["shipping_first_name", "shipping_address", "shipping_state"] {
            assert!(problems.contains_key(field), "{field}: {problems:?}");
        }
        assert!(!problems.contains_key("billing_city"));
    }

    #[test]
    fn mode_and_idempotency_key_are_required() {
        let mut input = valid();
        input.payment_mode = "bitcoin".into();
        input.idempotency_key = "short".into();
        let problems = input.check().expect_err("bad");
        assert!(problems.contains_key("payment_mode") && problems.contains_key("idempotency_key"));
    }
}
