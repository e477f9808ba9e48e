//! The message inside an error response: v1 `{statusCode,message}`, v2
//! `{errors:[{status,code,title,detail}]}`, the admin API's `{code,message}` / `{errors:[..]}`.

use serde::Deserialize;

/// What the server said about a failed request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerMessage {
    /// A machine code such as `CONFLICT`, when the server gives one.
    pub code: Option<String>,
    /// The human message.
    pub message: String,
}

#[derive(Deserialize)]
struct Shape {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<Vec<V2Error>>,
    #[serde(default, rename = "errorMessages")]
    error_messages: Option<Vec<String>>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct V2Error {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl ServerMessage {
    /// Extracts the message from an error body; `None` when the body is empty or not JSON.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let shape: Shape = serde_json::from_slice(body).ok()?;
        if let Some(errors) = shape.errors.filter(|e| !e.is_empty()) {
            let code = errors.iter().find_map(|e| e.code.clone());
            let message = errors
                .iter()
                .map(|e| {
                    let parts: Vec<&str> = [&e.title, &e.detail, &e.message]
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .filter(|s| !s.is_empty())
                        .collect();
                    parts.join(": ")
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            return Some(Self { code, message });
        }
        let code = match shape.code {
            Some(serde_json::Value::String(code)) => Some(code),
            _ => None,
        };
        let message = shape.message.or_else(|| shape.error_messages.map(|m| m.join("; "))).or(shape.reason)?;
        Some(Self { code, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_shape() {
        let body = br#"{"statusCode":403,"message":"Not permitted to create space","data":{}}"#;
        let parsed = ServerMessage::parse(body).unwrap();
        assert_eq!(parsed.message, "Not permitted to create space");
        assert_eq!(parsed.code, None);
    }

    #[test]
    fn v2_shape() {
        let body =
            br#"{"errors":[{"status":409,"code":"CONFLICT","title":"Version mismatch","detail":null}]}"#;
        let parsed = ServerMessage::parse(body).unwrap();
        assert_eq!(parsed.code.as_deref(), Some("CONFLICT"));
        assert_eq!(parsed.message, "Version mismatch");
    }

    #[test]
    fn not_json() {
        assert_eq!(ServerMessage::parse(b"<html>Log in</html>"), None);
        assert_eq!(ServerMessage::parse(b""), None);
        assert_eq!(ServerMessage::parse(b"{}"), None);
    }
}
