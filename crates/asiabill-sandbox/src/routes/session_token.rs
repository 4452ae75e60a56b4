//! `POST /sessionToken` (section 5.1): a credential for the browser SDK, valid 30 minutes.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::Sandbox;
use crate::api::{Success, run};
use crate::state::SessionToken;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    session_token: String,
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let token = crate::ids::token();
        let expires_at = Instant::now() + call.sandbox.config().session_token_validity;
        let mut state = call.sandbox.state();
        let now = Instant::now();
        state.session_tokens.retain(|_, t| t.expires_at > now);
        state.session_tokens.insert(
            token.clone(),
            SessionToken {
                gateway_no: call.account.gateway_no.clone(),
                expires_at,
            },
        );
        Ok(Reply {
            session_token: token,
        })
    })
    .await
}

impl Sandbox {
    /// The gateway a still valid `sessionToken` was issued to (for the browser SDK stand-in).
    pub fn session_token_gateway(&self, token: &str) -> Option<String> {
        let now = Instant::now();
        self.state()
            .session_tokens
            .get(token)
            .filter(|t| t.expires_at > now)
            .map(|t| t.gateway_no.clone())
    }
}
