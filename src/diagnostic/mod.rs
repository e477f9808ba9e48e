//! Diagnostics: findings with a stable code, a severity, a span into a plan file and help.
