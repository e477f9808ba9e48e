//! Account ids mentioned in a storage-format body (`<ri:user ri:account-id="..."/>`).
//!
//! A light scan for the inventory: it only needs who is mentioned, not to rewrite anything.

/// Every account id mentioned in `body`, in order of appearance (duplicates kept).
pub fn mentioned_accounts(body: &str) -> impl Iterator<Item = &str> {
    body.match_indices("<ri:user").filter_map(move |(start, _)| {
        let tag = &body[start..];
        let end = tag.find('>')?;
        attribute(&tag[..end], "ri:account-id")
    })
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(name)?;
    let rest = tag[at + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    value.find(quote).map(|end| &value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mentions_in_either_quote_style() {
        let body = r#"<p>Hi <ac:link><ri:user ri:account-id="abc-1" /></ac:link> and <ri:user ri:account-id='x:2'/></p><ri:user ri:userkey="old"/>"#;
        assert_eq!(mentioned_accounts(body).collect::<Vec<_>>(), ["abc-1", "x:2"]);
        assert_eq!(mentioned_accounts("<ri:user ri:account-id=").count(), 0);
    }
}
