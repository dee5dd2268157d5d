//! Bearer-token authentication for the API routes.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::{ApiError, AppState};

/// Who called: the name of the token used. Handlers find it in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// The token's name from the configuration.
    pub name: String,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

/// Middleware: requires `Authorization: Bearer <token>` with a configured token.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "missing Authorization header (use: Authorization: Bearer <token>)",
        ));
    };
    let value = value.to_str().unwrap_or("");
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(ApiError::unauthorized(
            "the Authorization header must be: Bearer <token>",
        ));
    };
    let token = token.trim();
    let mut found: Option<&str> = None;
    for (name, secret) in state.tokens.iter() {
        if constant_time_eq(secret.as_bytes(), token.as_bytes()) {
            found = Some(name);
        }
    }
    let Some(name) = found else {
        return Err(ApiError::unauthorized("invalid API token"));
    };
    req.extensions_mut().insert(ApiClient {
        name: name.to_string(),
    });
    Ok(next.run(req).await)
}
