//! Responses and errors in Confluence's shapes (v2 `errors[]`, v1 `statusCode`/`message`).

use bytes::Bytes;
use serde_json::{Value, json};

/// Which API family a path belongs to; decides the error body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    V2,
    V1,
    Admin,
    Other,
}

impl Flavor {
    pub fn of(path: &str) -> Flavor {
        if path.starts_with("/wiki/api/v2") {
            Flavor::V2
        } else if path.starts_with("/wiki/rest") {
            Flavor::V1
        } else if path.starts_with("/admin/") {
            Flavor::Admin
        } else {
            Flavor::Other
        }
    }
}

/// A finished response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// Entries in the answer when it is a list (counted in the statistics).
    pub items: Option<usize>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply::serialized(status, value)
    }

    /// A JSON answer written straight from typed data (large listings skip building a `Value`).
    pub fn serialized<S: serde::Serialize + ?Sized>(status: u16, value: &S) -> Reply {
        Reply {
            status,
            content_type: "application/json;charset=UTF-8",
            headers: Vec::new(),
            body: Bytes::from(serde_json::to_vec(value).expect("answers serialize")),
            items: None,
        }
    }

    pub fn ok(value: Value) -> Reply {
        Reply::json(200, &value)
    }

    /// A 200 list answer holding `items` entries.
    pub fn list(value: Value, items: usize) -> Reply {
        Reply { items: Some(items), ..Reply::json(200, &value) }
    }

    pub fn empty(status: u16) -> Reply {
        Reply { status, content_type: "text/plain", headers: Vec::new(), body: Bytes::new(), items: None }
    }

    pub fn redirect(location: String) -> Reply {
        let mut r = Reply::empty(302);
        r.headers.push(("location", location));
        r
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// An error answer; rendered in the caller's API flavor.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

pub type ApiResult = Result<Reply, ApiError>;

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(403, message)
    }

    pub fn render(&self, flavor: Flavor) -> Reply {
        let value = match flavor {
            Flavor::V1 => json!({
                "statusCode": self.status,
                "message": self.message,
                "data": {"authorized": self.status != 401 && self.status != 403,
                         "valid": self.status != 400, "errors": [], "successful": false},
            }),
            Flavor::Admin => json!({
                "errors": [{"id": status_code(self.status).to_lowercase(), "status": self.status.to_string(),
                            "code": status_code(self.status), "title": self.message}],
            }),
            Flavor::V2 | Flavor::Other => json!({
                "errors": [{"status": self.status, "code": status_code(self.status),
                            "title": self.message, "detail": Value::Null}],
            }),
        };
        Reply::json(self.status, &value)
    }
}

pub fn status_code(status: u16) -> &'static str {
    match status {
        400 => "INVALID_REQUEST_PARAMETER",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        413 => "REQUEST_ENTITY_TOO_LARGE",
        429 => "TOO_MANY_REQUESTS",
        500 => "INTERNAL_SERVER_ERROR",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "ERROR",
    }
}
