//! What AsiaBill's failure reasons mean, in words a shopper and a merchant can act on.
//!
//! A failed payment carries `orderInfo` (or a query's `tradeInfo`): a legacy code and its
//! message, written `CODE:message` or `CODE_message` (`E0008:Customer Cancel`), or a bare word
//! (`Decline`). Shown as received it tells a shopper nothing, so each documented code has a
//! sentence for the shopper (what happened, whether money moved, what to do) and one for the
//! merchant (what AsiaBill refused, what to check), in English and Simplified Chinese.
//!
//! Every entry names its source: the section of `shared/docs/asiabill-api.md` and, through its
//! source key, the AsiaBill code the code comes from. The V2022-03 API has no published table of
//! its own codes (section 15.1, gap in section 17); a code or word not listed here gets
//! [`FALLBACK`], which says only what is sure: the payment was not approved.

/// A language the sentences are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    English,
    /// Simplified Chinese.
    SimplifiedChinese,
}

/// One sentence in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// In English.
    pub en: &'static str,
    /// In Simplified Chinese.
    pub zh: &'static str,
}

impl Sentence {
    /// The sentence in `language`.
    pub fn in_language(&self, language: Language) -> &'static str {
        match language {
            Language::English => self.en,
            Language::SimplifiedChinese => self.zh,
        }
    }
}

/// What one code (or range of codes) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    /// The codes this entry covers, as the API notes write them (`I0026–I0030`, `Decline`).
    pub codes: &'static str,
    /// For the shopper: what happened and what to do; never blames the shop's set-up on them.
    pub shopper: Sentence,
    /// For the merchant: what AsiaBill refused and what to check.
    pub merchant: Sentence,
    /// Where the code is documented.
    pub source: &'static str,
}

impl Reason {
    /// The shopper's sentence in `language`.
    pub fn for_shopper(&self, language: Language) -> &'static str {
        self.shopper.in_language(language)
    }

    /// The merchant's sentence in `language`.
    pub fn for_merchant(&self, language: Language) -> &'static str {
        self.merchant.in_language(language)
    }
}

/// How an entry recognises a reason.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// Legacy codes `letter` + four digits, from `first` to `last` inclusive.
    Codes { letter: char, first: u16, last: u16 },
    /// A bare word, compared without regard to ASCII case.
    Word(&'static str),
}

const SOURCE_CODES: &str = "asiabill-api.md §15.3 (ShopBase asiabill-sdk MAP_ERROR)";

/// The shopper's sentence when the shop's own set-up was refused: nothing they can fix.
const SHOP_SETUP: Sentence = Sentence {
    en: "The shop could not start this card payment. You have not been charged; please try again later or contact us.",
    zh: "本店暂时无法发起这笔银行卡支付，您没有被扣款。请稍后再试，或联系我们。",
};

/// The shopper's sentence when AsiaBill or the bank had a technical problem.
const GATEWAY_TROUBLE: Sentence = Sentence {
    en: "The payment service could not reach your bank just now. You have not been charged; please try again in a few minutes.",
    zh: "支付服务暂时无法连接您的银行，您没有被扣款。请几分钟后再试。",
};

/// The shopper's sentence when their billing details were refused.
const BILLING_DETAILS: Sentence = Sentence {
    en: "Some of your billing details were not accepted. Check your name, email, phone and address, then try again.",
    zh: "您的部分账单信息未被接受。请检查姓名、邮箱、电话和地址后重试。",
};

const TABLE: &[(Key, Reason)] = &[
    (
        Key::Word("Decline"),
        Reason {
            codes: "Decline",
            shopper: Sentence {
                en: "Your bank declined the payment. You have not been charged; try another card or ask your bank why.",
                zh: "您的银行拒绝了这笔付款，您没有被扣款。请换一张卡，或向发卡银行询问原因。",
            },
            merchant: Sentence {
                en: "The issuing bank declined the card; AsiaBill gave no more detail. Nothing was charged.",
                zh: "发卡行拒绝了该卡，AsiaBill 未提供更多细节。没有产生扣款。",
            },
            source: "asiabill-api.md §15.3 (sandbox plain `Decline`) and §18 (test card 4000000000009995)",
        },
    ),
    (
        Key::Codes {
            letter: 'E',
            first: 8,
            last: 8,
        },
        Reason {
            codes: "E0008",
            shopper: Sentence {
                en: "You cancelled the payment on the payment page. You have not been charged; you can pay again whenever you are ready.",
                zh: "您在支付页面取消了付款，没有被扣款。准备好后可以随时重新支付。",
            },
            merchant: Sentence {
                en: "The shopper cancelled on AsiaBill's payment page (Customer Cancel). Nothing was charged.",
                zh: "顾客在 AsiaBill 支付页面取消了付款（Customer Cancel），没有产生扣款。",
            },
            source: "asiabill-api.md §15.3 and §14.4 (legacy push orderInfo \"E0008:Customer Cancel\")",
        },
    ),
    (
        Key::Codes {
            letter: 'E',
            first: 1,
            last: 6,
        },
        Reason {
            codes: "E0001–E0006",
            shopper: GATEWAY_TROUBLE,
            merchant: Sentence {
                en: "AsiaBill could not complete the call to the card channel (channel error, timeout, sending or invoking failed, or unknown bank code). Query the transaction before asking the shopper to pay again.",
                zh: "AsiaBill 未能完成对支付通道的调用（通道错误、超时、发送或调用失败，或未知银行代码）。请先查询该交易，再请顾客重新支付。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'R',
            first: 0,
            last: 0,
        },
        Reason {
            codes: "R0000",
            shopper: Sentence {
                en: "The payment was stopped by the payment service's fraud checks. You have not been charged; try another card or contact us.",
                zh: "这笔付款被支付服务的风控拦截，您没有被扣款。请换一张卡，或联系我们。",
            },
            merchant: Sentence {
                en: "AsiaBill's risk control refused the transaction as high risk.",
                zh: "AsiaBill 风控将该交易判定为高风险并拒绝。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'R',
            first: 1,
            last: 1,
        },
        Reason {
            codes: "R0001",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "No amount limit is configured for this gateway at AsiaBill: ask AsiaBill to set one.",
                zh: "AsiaBill 未给该网关配置金额限额：请联系 AsiaBill 设置。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 1,
            last: 12,
        },
        Reason {
            codes: "I0001–I0012",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill refused the merchant or gateway number (empty, wrong, inactive, disabled, cancelled or abnormal): check the account's credentials and status with AsiaBill.",
                zh: "AsiaBill 拒绝了商户号或网关号（为空、错误、未激活、已停用、已注销或状态异常）：请与 AsiaBill 核对账户凭据与状态。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 13,
            last: 13,
        },
        Reason {
            codes: "I0013",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill refused the request's signature: check the sign key in the shop's settings.",
                zh: "AsiaBill 拒绝了请求签名：请检查商店设置中的签名密钥。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 14,
            last: 16,
        },
        Reason {
            codes: "I0014–I0016",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "The gateway does not fit the address called (a test gateway on the production URL, a production gateway on the test URL, or a gateway not bound to this interface): check the environment setting.",
                zh: "网关与所调用的地址不符（测试网关调用了生产地址、生产网关调用了测试地址，或网关未绑定该接口）：请检查环境设置。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 17,
            last: 25,
        },
        Reason {
            codes: "I0017–I0025",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill refused the order number, amount, currency or returnUrl the shop sent (empty, too long or malformed).",
                zh: "AsiaBill 拒绝了商店发送的订单号、金额、币种或 returnUrl（为空、过长或格式错误）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 26,
            last: 30,
        },
        Reason {
            codes: "I0026–I0030",
            shopper: Sentence {
                en: "The card number was not accepted. Check it and try again, or use another card.",
                zh: "卡号未被接受。请核对后重试，或换一张卡。",
            },
            merchant: Sentence {
                en: "AsiaBill refused the card number (empty, wrong length, not numeric, unsupported brand or incorrect).",
                zh: "AsiaBill 拒绝了卡号（为空、长度不符、非数字、卡组织不支持或不正确）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 31,
            last: 38,
        },
        Reason {
            codes: "I0031–I0038",
            shopper: Sentence {
                en: "The card's expiry date was not accepted. Check the month and year and try again.",
                zh: "卡片有效期未被接受。请核对月份和年份后重试。",
            },
            merchant: Sentence {
                en: "AsiaBill refused the card's expiry month or year (empty, malformed, expired or more than ten years ahead).",
                zh: "AsiaBill 拒绝了卡片有效期的月份或年份（为空、格式错误、已过期或超出十年）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 39,
            last: 41,
        },
        Reason {
            codes: "I0039–I0041",
            shopper: Sentence {
                en: "The card's security code (CVV) was not accepted. Check the three digits on the back and try again.",
                zh: "卡片安全码（CVV）未被接受。请核对卡背面的三位数字后重试。",
            },
            merchant: Sentence {
                en: "AsiaBill refused the CVV (empty or not three digits).",
                zh: "AsiaBill 拒绝了 CVV（为空或不是三位数字）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 42,
            last: 43,
        },
        Reason {
            codes: "I0042–I0043",
            shopper: Sentence {
                en: "Your card's issuing bank was not accepted. Please try another card.",
                zh: "您的发卡银行未被接受。请换一张卡。",
            },
            merchant: Sentence {
                en: "AsiaBill refused the issuing bank of the card.",
                zh: "AsiaBill 拒绝了该卡的发卡银行。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 44,
            last: 58,
        },
        Reason {
            codes: "I0044–I0058",
            shopper: BILLING_DETAILS,
            merchant: Sentence {
                en: "AsiaBill refused the billing name, email, phone, country, address or postcode (missing, wrong length or format).",
                zh: "AsiaBill 拒绝了账单姓名、邮箱、电话、国家、地址或邮编（缺失、长度或格式不符）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 59,
            last: 60,
        },
        Reason {
            codes: "I0059–I0060",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "A field the shop sent was empty or too long for AsiaBill.",
                zh: "商店发送的某个字段为空或超出 AsiaBill 的长度限制。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 61,
            last: 61,
        },
        Reason {
            codes: "I0061",
            shopper: Sentence {
                en: "This payment was already submitted. Check your order page before paying again, so that you are not charged twice.",
                zh: "这笔付款已经提交过。再次支付前请先查看订单页面，以免重复扣款。",
            },
            merchant: Sentence {
                en: "AsiaBill has seen this order number before (Duplicate Order): query the earlier transaction.",
                zh: "AsiaBill 已收到过该订单号（Duplicate Order）：请查询之前的交易。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 62,
            last: 62,
        },
        Reason {
            codes: "I0062",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill reports that the host index already exists.",
                zh: "AsiaBill 报告主机索引已存在。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 63,
            last: 67,
        },
        Reason {
            codes: "I0063–I0067",
            shopper: BILLING_DETAILS,
            merchant: Sentence {
                en: "AsiaBill refused the billing state or city (missing or wrong length).",
                zh: "AsiaBill 拒绝了账单州/省或城市（缺失或长度不符）。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'I',
            first: 74,
            last: 90,
        },
        Reason {
            codes: "I0074–I0090",
            shopper: Sentence {
                en: "The card details did not match what your bank holds. Check the card number, expiry date, CVV, name and address, then try again.",
                zh: "卡片信息与银行留存的不一致。请核对卡号、有效期、CVV、姓名和地址后重试。",
            },
            merchant: Sentence {
                en: "The card's stored cardholder details (card, CVV, expiry, name, address and so on) did not match what was sent.",
                zh: "卡片的持卡人留存信息（卡号、CVV、有效期、姓名、地址等）与提交的不一致。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'C',
            first: 8,
            last: 8,
        },
        Reason {
            codes: "C0008",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "The shop's domain is not bound to this gateway at AsiaBill: ask AsiaBill to bind the shop's address.",
                zh: "商店域名未在 AsiaBill 绑定到该网关：请联系 AsiaBill 绑定商店地址。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'C',
            first: 1,
            last: 9,
        },
        Reason {
            codes: "C0001–C0009",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill's set-up of this gateway is incomplete (channel, rate, exchange rate or domain binding): ask AsiaBill to check it.",
                zh: "AsiaBill 对该网关的配置不完整（通道、费率、汇率或域名绑定）：请联系 AsiaBill 检查。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'S',
            first: 1,
            last: 14,
        },
        Reason {
            codes: "S0001–S0014",
            shopper: GATEWAY_TROUBLE,
            merchant: Sentence {
                en: "AsiaBill had an internal error (saving the order or reaching the channel). Query the transaction before asking the shopper to pay again.",
                zh: "AsiaBill 发生内部错误（保存订单或连接通道失败）。请先查询该交易，再请顾客重新支付。",
            },
            source: SOURCE_CODES,
        },
    ),
    (
        Key::Codes {
            letter: 'A',
            first: 1,
            last: 10,
        },
        Reason {
            codes: "A0001–A0010",
            shopper: SHOP_SETUP,
            merchant: Sentence {
                en: "AsiaBill refused the capture or void (wrong type, returnUrl, serial number, not a pre-authorization, not allowed now, capture time limit passed, or remark too long).",
                zh: "AsiaBill 拒绝了预授权完成或撤销（类型、returnUrl、流水号错误，非预授权交易，当前不可操作，已超过完成时限，或备注过长）。",
            },
            source: "asiabill-api.md §15.3 and §5.8 (AuthorizeInterface)",
        },
    ),
];

/// What any other code or word means: only that the payment was not approved.
pub const FALLBACK: Reason = Reason {
    codes: "(any other)",
    shopper: Sentence {
        en: "The payment was not approved. You have not been charged; please try again or use another card.",
        zh: "这笔付款未获批准，您没有被扣款。请重试，或换一张卡。",
    },
    merchant: Sentence {
        en: "AsiaBill gave a reason this shop has no explanation for; see the raw code and message.",
        zh: "AsiaBill 返回了本店无法解释的原因，请查看原始代码与信息。",
    },
    source: "asiabill-api.md §15.1 and §17 (no full V2022-03 code list published)",
};

/// The legacy code at the start of `order_info` (`E0008` of `E0008:Customer Cancel`), if any.
pub fn code_of(order_info: &str) -> Option<(char, u16)> {
    let text = order_info.trim();
    let head = text.split([':', '_', ' ']).next().unwrap_or_default();
    let mut chars = head.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    let digits = chars.as_str();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((letter, digits.parse().ok()?))
}

/// What `order_info` (an `orderInfo` or `tradeInfo` as received) means; [`FALLBACK`] for a code
/// or word not documented.
pub fn explain(order_info: &str) -> &'static Reason {
    let code = code_of(order_info);
    let word = order_info
        .trim()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default();
    TABLE
        .iter()
        .find(|(key, _)| match *key {
            Key::Codes {
                letter,
                first,
                last,
            } => code.is_some_and(|(l, n)| l == letter && (first..=last).contains(&n)),
            Key::Word(w) => code.is_none() && word.eq_ignore_ascii_case(w),
        })
        .map_or(&FALLBACK, |(_, reason)| reason)
}

/// Every documented code and word, one by one (ranges expanded), for a caller that lists them.
pub fn documented() -> impl Iterator<Item = String> {
    TABLE.iter().flat_map(|(key, _)| match *key {
        Key::Codes {
            letter,
            first,
            last,
        } => (first..=last)
            .map(|n| format!("{letter}{n:04}"))
            .collect::<Vec<_>>(),
        Key::Word(w) => vec![w.to_owned()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of section 15.3, written out from the notes rather than from the table, so
    /// that a code dropped from the table fails here.
    const FROM_THE_NOTES: &[(char, u16, u16)] = &[
        ('I', 1, 67),
        ('I', 74, 90),
        ('R', 0, 1),
        ('C', 1, 9),
        ('S', 1, 14),
        ('E', 1, 6),
        ('E', 8, 8),
        ('A', 1, 10),
    ];

    fn has_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_documented_code_has_both_sentences_in_both_languages() {
        let codes = FROM_THE_NOTES
            .iter()
            .flat_map(|&(l, a, b)| (a..=b).map(move |n| format!("{l}{n:04}:message")))
            .chain(["Decline".to_owned()]);
        for code in codes {
            let reason = explain(&code);
            assert_ne!(reason, &FALLBACK, "{code} is documented");
            for sentence in [reason.shopper, reason.merchant] {
                assert!(sentence.en.is_ascii() && sentence.en.len() > 20, "{code}");
                assert!(has_chinese(sentence.zh), "{code}: {}", sentence.zh);
            }
            assert!(reason.source.contains("asiabill-api.md §"), "{code}");
        }
        assert!(documented().count() >= 83);
        assert!(documented().all(|c| explain(&c) != &FALLBACK));
    }

    #[test]
    fn codes_are_read_in_both_spellings_and_words_ignore_case() {
        assert_eq!(explain("E0008:Customer Cancel").codes, "E0008");
        assert_eq!(explain("E0008_Customer Cancel").codes, "E0008");
        assert_eq!(explain("I0061:Duplicate Order").codes, "I0061");
        assert_eq!(explain("C0008:domain").codes, "C0008");
        assert_eq!(explain("C0003").codes, "C0001–C0009");
        assert_eq!(explain("decline").codes, "Decline");
        assert_eq!(explain(" Decline ").codes, "Decline");
        assert!(
            explain("E0008:Customer Cancel")
                .for_shopper(Language::SimplifiedChinese)
                .contains("取消")
        );
    }

    #[test]
    fn undocumented_codes_and_words_fall_back() {
        for text in [
            "",
            "E0007:whatever",
            "I0070",
            "X0001:new",
            "3DS Authentication Failed",
            "Declined by a new rule",
            "e0008:lower case",
        ] {
            assert_eq!(explain(text), &FALLBACK, "{text}");
        }
        assert!(
            FALLBACK
                .for_shopper(Language::English)
                .contains("not been charged")
        );
        assert!(has_chinese(
            FALLBACK.for_merchant(Language::SimplifiedChinese)
        ));
    }
}
