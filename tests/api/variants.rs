use crate::helpers::spawn_app;

#[tokio::test]
async fn scratch() {
    let app = spawn_app().await;
    app.add_to_cart("ethiopia-yirgacheffe", 2).await;
    let r = app.get("/cart").await;
    println!("STATUS {}", r.status());
    println!("{}", r.text().await.unwrap_or_default());
}
