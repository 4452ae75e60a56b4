//! The shopper's languages and every text the shopper's pages show. AsiaBill's hosted page
//! speaks twelve languages; the simulator speaks English and Simplified Chinese, chosen by
//! `?lang=` first and `Accept-Language` second.

use actix_web::HttpRequest;

/// A language of the shopper's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    ZhCn,
}

impl Lang {
    /// The tag used in `?lang=` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The texts in this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// `?lang=` if it names a language, else the first language of `Accept-Language` (by
    /// quality) that is one, else English.
    pub fn of(req: &HttpRequest) -> Lang {
        let asked = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v));
        asked
            .or_else(|| {
                let header = req
                    .headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)?
                    .to_str()
                    .ok()?;
                accept_language(header)
            })
            .unwrap_or(Lang::En)
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::ZhCn),
            _ => None,
        }
    }
}

fn accept_language(header: &str) -> Option<Lang> {
    let mut ranked: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let lang = Lang::parse(parts.next()?)?;
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (quality > 0.0).then_some((quality, lang))
        })
        .collect();
    // A stable sort keeps the header's order among equal qualities.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map(|(_, lang)| *lang)
}

/// Every text of the shopper's pages (hosted page, 3-D Secure page, card frame).
pub(crate) struct Text {
    pub brand: &'static str,
    pub test_badge: &'static str,
    pub test_notice: &'static str,
    pub secure_payment: &'static str,
    pub order_summary: &'static str,
    pub merchant: &'static str,
    pub order_no: &'static str,
    pub item: &'static str,
    pub quantity: &'static str,
    pub price: &'static str,
    pub total: &'static str,
    pub card_details: &'static str,
    pub card_number: &'static str,
    pub expiry_month: &'static str,
    pub expiry_year: &'static str,
    pub security_code: &'static str,
    pub cardholder: &'static str,
    pub pay: &'static str,
    pub cancel: &'static str,
    pub test_cards: &'static str,
    pub fix_errors: &'static str,
    pub err_card_number: &'static str,
    pub err_expiry_month: &'static str,
    pub err_expiry_year: &'static str,
    pub err_security_code: &'static str,
    pub err_cardholder: &'static str,
    pub err_session: &'static str,
    pub err_network: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub finished_title: &'static str,
    pub finished_body: &'static str,
    pub return_to_merchant: &'static str,
    pub status: &'static str,
    pub status_success: &'static str,
    pub status_fail: &'static str,
    pub status_pending: &'static str,
    pub close_window: &'static str,
    pub three_ds_title: &'static str,
    pub three_ds_body: &'static str,
    pub three_ds_gone: &'static str,
    pub amount: &'static str,
    pub card: &'static str,
    pub authenticate: &'static str,
    pub fail: &'static str,
    pub month_placeholder: &'static str,
    pub year_placeholder: &'static str,
    pub card_frame_title: &'static str,
    pub payment_method: &'static str,
    pub qr_title: &'static str,
    pub qr_body: &'static str,
    pub qr_image: &'static str,
    pub scan_simulate: &'static str,
    pub bank_title: &'static str,
    pub bank_body: &'static str,
    pub bank: &'static str,
    pub you_are_at: &'static str,
    pub redirect_body: &'static str,
    pub approve: &'static str,
    pub decline: &'static str,
    pub local_hint: &'static str,
}

const EN: Text = Text {
    brand: "AsiaBill Sandbox",
    test_badge: "TEST",
    test_notice: "Offline simulator: no card is charged and no money moves.",
    secure_payment: "Secure payment",
    order_summary: "Order summary",
    merchant: "Merchant",
    order_no: "Order number",
    item: "Item",
    quantity: "Qty",
    price: "Price",
    total: "Total",
    card_details: "Card details",
    card_number: "Card number",
    expiry_month: "Expiry month (MM)",
    expiry_year: "Expiry year (YYYY)",
    security_code: "Security code (CVV)",
    cardholder: "Cardholder name",
    pay: "Pay",
    cancel: "Cancel and return to the merchant",
    test_cards: "Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 9995 is declined, \
                 4000 0025 0000 3155 asks for 3-D Secure. Any future expiry date and any 3 digits.",
    fix_errors: "Please correct the fields marked below.",
    err_card_number: "Enter a valid card number.",
    err_expiry_month: "Enter the expiry month as two digits, 01 to 12.",
    err_expiry_year: "Enter a four-digit year: the card must not be expired nor expire more than 10 years from now.",
    err_security_code: "Enter the 3-digit security code (4 digits on American Express).",
    err_cardholder: "Enter the name on the card.",
    err_session: "This payment session has expired. Reload the page to start again.",
    err_network: "The payment service could not be reached. Try again.",
    not_found_title: "Payment not found",
    not_found_body: "This payment link is wrong or no longer valid.",
    finished_title: "This payment is finished",
    finished_body: "Nothing more to do here.",
    return_to_merchant: "Return to the merchant",
    status: "Status",
    status_success: "Approved",
    status_fail: "Not approved",
    status_pending: "Pending",
    close_window: "You can close this window.",
    three_ds_title: "3-D Secure authentication",
    three_ds_body: "Your bank asks you to confirm this payment. In the sandbox, choose how the authentication ends.",
    three_ds_gone: "This authentication is finished or does not exist.",
    amount: "Amount",
    card: "Card",
    authenticate: "Authenticate",
    fail: "Fail",
    month_placeholder: "MM",
    year_placeholder: "YY",
    card_frame_title: "Card payment fields",
    payment_method: "Payment method",
    qr_title: "Scan to pay",
    qr_body: "Open the app on your phone and scan this code to pay.",
    qr_image: "QR code of this payment",
    scan_simulate: "Scan with phone (simulate)",
    bank_title: "Choose your bank",
    bank_body: "You will approve this payment in your bank's online banking.",
    bank: "Bank",
    you_are_at: "You are at",
    redirect_body: "Confirm this payment with the provider. In the sandbox, choose how it ends.",
    approve: "Approve",
    decline: "Decline",
    local_hint: "Sandbox: no money moves. Approve, decline or cancel to see each outcome; \
                 doing nothing leaves the payment pending.",
};

const ZH_CN: Text = Text {
    brand: "AsiaBill 沙箱",
    test_badge: "测试",
    test_notice: "离线模拟器：不会扣款，也不会产生真实交易。",
    secure_payment: "安全支付",
    order_summary: "订单摘要",
    merchant: "商户",
    order_no: "订单号",
    item: "商品",
    quantity: "数量",
    price: "单价",
    total: "合计",
    card_details: "银行卡信息",
    card_number: "卡号",
    expiry_month: "有效期月份 (MM)",
    expiry_year: "有效期年份 (YYYY)",
    security_code: "安全码 (CVV)",
    cardholder: "持卡人姓名",
    pay: "支付",
    cancel: "取消并返回商户",
    test_cards: "测试卡：4242 4242 4242 4242 支付成功，4000 0000 0000 9995 支付失败，\
                 4000 0025 0000 3155 需要 3-D Secure 验证。有效期填任意未来日期，安全码填任意 3 位数字。",
    fix_errors: "请更正下面标出的字段。",
    err_card_number: "请输入有效的卡号。",
    err_expiry_month: "请输入两位数的有效期月份（01 至 12）。",
    err_expiry_year: "请输入四位数的年份：卡片不能已过期，且有效期不超过 10 年。",
    err_security_code: "请输入 3 位安全码（American Express 为 4 位）。",
    err_cardholder: "请输入卡面上的姓名。",
    err_session: "支付会话已过期，请刷新页面重新开始。",
    err_network: "无法连接支付服务，请重试。",
    not_found_title: "未找到付款",
    not_found_body: "此付款链接有误或已失效。",
    finished_title: "此付款已结束",
    finished_body: "此页面无需其他操作。",
    return_to_merchant: "返回商户",
    status: "状态",
    status_success: "支付成功",
    status_fail: "支付失败",
    status_pending: "处理中",
    close_window: "您可以关闭此窗口。",
    three_ds_title: "3-D Secure 身份验证",
    three_ds_body: "您的发卡行要求确认此笔付款。在沙箱中，请选择验证结果。",
    three_ds_gone: "此验证已结束或不存在。",
    amount: "金额",
    card: "卡号",
    authenticate: "验证通过",
    fail: "验证失败",
    month_placeholder: "月",
    year_placeholder: "年",
    card_frame_title: "银行卡支付字段",
    payment_method: "支付方式",
    qr_title: "扫码支付",
    qr_body: "请打开手机上的应用扫描此二维码完成支付。",
    qr_image: "此笔付款的二维码",
    scan_simulate: "用手机扫码（模拟）",
    bank_title: "选择您的银行",
    bank_body: "您将在网上银行中确认此笔付款。",
    bank: "银行",
    you_are_at: "您正在访问",
    redirect_body: "请在支付服务商处确认此笔付款。在沙箱中，请选择付款结果。",
    approve: "确认支付",
    decline: "拒绝",
    local_hint: "沙箱：不会产生真实交易。确认、拒绝或取消以查看各种结果；不操作则付款保持处理中。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_known_language() {
        assert_eq!(accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(accept_language("fr-FR, en;q=0.5, zh;q=0.4"), Some(Lang::En));
        assert_eq!(accept_language("en;q=0.2, zh-TW;q=0.7"), Some(Lang::ZhCn));
        assert_eq!(accept_language("zh;q=0, de"), None);
        assert_eq!(Lang::parse("zh_cn"), Some(Lang::ZhCn));
    }
}
