//! Shipping: `POST /logistics` (upload a tracking number, needed for settlement review) and
//! `GET /logistics/{tradeNo}`.

use serde::{Deserialize, Serialize};

use super::check_len;
use crate::Error;
use crate::codes::LogisticsStatus;
use crate::endpoint::{ApiCall, Endpoint, Host, HttpMethod, PathSegment};
use crate::wire;

/// `POST /logistics`: a tracking number for a transaction, named by `tradeNo`, `orderNo` or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogisticsUpload {
    /// `trackingNo`: 2–50 characters.
    pub tracking_no: String,
    /// `trackingWeb`: the carrier's tracking website, 2–200 characters.
    pub tracking_web: String,
    /// `lcCode`: the carrier's code (e.g. `TWTH`), at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lc_code: Option<String>,
    /// `tradeNo`, at most 64 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// `orderNo`, at most 64 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
}

impl Endpoint for LogisticsUpload {
    type Data = LogisticsUploadResponse;

    fn call(&self) -> Result<ApiCall, Error> {
        check_len("trackingNo", &self.tracking_no, 2, 50)?;
        check_len("trackingWeb", &self.tracking_web, 2, 200)?;
        if let Some(lc_code) = &self.lc_code {
            check_len("lcCode", lc_code, 0, 50)?;
        }
        let ids: Vec<&String> = [&self.trade_no, &self.order_no]
            .into_iter()
            .flatten()
            .collect();
        if ids.iter().all(|id| id.trim().is_empty()) {
            return Err(Error::InvalidRequest(
                "a logistics upload needs tradeNo or orderNo".into(),
            ));
        }
        for id in ids {
            check_len("tradeNo/orderNo", id, 0, 64)?;
        }
        ApiCall::post_json(Host::OpenApi, vec![PathSegment::Fixed("logistics")], self)
    }
}

/// The answer of `/logistics`, e.g. `{"tradeNo":…, "status":"success",
/// "description":"uploadSuccess"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogisticsUploadResponse {
    /// `tradeNo`.
    #[serde(default, with = "wire::text")]
    pub trade_no: String,
    /// `status`, e.g. `success`.
    #[serde(default)]
    pub status: String,
    /// `description`, e.g. `uploadSuccess`.
    #[serde(default)]
    pub description: String,
}

/// `GET /logistics/{tradeNo}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogisticsQueryRequest {
    /// `tradeNo`.
    pub trade_no: String,
}

impl Endpoint for LogisticsQueryRequest {
    type Data = LogisticsInfo;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("logistics"),
                PathSegment::Param(self.trade_no.clone()),
            ],
        ))
    }
}

/// The answer of `/logistics/{tradeNo}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogisticsInfo {
    /// `tradeNo`.
    #[serde(with = "wire::text")]
    pub trade_no: String,
    /// `trackingNo`.
    #[serde(default)]
    pub tracking_no: String,
    /// `trackingWeb`.
    #[serde(default)]
    pub tracking_web: String,
    /// `tbLcCode`: the carrier code as AsiaBill recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tb_lc_code: Option<String>,
    /// `logisticsStatus`.
    pub logistics_status: LogisticsStatus,
}
