//! The `Link` response header of v2 lists: `</wiki/api/v2/spaces?cursor=abc>; rel="next"`.

/// The target of the `rel="next"` link, if any. Tolerates several links separated by commas,
/// unquoted `rel=next`, several relation types in one `rel`, and any letter case.
pub fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params_start = &after[close + 1..];
        // The parameters run until the next link, which starts at a comma followed by `<`.
        let params_end = params_start.find('<').unwrap_or(params_start.len());
        let params = &params_start[..params_end];
        if params.split(';').any(is_rel_next) {
            return Some(target.trim().to_string());
        }
        rest = &params_start[params_end..];
    }
    None
}

fn is_rel_next(param: &str) -> bool {
    let Some((name, value)) = param.split_once('=') else {
        return false;
    };
    if !name.trim().eq_ignore_ascii_case("rel") {
        return false;
    }
    value
        .trim()
        .trim_end_matches(',')
        .trim_matches('"')
        .split_ascii_whitespace()
        .any(|rel| rel.eq_ignore_ascii_case("next"))
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn finds_next() {
        assert_eq!(
            next_link(r#"</wiki/api/v2/spaces?cursor=abc&limit=250>; rel="next""#).as_deref(),
            Some("/wiki/api/v2/spaces?cursor=abc&limit=250")
        );
    }

    #[test]
    fn finds_next_among_others() {
        let header = r#"<https://x/a?c=1>; rel="prev", <https://x/a?c=2>; rel="next""#;
        assert_eq!(next_link(header).as_deref(), Some("https://x/a?c=2"));
        assert_eq!(next_link("</a>; REL=next").as_deref(), Some("/a"));
        assert_eq!(next_link(r#"</a>; title="x"; rel="last next""#).as_deref(), Some("/a"));
    }

    #[test]
    fn none_without_next() {
        assert_eq!(next_link(r#"</a>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("garbage <unterminated"), None);
        assert_eq!(next_link("</a>; relation=next"), None);
    }
}
