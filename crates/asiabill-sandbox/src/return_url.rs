//! The shopper's return to the merchant's `returnUrl` after 3DS or the hosted page (section 9):
//! eleven parameters, signed by concatenating their values in key order.

use asiabill::signing::hmac_hex;
use secrecy::SecretString;

use crate::state::Transaction;

/// The eleven signed returnUrl parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnParams {
    /// `code`: `0000` (the simulator sends it for every outcome; `orderStatus` tells which).
    pub code: String,
    /// `gatewayNo`.
    pub gateway_no: String,
    /// `maskCardNo`, empty when no card is known.
    pub mask_card_no: String,
    /// `merNo`.
    pub mer_no: String,
    /// `message`: `Success`.
    pub message: String,
    /// `orderAmount`.
    pub order_amount: String,
    /// `orderCurrency`.
    pub order_currency: String,
    /// `orderInfo`.
    pub order_info: String,
    /// `orderNo`.
    pub order_no: String,
    /// `orderStatus`.
    pub order_status: String,
    /// `tradeNo`.
    pub trade_no: String,
}

impl ReturnParams {
    /// The parameters describing `tx` as it stands.
    pub fn of(tx: &Transaction) -> Self {
        ReturnParams {
            code: "0000".to_owned(),
            gateway_no: tx.gateway_no.clone(),
            mask_card_no: tx.mask_card_no.clone().unwrap_or_default(),
            mer_no: tx.mer_no.clone(),
            message: "Success".to_owned(),
            order_amount: tx.amount.to_gateway_string(),
            order_currency: tx.amount.currency().code().to_owned(),
            order_info: tx.order_info.clone(),
            order_no: tx.order_no.clone(),
            order_status: tx.status.as_str().to_owned(),
            trade_no: tx.trade_no.clone(),
        }
    }

    /// `(key, value)` pairs in ASCII order of the keys: the order they are signed in.
    pub fn sorted_pairs(&self) -> [(&'static str, &str); 11] {
        [
            ("code", &self.code),
            ("gatewayNo", &self.gateway_no),
            ("maskCardNo", &self.mask_card_no),
            ("merNo", &self.mer_no),
            ("message", &self.message),
            ("orderAmount", &self.order_amount),
            ("orderCurrency", &self.order_currency),
            ("orderInfo", &self.order_info),
            ("orderNo", &self.order_no),
            ("orderStatus", &self.order_status),
            ("tradeNo", &self.trade_no),
        ]
    }

    /// `signInfo`: uppercase HMAC-SHA256 of the values concatenated in key order.
    pub fn sign_info(&self, sign_key: &SecretString) -> String {
        let message: String = self.sorted_pairs().iter().map(|(_, v)| *v).collect();
        hmac_hex(sign_key, message.as_bytes()).to_ascii_uppercase()
    }

    /// The URL-encoded query: the eleven parameters and `signInfo`.
    pub fn signed_query(&self, sign_key: &SecretString) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.sorted_pairs() {
            query.append_pair(k, v);
        }
        query.append_pair("signInfo", &self.sign_info(sign_key));
        query.finish()
    }
}

/// `return_url` with the signed parameters appended, keeping the merchant's own query.
pub fn signed_return_url(
    return_url: &str,
    params: &ReturnParams,
    sign_key: &SecretString,
) -> String {
    let (base, fragment) = match return_url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (return_url, None),
    };
    let separator = match base.rfind('?') {
        None => "?",
        Some(i) if i + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut url = format!("{base}{separator}{}", params.signed_query(sign_key));
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ReturnParams {
        ReturnParams {
            code: "0000".to_owned(),
            gateway_no: "12246002".to_owned(),
            mask_card_no: "424242***4242".to_owned(),
            mer_no: "12246".to_owned(),
            message: "Success".to_owned(),
            order_amount: "7.00".to_owned(),
            order_currency: "USD".to_owned(),
            order_info: "Transaction Approved".to_owned(),
            order_no: "php-sdk-2022082212000012345678".to_owned(),
            order_status: "success".to_owned(),
            trade_no: "2022082212000112345678".to_owned(),
        }
    }

    #[test]
    fn section_4_4_return_vector() {
        let key = SecretString::from("12H4567r");
        assert_eq!(
            example().sign_info(&key),
            "9B9A3097D5F82BB01EE8F80938206D54E8E3A5C58A56B75B5C6DF579B2003001"
        );
    }

    #[test]
    fn merchant_query_is_kept() {
        let key = SecretString::from("12H4567r");
        let url = signed_return_url("https://shop.test/return?a=1", &example(), &key);
        assert!(
            url.starts_with("https://shop.test/return?a=1&code=0000&"),
            "{url}"
        );
        assert!(url.contains("maskCardNo=424242***4242"), "{url}");
        assert!(url.contains("orderInfo=Transaction+Approved"), "{url}");
        assert!(url.ends_with(
            "&signInfo=9B9A3097D5F82BB01EE8F80938206D54E8E3A5C58A56B75B5C6DF579B2003001"
        ));
        let url = signed_return_url("https://shop.test/return", &example(), &key);
        assert!(
            url.starts_with("https://shop.test/return?code=0000&"),
            "{url}"
        );
    }
}
