//! CSV cells that a spreadsheet would execute as a formula are neutralised with a leading quote.

/// `=1+1` → `'=1+1`; leading `+ - @`, tab and carriage return are neutralised too.
pub fn safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("+1"), "'+1");
        assert_eq!(safe("-2"), "'-2");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("\tx"), "'\tx");
        assert_eq!(safe("Alice"), "Alice");
        assert_eq!(safe(""), "");
    }
}
