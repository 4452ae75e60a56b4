//! `GET /healthz` (the process answers) and `GET /readyz` (it can serve: database reachable and,
//! outside `local`, the gateway's host resolvable).

use actix_web::{HttpResponse, web};
use diesel::{RunQueryDsl, sql_query};
use serde::Serialize;

use crate::{config::GatewayMode, db::DbError, web::AppState};

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

/// Always 200 while the process serves requests.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    database: String,
    gateway: String,
}

/// 200 when the shop can take orders, 503 with the failing part otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state
        .db
        .run(|conn| sql_query("SELECT 1").execute(conn).map_err(DbError::from))
        .await
    {
        Ok(_) => "ok".to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            "unreachable".to_owned()
        }
    };
    let gateway = if state.settings.gateway.mode == GatewayMode::Local {
        "local".to_owned()
    } else {
        gateway_resolves(state.settings.gateway.environment.payment_url()).await
    };
    let ready = database == "ok" && (gateway == "ok" || gateway == "local");
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        database,
        gateway,
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn gateway_resolves(base_url: &str) -> String {
    let Some((host, port)) = url::Url::parse(base_url)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_owned(), u.port_or_known_default()?)))
    else {
        return "bad url".to_owned();
    };
    let resolved = tokio::net::lookup_host((host.as_str(), port))
        .await
        .is_ok_and(|mut addrs| addrs.next().is_some());
    if resolved {
        "ok".to_owned()
    } else {
        format!("{host} does not resolve")
    }
}
