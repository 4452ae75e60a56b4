//! The orders list as CSV, for a spreadsheet: one row per order, or one per order line, written
//! by the `csv` crate (quoting, CRLF line ends) with amounts in the currency's decimal notation.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
//! a formula, and the shopper typed most of these cells (names, emails): such text gets a
//! leading `'`, which spreadsheets show as text and do not run.

use crate::db::models::{Order, OrderLine};

/// Why an export could not be written.
pub type ExportError = csv::Error;

/// Text a spreadsheet would run as a formula, defused with a leading `'`.
fn guard(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Writes `header` and `rows` (each cell guarded) as CSV with CRLF line ends.
fn write<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> Result<String, ExportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| guard(cell)))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ExportError::from(e.into_error()))?;
    // Every cell came from a `&str`, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The CSV header and one line per order; amounts in the currency's decimal notation.
pub fn orders_csv(
    orders: &[Order],
    amount: impl Fn(i64, &str) -> String,
    method: impl Fn(&Order) -> String,
) -> Result<String, ExportError> {
    let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
    write(
        [
            "number",
            "placed_at",
            "status",
            "fulfilment",
            "email",
            "name",
            "country",
            "currency",
            "total",
            "captured",
            "refunded",
            "paid_at",
            "payment_method",
            "discount_code",
            "discount",
            "tax",
            "prices_include_tax",
            "shipping_method",
            "shipping",
        ],
        orders.iter().map(|o| {
            [
                o.number.clone(),
                time(o.created_at),
                o.status.to_string(),
                o.fulfilment_status.to_string(),
                o.email.clone(),
                format!("{} {}", o.billing_first_name, o.billing_last_name),
                o.billing_country.clone(),
                o.currency.clone(),
                amount(o.total_minor, &o.currency),
                amount(o.captured_minor, &o.currency),
                amount(o.refunded_minor, &o.currency),
                o.paid_at.map(time).unwrap_or_default(),
                method(o),
                o.discount_code.clone().unwrap_or_default(),
                amount(o.discount_minor, &o.currency),
                amount(o.tax_minor, &o.currency),
                o.prices_include_tax.to_string(),
                o.shipping_method.clone().unwrap_or_default(),
                amount(o.shipping_minor, &o.currency),
            ]
        }),
    )
}

/// The CSV header and one line per order line, each with its order's number.
pub fn lines_csv(
    lines: &[(String, OrderLine)],
    amount: impl Fn(i64, &str) -> String,
) -> Result<String, ExportError> {
    write(
        [
            "number",
            "sku",
            "name",
            "quantity",
            "unit_price",
            "line_total",
            "currency",
            "tax",
            "variant",
        ],
        lines.iter().map(|(number, l)| {
            [
                number.clone(),
                l.sku.clone(),
                l.name.clone(),
                l.quantity.to_string(),
                amount(l.unit_price_minor, &l.currency),
                amount(l.line_total_minor, &l.currency),
                l.currency.clone(),
                amount(l.tax_minor, &l.currency),
                l.variant_name.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One cell as it stands in its line.
    fn field(value: &str) -> String {
        let line = write(["h"], [[value.to_owned()]]).expect("written");
        line.trim_start_matches("h\r\n")
            .trim_end_matches("\r\n")
            .to_owned()
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=1+1"), "'=1+1");
    }

    #[test]
    fn the_lines_csv_has_a_row_per_line_with_its_order_number() {
        let line = OrderLine {
            id: 1,
            order_id: 7,
            product_id: None,
            sku: "KET-1".into(),
            name: "Kettle, gooseneck".into(),
            unit_price_minor: 4500,
            quantity: 2,
            line_total_minor: 9000,
            currency: "USD".into(),
            tax_minor: 0,
            variant_id: None,
            variant_name: String::new(),
        };
        let variant = OrderLine {
            id: 2,
            sku: "HUILA-ESP-1KG".into(),
            name: "Colombia Huila".into(),
            variant_id: Some(5),
            variant_name: "Espresso / 1 kg".into(),
            ..line.clone()
        };
        let csv = lines_csv(
            &[("A10007".into(), line), ("A10007".into(), variant)],
            |m, _| format!("{}", m / 100),
        )
        .expect("written");
        assert_eq!(
            csv,
            "number,sku,name,quantity,unit_price,line_total,currency,tax,variant\r\n\
             A10007,KET-1,\"Kettle, gooseneck\",2,45,90,USD,0,\r\n\
             A10007,HUILA-ESP-1KG,Colombia Huila,2,45,90,USD,0,Espresso / 1 kg\r\n"
        );
    }
}
