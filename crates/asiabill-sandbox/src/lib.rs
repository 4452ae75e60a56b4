//! An offline simulator of the AsiaBill V2022-03 sandbox.
//!
//! The shop is demoed and tested against it, so it will speak the protocol of
//! `shared/docs/asiabill-api.md` exactly. This first version only answers a status document at
//! `/` so that the shop can start it, find it and report it; the payment API and the shopper's
//! pages come with their own issues.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, dev::Server, web};

/// What `GET /` answers: who this is, so an operator can tell the simulator from a real host.
#[derive(serde::Serialize)]
struct Status {
    service: &'static str,
    api_version: &'static str,
}

async fn status() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        service: "asiabill-sandbox",
        api_version: asiabill::API_VERSION,
    })
}

/// Starts the simulator on an already bound listener and returns the running server, which
/// the caller awaits or spawns. Binding first lets tests use port 0 and read the real port.
pub fn serve(listener: TcpListener) -> std::io::Result<Server> {
    let server = HttpServer::new(|| App::new().route("/", web::get().to(status)))
        .workers(1)
        .listen(listener)?
        .run();
    Ok(server)
}
