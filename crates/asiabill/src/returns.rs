//! The browser's return to `returnUrl` (section 9): verify `signInfo` over AsiaBill's eleven
//! parameters and read them, keeping the merchant's own parameters apart.
//!
//! The returnUrl only tells the shop which attempt to look at: AsiaBill's own plugins confirm
//! the outcome by query or webhook before treating an order as paid, and so should callers.

use crate::Credentials;
use crate::codes::{OrderStatus, ResultCode};
use crate::currency::Money;
use crate::signing::{hmac_hex, verify_hex};
use crate::wire;

/// The parameters AsiaBill adds and signs, in the ASCII order in which they are signed.
pub const SIGNED_KEYS: [&str; 11] = [
    "code",
    "gatewayNo",
    "maskCardNo",
    "merNo",
    "message",
    "orderAmount",
    "orderCurrency",
    "orderInfo",
    "orderNo",
    "orderStatus",
    "tradeNo",
];

/// The parameter carrying the signature.
pub const SIGNATURE_KEY: &str = "signInfo";

/// Why a return was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnError {
    /// One of AsiaBill's parameters is absent (only `maskCardNo` may be).
    #[error("return parameter `{0}` is missing")]
    MissingParam(&'static str),
    /// One of AsiaBill's parameters, or `signInfo`, appears twice: which one was signed
    /// would be ambiguous.
    #[error("return parameter `{0}` appears more than once")]
    DuplicateParam(String),
    /// `signInfo` does not match.
    #[error("return signature does not match")]
    BadSignature,
    /// `gatewayNo` or `merNo` is not this merchant's.
    #[error("return is for gateway `{0}`, not ours")]
    WrongGateway(String),
    /// Signed, but a value is not in the documented form.
    #[error("return parameter is malformed: {0}")]
    Malformed(String),
}

/// AsiaBill's return parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnParams {
    /// `orderNo`.
    pub order_no: String,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `code`: `0000` on success.
    pub code: ResultCode,
    /// `message`, e.g. `Success`.
    pub message: String,
    /// `merNo`.
    pub mer_no: String,
    /// `gatewayNo`.
    pub gateway_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `orderInfo`, e.g. `Transaction Approved`, or why it failed.
    pub order_info: String,
    /// `orderStatus`.
    pub order_status: OrderStatus,
    /// `maskCardNo`, e.g. `400000***3155`; absent or empty reads as `None`.
    pub mask_card_no: Option<String>,
}

/// A return that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReturn {
    /// AsiaBill's parameters.
    pub params: ReturnParams,
    /// The merchant's own parameters of the returnUrl, unsigned, in the order received.
    pub merchant_params: Vec<(String, String)>,
}

/// Verifies a returnUrl's query string (`a=1&b=2`; a leading `?` is ignored).
///
/// The eleven [`SIGNED_KEYS`] are URL-decoded, a missing `maskCardNo` counts as `""` (as in
/// AsiaBill's SDK), their values are concatenated in key order and HMAC-SHA256'd with the sign
/// key, and the result is compared with `signInfo` in constant time, ignoring case. Every
/// other parameter is the merchant's and is returned apart, unverified.
pub fn verify_return(
    credentials: &Credentials,
    raw_query: &str,
) -> Result<VerifiedReturn, ReturnError> {
    let Collected {
        values,
        signature,
        merchant_params,
    } = collect(raw_query)?;
    if !verify_hex(
        credentials.sign_key(),
        values.concat().as_bytes(),
        &signature,
    ) {
        return Err(ReturnError::BadSignature);
    }
    let params = ReturnParams::from_values(values)?;
    let ours = credentials.gateway_no();
    if params.gateway_no != ours.as_str() || params.mer_no != ours.mer_no() {
        return Err(ReturnError::WrongGateway(params.gateway_no));
    }
    Ok(VerifiedReturn {
        params,
        merchant_params,
    })
}

/// A returnUrl's query split into the signed values (in [`SIGNED_KEYS`] order), the
/// signature and the merchant's parameters.
struct Collected {
    values: [String; 11],
    signature: String,
    merchant_params: Vec<(String, String)>,
}

fn collect(raw_query: &str) -> Result<Collected, ReturnError> {
    let query = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut signed: [Option<String>; 11] = Default::default();
    let mut signature = None;
    let mut merchant_params = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = if key == SIGNATURE_KEY {
            &mut signature
        } else if let Some(i) = SIGNED_KEYS.iter().position(|k| *k == key) {
            &mut signed[i]
        } else {
            merchant_params.push((key.into_owned(), value.into_owned()));
            continue;
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(ReturnError::DuplicateParam(key.into_owned()));
        }
    }
    let signature = signature.ok_or(ReturnError::MissingParam(SIGNATURE_KEY))?;
    let mut values: [String; 11] = Default::default();
    for (i, value) in signed.into_iter().enumerate() {
        values[i] = match value {
            Some(value) => value,
            None if SIGNED_KEYS[i] == "maskCardNo" => String::new(),
            None => return Err(ReturnError::MissingParam(SIGNED_KEYS[i])),
        };
    }
    Ok(Collected {
        values,
        signature,
        merchant_params,
    })
}

impl ReturnParams {
    fn from_values(values: [String; 11]) -> Result<Self, ReturnError> {
        let [
            code,
            gateway_no,
            mask_card_no,
            mer_no,
            message,
            order_amount,
            order_currency,
            order_info,
            order_no,
            order_status,
            trade_no,
        ] = values;
        Ok(ReturnParams {
            order_amount: wire::money(&order_amount, &order_currency)
                .map_err(ReturnError::Malformed)?,
            order_status: OrderStatus::parse(&order_status)
                .ok_or_else(|| ReturnError::Malformed(format!("orderStatus `{order_status}`")))?,
            code: ResultCode::parse(&code),
            mask_card_no: wire::non_empty(Some(mask_card_no)),
            order_no,
            message,
            mer_no,
            gateway_no,
            trade_no,
            order_info,
        })
    }

    /// The values in [`SIGNED_KEYS`] order, as they are signed.
    fn signed_values(&self) -> [String; 11] {
        [
            self.code.as_str().to_owned(),
            self.gateway_no.clone(),
            self.mask_card_no.clone().unwrap_or_default(),
            self.mer_no.clone(),
            self.message.clone(),
            self.order_amount.to_gateway_string(),
            self.order_amount.currency().code().to_owned(),
            self.order_info.clone(),
            self.order_no.clone(),
            self.order_status.as_str().to_owned(),
            self.trade_no.clone(),
        ]
    }

    /// The query string AsiaBill would append to the returnUrl, `signInfo` (uppercase hex)
    /// first: for simulators, and to reuse one result page for a charge that needed no
    /// redirect (AsiaBill's SDK `buildQuery`).
    pub fn signed_query(&self, credentials: &Credentials) -> String {
        let values = self.signed_values();
        let signature =
            hmac_hex(credentials.sign_key(), values.concat().as_bytes()).to_ascii_uppercase();
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair(SIGNATURE_KEY, &signature);
        for (key, value) in SIGNED_KEYS.iter().zip(&values) {
            if *key == "maskCardNo" && self.mask_card_no.is_none() {
                continue;
            }
            query.append_pair(key, value);
        }
        query.finish()
    }

    /// `return_url` with [`ReturnParams::signed_query`] appended, keeping the URL's own
    /// parameters.
    pub fn append_to(&self, credentials: &Credentials, return_url: &str) -> String {
        let separator = if return_url.contains('?') { '&' } else { '?' };
        format!("{return_url}{separator}{}", self.signed_query(credentials))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Section 4.4's returnUrl vector.
    const VECTOR: &str = "code=0000&gatewayNo=12246002&maskCardNo=424242***4242&merNo=12246\
        &message=Success&orderAmount=7.00&orderCurrency=USD&orderInfo=Transaction%20Approved\
        &orderNo=php-sdk-2022082212000012345678&orderStatus=success\
        &tradeNo=2022082212000112345678\
        &signInfo=9B9A3097D5F82BB01EE8F80938206D54E8E3A5C58A56B75B5C6DF579B2003001";

    #[test]
    fn documented_example_concatenates_as_documented_and_skips_bank_code() {
        // Section 9's example; its key is not published, so only the string to sign is checked.
        let example = "bankCode=AsiaBill&signInfo=B6F455BB4D22&orderNo=NEW_API1474187659537\
            &orderAmount=358.70&code=0000&merNo=12261&gatewayNo=12261003\
            &tradeNo=2022041810092544882449&orderCurrency=EUR&orderInfo=Transaction%20Approved\
            &orderStatus=success&maskCardNo=400000***3155&message=Success";
        let collected = collect(example).expect("complete");
        assert_eq!(
            collected.values.concat(),
            "000012261003400000***315512261Success358.70EURTransaction Approved\
             NEW_API1474187659537success2022041810092544882449"
        );
        assert_eq!(
            collected.merchant_params,
            vec![("bankCode".to_owned(), "AsiaBill".to_owned())]
        );
    }

    #[test]
    fn vector_return_verifies() {
        let verified =
            verify_return(&Credentials::public_test_account(), VECTOR).expect("vector verifies");
        let p = &verified.params;
        assert_eq!(p.order_amount.minor(), 700);
        assert_eq!(p.order_status, OrderStatus::Success);
        assert!(p.code.is_success());
        assert_eq!(p.mask_card_no.as_deref(), Some("424242***4242"));
        assert_eq!(p.order_info, "Transaction Approved");
        assert!(verified.merchant_params.is_empty());
    }

    #[test]
    fn vector_return_message_is_the_documented_string() {
        let verified =
            verify_return(&Credentials::public_test_account(), VECTOR).expect("vector verifies");
        assert_eq!(
            verified.params.signed_values().concat(),
            "000012246002424242***424212246Success7.00USDTransaction Approved\
             php-sdk-2022082212000012345678success2022082212000112345678"
        );
        let rebuilt = verified
            .params
            .signed_query(&Credentials::public_test_account());
        assert!(rebuilt.starts_with(
            "signInfo=9B9A3097D5F82BB01EE8F80938206D54E8E3A5C58A56B75B5C6DF579B2003001&"
        ));
    }
}
