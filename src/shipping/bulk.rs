//! Shipping many orders at once from a CSV of `order_number,lc_code,tracking_number,
//! tracking_url` rows (a header row naming those columns is skipped). Each row goes through
//! [`super::ship`] on its own, as the order page's form does (the shipment recorded, the
//! shopper emailed, the tracking uploaded to AsiaBill), so a bad row costs only itself: the
//! result says, row by row, what happened. When the admin ticked orders on the list, only
//! their rows ship: the others are reported as not selected, and a ticked order without a row
//! is named too, so that nothing ticked is silently left out.

use super::{ShipError, ShipmentInput, Upload};
use crate::{accounts::audit::Actor, orders::status::OrderStatus, payments::Payments};

/// The most rows one file may hold; more is refused whole, before anything ships.
pub const MAX_ROWS: usize = 500;

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Shipped; how the upload to AsiaBill went.
    Shipped(Upload),
    /// No order with that number.
    NotFound,
    /// The order is not paid (or authorized), so it does not ship.
    NotPaid(OrderStatus),
    /// The row is not one shipment: the locale key of what is wrong with it.
    BadRow(&'static str),
    /// The database failed for this row; the other rows went on.
    Failed(String),
    /// Orders were ticked on the list and this row's order was not one of them: not shipped.
    NotSelected,
    /// A ticked order that no row of the file names (its `line` is 0).
    NoRow,
}

/// One row of the file and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowResult {
    /// The row's line in the file, from 1.
    pub line: u64,
    /// The order number as written (empty when the row had none).
    pub order_number: String,
    /// What happened.
    pub outcome: Outcome,
}

/// Why a file was not read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Nothing in it.
    #[error("the file has no rows")]
    Empty,
    /// More than [`MAX_ROWS`] rows.
    #[error("the file has more than {MAX_ROWS} rows")]
    TooMany,
}

/// A row read from the file: the shipment to make, or what is wrong with it.
type Parsed = (u64, String, Result<ShipmentInput, &'static str>);

/// Reads the rows of `file`; a row that cannot be a shipment is kept with its error, so the
/// result names it.
fn parse(file: &[u8]) -> Result<Vec<Parsed>, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let fallback = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback, |p| line_at(file, p));
                rows.push((line, String::new(), Err("admin.bulk.error_unreadable")));
                continue;
            }
        };
        let line = record.position().map_or(fallback, |p| line_at(file, p));
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        let number = field(0).to_uppercase();
        if index == 0 && number.eq_ignore_ascii_case("order_number") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(FileError::TooMany);
        }
        if record.len() != 4 {
            rows.push((line, number, Err("admin.bulk.error_columns")));
            continue;
        }
        if number.is_empty() {
            rows.push((line, number, Err("admin.bulk.error_number")));
            continue;
        }
        let input = ShipmentInput {
            lc_code: field(1),
            tracking_number: field(2),
            tracking_url: field(3),
        }
        .validate()
        .map_err(|errors| errors.first().map_or("admin.bulk.error_columns", |e| e.1));
        rows.push((line, number, input));
    }
    if rows.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(rows)
}

/// The file's own line of the record at `position`, from 1. The reader skips blank lines and
/// starts a record's position before them, so they are stepped over here to name the line the
/// admin sees in their editor.
fn line_at(file: &[u8], position: &csv::Position) -> u64 {
    let start = usize::try_from(position.byte())
        .unwrap_or(file.len())
        .min(file.len());
    let first = file[start..]
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(file.len(), |skip| start + skip);
    let newlines = file[..first].iter().filter(|b| **b == b'\n').count();
    u64::try_from(newlines)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// Ships every good row of `file` for `actor`, one after the other, and says what happened to
/// each row. When `selected` names orders (ticked on the list), only their rows ship.
pub async fn ship_all(
    payments: &Payments,
    actor: &Actor,
    file: &[u8],
    selected: &[String],
) -> Result<Vec<RowResult>, FileError> {
    let rows = parse(file)?;
    let mut selected: Vec<String> = selected
        .iter()
        .map(|n| n.trim().to_uppercase())
        .filter(|n| !n.is_empty())
        .collect();
    selected.sort();
    selected.dedup();
    let chosen = |number: &str| selected.is_empty() || selected.iter().any(|s| s == number);
    let mut results = Vec::with_capacity(rows.len() + selected.len());
    for number in &selected {
        if !rows.iter().any(|(_, n, _)| n == number) {
            results.push(RowResult {
                line: 0,
                order_number: number.clone(),
                outcome: Outcome::NoRow,
            });
        }
    }
    for (line, order_number, input) in rows {
        let outcome = match input {
            Err(key) => Outcome::BadRow(key),
            Ok(_) if !chosen(&order_number) => Outcome::NotSelected,
            Ok(input) => match super::ship(payments, actor, &order_number, input).await {
                Ok((_, upload)) => Outcome::Shipped(upload),
                Err(ShipError::NotFound) => Outcome::NotFound,
                Err(ShipError::NotShippable(status)) => Outcome::NotPaid(status),
                Err(ShipError::Db(e)) => {
                    tracing::error!(order.number = %order_number, error = %e, "bulk shipment failed");
                    Outcome::Failed(e.to_string())
                }
            },
        };
        results.push(RowResult {
            line,
            order_number,
            outcome,
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_or_without_a_header_and_bad_ones_kept_with_their_reason() {
        let file = b"order_number,lc_code,tracking_number,tracking_url\n\
            a10001,DHL,JD0001,https://track.example/JD0001\n\
            A10002,DHL\n\
            \n\
            A10003,UPS,X,https://track.example/X\n\
            A10004,UPS,1Z999,not a url\n";
        let rows = parse(file).expect("rows");
        let summary: Vec<(u64, &str, Result<(), &str>)> = rows
            .iter()
            .map(|(line, number, input)| {
                (
                    *line,
                    number.as_str(),
                    input.as_ref().map(|_| ()).map_err(|e| *e),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, "A10001", Ok(())),
                (3, "A10002", Err("admin.bulk.error_columns")),
                (5, "A10003", Err("admin.shipping.error_tracking_number")),
                (6, "A10004", Err("admin.shipping.error_tracking_url")),
            ]
        );
        assert!(matches!(parse(b"\n\n"), Err(FileError::Empty)));
    }
}
