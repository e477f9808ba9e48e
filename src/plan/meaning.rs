//! The meaning pass: a plan of the right shape checked for sense — site addresses, space keys,
//! renames, overrides, ranges — into a validated [`Plan`].

use std::net::IpAddr;
use std::ops::Range;

use url::Url;

use super::format::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};
use super::model::*;
use super::shape::Table;
use super::space_key;
use crate::diagnostic::{CATALOGUE, Code, Diagnostic};
use crate::suggest::closest;

/// Reads the checked tree into a plan; `None` when any error was found.
pub fn check(root: &Table) -> (Option<Plan>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let name = root.str("name").and_then(|n| plan_name(n, &mut problems));
    let description = root.str("description").map(|d| At::new(d.value.to_string(), d.span));
    let source = root.str("source").and_then(|s| site(s, "source", &mut problems));
    let destination = root.str("destination").and_then(|s| site(s, "destination", &mut problems));
    if let (Some(source), Some(destination)) = (&source, &destination)
        && source.value.identity() == destination.value.identity()
    {
        problems.push(
            Diagnostic::new(Code::PlanSameSite, "source and destination are the same site")
                .label(destination.span.clone(), "the destination…")
                .label(source.span.clone(), "…is the source")
                .help(
                    "copy into another site; to duplicate a space within one site, use Confluence's own copy",
                ),
        );
    }
    let spaces = root.table("spaces").and_then(|t| spaces(t, &mut problems));
    let users = users(root.table("users"), &mut problems);
    let content = content(root.table("content"));
    let checks = checks(root.table("checks"), &mut problems);
    let run = run(root.table("run"), &mut problems);

    let has_errors = problems.iter().any(Diagnostic::is_error);
    let plan = match (name, source, destination, spaces) {
        (Some(name), Some(source), Some(destination), Some((spaces, spaces_span))) if !has_errors => {
            Some(Plan {
                name,
                description,
                source,
                destination,
                spaces,
                spaces_span,
                users,
                content,
                checks,
                run,
            })
        }
        _ => None,
    };
    (plan, problems)
}

fn plan_name(name: At<&str>, problems: &mut Vec<Diagnostic>) -> Option<At<String>> {
    let text = name.value;
    let fine = !text.is_empty()
        && text.len() <= 64
        && !text.starts_with('.')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fine {
        return Some(At::new(text.to_string(), name.span));
    }
    problems.push(
        Diagnostic::new(Code::PlanNameInvalid, format!("\"{text}\" cannot name a plan"))
            .label(name.span, "names a plan's records in the state directory")
            .help("use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.', e.g. \"marketing-to-eu\""),
    );
    None
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

fn site(text: At<&str>, role: &str, problems: &mut Vec<Diagnostic>) -> Option<At<SiteRef>> {
    let span = text.span.clone();
    let invalid = |message: String, label: &str| {
        Diagnostic::new(Code::PlanSiteInvalid, message)
            .label(span.clone(), label.to_string())
            .help(format!(
                "write the {role} site's address, like \"https://acme.atlassian.net\", or \"sandbox:NAME\" for a sandbox site"
            ))
    };
    if let Some(name) = text.value.strip_prefix("sandbox:") {
        let fine = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !fine {
            problems.push(invalid(
                format!("\"{name}\" cannot name a sandbox site"),
                "sandbox names are letters, digits and '-'",
            ));
            return None;
        }
        return Some(At::new(SiteRef::Sandbox(name.to_ascii_lowercase()), span));
    }
    let url = match Url::parse(text.value) {
        Ok(url) => url,
        Err(error) => {
            problems.push(invalid(format!("the {role} is not a URL ({error})"), "not a site address"));
            return None;
        }
    };
    let Some(host) = url.host() else {
        problems.push(invalid(format!("the {role} has no host"), "no host"));
        return None;
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            problems.push(
                Diagnostic::new(
                    Code::PlanSiteInsecure,
                    format!("the {role} uses http, which would send credentials in clear"),
                )
                .label(span, "http is accepted only for loopback addresses")
                .help(format!("use https://{}", url.host_str().unwrap_or("SITE.atlassian.net"))),
            );
            return None;
        }
        other => {
            problems.push(invalid(format!("the {role} uses the scheme `{other}`"), "expected https"));
            return None;
        }
    }
    if url.password().is_some() {
        return None; // the secrets pass reports it, without repeating it
    }
    if !url.username().is_empty() {
        problems.push(invalid(
            format!("the {role} address holds a user name"),
            "user names come from the credentials",
        ));
        return None;
    }
    if !matches!(url.path(), "" | "/" | "/wiki" | "/wiki/")
        || url.query().is_some()
        || url.fragment().is_some()
    {
        problems.push(invalid(
            format!("the {role} address has more than the site's origin"),
            "remove the path, query or fragment",
        ));
        return None;
    }
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    Some(At::new(SiteRef::Url(origin), span))
}

type Spaces = (Vec<SpaceSelection>, Range<usize>);

fn spaces(table: &Table, problems: &mut Vec<Diagnostic>) -> Option<Spaces> {
    let keys = table.list("keys")?;
    if keys.value.is_empty() {
        problems.push(
            Diagnostic::new(Code::PlanNoSpaces, "the plan selects no space")
                .label(keys.span.clone(), "empty")
                .help("list the source keys of the spaces to copy, e.g. keys = [\"MKT\"]"),
        );
        return None;
    }
    let mut selected: Vec<&At<String>> = Vec::new();
    for key in keys.value {
        if let Some(reason) = space_key::problem(&key.value) {
            problems.push(
                Diagnostic::new(Code::PlanSpaceKeyInvalid, format!("\"{}\" is not a space key", key.value))
                    .label(key.span.clone(), reason)
                    .help("write the key shown in the space's URL: /wiki/spaces/KEY/..."),
            );
            continue;
        }
        if let Some(first) = selected.iter().find(|k| k.value.eq_ignore_ascii_case(&key.value)) {
            problems.push(
                Diagnostic::new(
                    Code::PlanSpaceDuplicate,
                    format!("the space \"{}\" is selected twice", key.value),
                )
                .label(key.span.clone(), "selected again here")
                .label(first.span.clone(), "first selected here")
                .help("remove one of them; space keys are compared without regard to case"),
            );
            continue;
        }
        selected.push(key);
    }
    let mut selections: Vec<SpaceSelection> = selected
        .iter()
        .map(|key| SpaceSelection {
            source_key: (*key).clone(),
            destination_key: (*key).clone(),
            renamed: false,
        })
        .collect();
    if let Some(rename) = table.table("rename") {
        for (from, to) in &rename.entries {
            let super::shape::Node::Str(to_key) = &to.value else {
                continue;
            };
            let Some(selection) =
                selections.iter_mut().find(|s| s.source_key.value.eq_ignore_ascii_case(&from.value))
            else {
                let mut d = Diagnostic::new(
                    Code::PlanRenameUnselected,
                    format!("`rename` names \"{}\", which the plan does not select", from.value),
                )
                .label(from.span.clone(), "not in `spaces.keys`");
                d = match closest(&from.value, selected.iter().map(|k| k.value.as_str())) {
                    Some(near) => d.help(format!("did you mean \"{near}\"? Otherwise add \"{}\" to `spaces.keys` or remove this rename", from.value)),
                    None => d.help(format!("add \"{}\" to `spaces.keys`, or remove this rename", from.value)),
                };
                problems.push(d);
                continue;
            };
            if space_key::is_personal(&selection.source_key.value) {
                problems.push(
                    Diagnostic::new(
                        Code::PlanSpaceKeyInvalid,
                        format!("the personal space \"{}\" cannot be renamed", from.value),
                    )
                    .label(from.span.clone(), "personal space keys follow their owner")
                    .help("remove this rename"),
                );
                continue;
            }
            if let Some(reason) = space_key::problem(to_key).or_else(|| {
                space_key::is_personal(to_key)
                    .then(|| "a copied space cannot become a personal space".to_string())
            }) {
                problems.push(
                    Diagnostic::new(Code::PlanSpaceKeyInvalid, format!("\"{to_key}\" is not a space key"))
                        .label(to.span.clone(), reason)
                        .help("use letters A-Z and digits only, e.g. \"MKTEU\""),
                );
                continue;
            }
            if to_key.eq_ignore_ascii_case(&from.value) {
                problems.push(
                    Diagnostic::new(
                        Code::PlanRenameUnchanged,
                        format!("renaming \"{}\" to \"{to_key}\" keeps its key", from.value),
                    )
                    .label(to.span.clone(), "same key")
                    .help("remove this rename, or give a different key"),
                );
            }
            selection.destination_key = At::new(to_key.clone(), to.span.clone());
            selection.renamed = true;
        }
    }
    for (i, later) in selections.iter().enumerate() {
        if let Some(earlier) = selections[..i]
            .iter()
            .find(|s| s.destination_key.value.eq_ignore_ascii_case(&later.destination_key.value))
        {
            problems.push(
                Diagnostic::new(
                    Code::PlanRenameCollision,
                    format!(
                        "\"{}\" and \"{}\" would both become \"{}\" on the destination",
                        earlier.source_key.value, later.source_key.value, later.destination_key.value
                    ),
                )
                .label(
                    later.destination_key.span.clone(),
                    format!("\"{}\" gets this key…", later.source_key.value),
                )
                .label(
                    earlier.destination_key.span.clone(),
                    format!("…which \"{}\" gets too", earlier.source_key.value),
                )
                .help("give each space its own destination key in `spaces.rename`"),
            );
        }
    }
    Some((selections, keys.span))
}

fn at_or<T>(value: Option<At<T>>, default: T, table: Option<&Table>) -> At<T> {
    value.unwrap_or_else(|| At::new(default, table.map_or(0..0, |t| t.span.clone())))
}

fn users(table: Option<&Table>, problems: &mut Vec<Diagnostic>) -> UsersPolicy {
    let scope = table.and_then(|t| t.str("scope")).map(|s| {
        let scope = match s.value {
            "all" => UserScope::All,
            "none" => UserScope::None,
            _ => UserScope::Related,
        };
        At::new(scope, s.span)
    });
    let scope = at_or(scope, UserScope::Related, table);
    let members = at_or(table.and_then(|t| t.bool("include_group_members")), false, table);
    if members.value && scope.value != UserScope::Related {
        let (name, why) = match scope.value {
            UserScope::None => ("none", "no user is copied"),
            _ => ("all", "every user is copied already"),
        };
        problems.push(
            Diagnostic::new(
                Code::PlanGroupMembersIgnored,
                format!("`include_group_members` has no effect with scope = \"{name}\""),
            )
            .label(members.span.clone(), "ignored")
            .label(scope.span.clone(), why)
            .help("remove `include_group_members`, or set scope = \"related\""),
        );
    }
    let memberships = table.and_then(|t| t.str("memberships")).map(|m| {
        At::new(
            if m.value == "with-groups" { Memberships::WithGroups } else { Memberships::Separately },
            m.span,
        )
    });
    let mut memberships = at_or(memberships, Memberships::Separately, table);
    if scope.value == UserScope::None {
        // No one is copied, so no one is added to a group (documented with the key).
        memberships.value = Memberships::Separately;
    }
    UsersPolicy { scope, include_group_members: members, memberships }
}

fn content(table: Option<&Table>) -> ContentPolicy {
    let history = table
        .and_then(|t| t.str("history"))
        .map(|h| At::new(if h.value == "all" { History::All } else { History::Latest }, h.span));
    ContentPolicy {
        archived: at_or(table.and_then(|t| t.bool("archived")), true, table),
        history: at_or(history, History::Latest, table),
    }
}

fn checks(table: Option<&Table>, problems: &mut Vec<Diagnostic>) -> Vec<CheckOverride> {
    let Some(table) = table else {
        return Vec::new();
    };
    let excludable: Vec<&str> = CATALOGUE.iter().filter(|c| c.excludable).map(|c| c.name).collect();
    let mut overrides = Vec::new();
    for (key, value) in &table.entries {
        let super::shape::Node::Table(entry) = &value.value else {
            continue;
        };
        let code = Code::from_name(&key.value).filter(|c| c.is_site_check());
        let Some(code) = code else {
            let checks = CATALOGUE.iter().filter(|c| c.code.is_site_check()).map(|c| c.name);
            let help = match closest(&key.value, checks) {
                Some(near) => {
                    format!("did you mean `{near}`? docs/diagnostics.md lists every check")
                }
                None => format!("the checks that can be downgraded are: {}", excludable.join(", ")),
            };
            problems.push(
                Diagnostic::new(Code::PlanCheckUnknown, format!("there is no check `{}`", key.value))
                    .label(key.span.clone(), "unknown check")
                    .help(help),
            );
            continue;
        };
        if !code.info().excludable {
            problems.push(
                Diagnostic::new(
                    Code::PlanCheckNotExcludable,
                    format!("`{}` cannot be downgraded", key.value),
                )
                .label(key.span.clone(), "its findings must be fixed, not excused")
                .help(format!(
                    "remove this override; the checks that can be downgraded are: {}",
                    excludable.join(", ")
                )),
            );
            continue;
        }
        let Some(reason) = entry.str("reason") else {
            continue;
        };
        if reason.value.trim().is_empty() {
            problems.push(
                Diagnostic::new(Code::PlanCheckReasonMissing, format!("the override of `{}` gives no reason", key.value))
                    .label(reason.span.clone(), "empty")
                    .help("say why the copy may go ahead despite this check, e.g. reason = \"the app is installed next week\""),
            );
            continue;
        }
        if entry.str("severity").is_some() {
            overrides.push(CheckOverride {
                code: At::new(code, key.span.clone()),
                reason: At::new(reason.value.trim().to_string(), reason.span),
            });
        }
    }
    overrides
}

fn run(table: Option<&Table>, problems: &mut Vec<Diagnostic>) -> RunSettings {
    let default = DEFAULT_CONCURRENCY;
    let concurrency = match table.and_then(|t| t.int("concurrency")) {
        Some(c) if (MIN_CONCURRENCY..=MAX_CONCURRENCY).contains(&c.value) => At::new(c.value as u32, c.span),
        Some(c) => {
            problems.push(
                Diagnostic::new(Code::PlanConcurrencyRange, format!("run.concurrency cannot be {}", c.value))
                    .label(c.span.clone(), format!("allowed: {MIN_CONCURRENCY} to {MAX_CONCURRENCY}"))
                    .help("8 suits most sites; raise it only if the sites' rate limits allow"),
            );
            At::new(default, c.span)
        }
        None => at_or(None, default, table),
    };
    RunSettings { concurrency }
}
