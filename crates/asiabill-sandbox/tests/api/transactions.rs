//! `/transactions` and `/orderInfo/{tradeNo}` answer from state.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn transactions_are_listed_and_found() {
    let app = spawn().await;
    let trade_no = app.paid_sale("12.34").await;
    app.charge("4000000000009995", GATEWAY, json!({})).await;
    app.charge("4242424242424242", PREAUTH_GATEWAY, json!({}))
        .await;

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let start = format!("{today}T00:00:00");
    let end = format!("{today}T23:59:59");
    let r = app
        .send(Req::get("/openApi/V2022-03/transactions").query(&[
            ("startTime", &start),
            ("endTime", &end),
            ("tradeNo", &trade_no),
        ]))
        .await;
    r.assert_code("00000");
    assert_eq!(r.data()["page"]["total"], 1);
    let item = &r.data()["list"][0];
    assert_eq!(item["tradeNo"], trade_no);
    assert_eq!(item["tradeStatus"], "success");
    assert_eq!(item["tradeInfo"], "Transaction Approved");
    assert_eq!(item["tradeAmount"], json!(12.34));
    assert_eq!(item["tradeCurrency"], "USD");
    assert_eq!(item["authStatus"], "sale");
    assert_eq!(item["isUploadGoods"], "yes");
    assert_eq!(item["isUploadReceipt"], "no");
    assert_eq!(item["sourceWebSite"], "http://shop.test");
    assert_eq!(item["goods"]["goodsName"], "Mug");
    assert!(
        item["tradeDate"]
            .as_str()
            .expect("date")
            .starts_with(&today)
    );

    // Only this gateway's transactions, all of them without filters.
    let all = app.send(Req::get("/openApi/V2022-03/transactions")).await;
    assert_eq!(all.data()["page"]["total"], 2);
    let page = app
        .send(
            Req::get("/openApi/V2022-03/transactions")
                .query(&[("pageIndex", "2"), ("pageSize", "1")]),
        )
        .await;
    assert_eq!(page.data()["list"].as_array().map(Vec::len), Some(1));
    // A window in the past is empty.
    let past = app
        .send(Req::get("/openApi/V2022-03/transactions").query(&[
            ("startTime", "2022-05-01T00:00:00"),
            ("endTime", "2022-05-01T23:59:59"),
        ]))
        .await;
    assert_eq!(past.data()["page"]["total"], 0);

    let path = format!("/openApi/V2022-03/orderInfo/{trade_no}");
    let one = app.send(Req::get(&path).path_values(&[&trade_no])).await;
    one.assert_code("00000");
    assert_eq!(one.data()["tradeNo"], trade_no);
    assert_eq!(one.data()["tradeStatus"], "success");
    // Not visible from the other gateway.
    app.send(
        Req::get(&path)
            .path_values(&[&trade_no])
            .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("98");
}

#[tokio::test]
async fn bad_queries_are_refused() {
    let app = spawn().await;
    app.send(Req::get("/openApi/V2022-03/transactions").query(&[("tradeno", "1")]))
        .await
        .assert_code("J0001");
    app.send(Req::get("/openApi/V2022-03/transactions").query(&[("startTime", "2022-05-01")]))
        .await
        .assert_code("I0060");
    app.send(Req::get("/openApi/V2022-03/transactions").query(&[("uploadGoodsFlag", "maybe")]))
        .await
        .assert_code("I0060");
}
