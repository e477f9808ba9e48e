//! A request as the routes see it: method, path segments, query, headers, body, caller.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::reply::ApiError;

pub struct Request {
    pub method: hyper::Method,
    /// Path without the gateway prefix and without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
    /// Authenticated account id, if any.
    pub caller: Option<String>,
    /// `http://127.0.0.1:PORT` (plus the gateway prefix when the request came through it).
    pub base_url: String,
}

impl Request {
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// Last value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// An array parameter, accepted both comma-separated and repeated.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn caller(&self) -> Result<&str, ApiError> {
        self.caller.as_deref().ok_or_else(|| ApiError::new(401, "Unauthorized"))
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A numeric id from a path segment; anything else is a 404 like Confluence answers.
    pub fn id(segment: &str) -> Result<u64, ApiError> {
        segment.parse().map_err(|_| ApiError::not_found())
    }

    /// `limit` within `1..=max`, else 400.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.param("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(format!("limit must be between 1 and {max}, got {v}"))),
            },
        }
    }
}
