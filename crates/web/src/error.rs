//! The API's single error type: an HTTP status, a stable machine code and a message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mailway_relay::AcceptError;

/// Every error the API returns. The body is
/// `{"error": {"code": "<code>", "message": "<what went wrong>"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code for programs: `unauthorized`, `bad_request`, `bad_address`,
    /// `bad_message`, `too_large`, `unsupported_media_type`, `storage_full`, `unavailable`,
    /// `not_found`.
    pub code: &'static str,
    /// Human message naming the field or input at fault.
    pub message: String,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 with code `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: missing or wrong token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl From<AcceptError> for ApiError {
    fn from(e: AcceptError) -> Self {
        let status =
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match e.http_status() {
            507 => "storage_full",
            413 => "too_large",
            400 => "bad_request",
            _ => "unavailable",
        };
        // the SMTP-style text, without paths or other internals
        let text = e.smtp_reply();
        ApiError::new(status, code, text)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code, "message": self.message }
        });
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"mailway\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE || self.status.as_u16() == 507 {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        resp
    }
}
