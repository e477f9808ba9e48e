//! `access-*`, `source-no-confluence` and `destination-no-confluence`: can confcopy act on both
//! sites as an admin?

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::{Access, Inventory, OrgAdmin, SiteFacts};
use crate::plan::{At, Plan, SiteRef};

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let people = plan.users.scope.value != crate::plan::UserScope::None;
    site(&mut findings, "source", &plan.source, &inventory.source, people);
    site(&mut findings, "destination", &plan.destination, &inventory.destination, people);
    no_confluence(&mut findings, Code::SourceNoConfluence, &plan.source, &inventory.source, "source");
    no_confluence(
        &mut findings,
        Code::DestinationNoConfluence,
        &plan.destination,
        &inventory.destination,
        "destination",
    );
    findings
}

/// A site confcopy signed in to that has no Confluence: nothing can be read from it or copied to it.
fn no_confluence(
    findings: &mut Vec<Diagnostic>,
    code: Code,
    at: &At<SiteRef>,
    facts: &SiteFacts,
    role: &str,
) {
    if !facts.signed_in() || facts.confluence {
        return;
    }
    findings.push(
        Diagnostic::new(code, format!("{} has no Confluence", facts.label))
            .label(at.span.clone(), "Confluence is not on this site")
            .help(format!(
                "add Confluence to the {role} site in Atlassian Administration (or name the site that has it), then check again"
            )),
    );
}

fn env_prefix(role: &str) -> String {
    format!("CONFCOPY_{}", role.to_ascii_uppercase())
}

fn site(findings: &mut Vec<Diagnostic>, role: &str, at: &At<SiteRef>, facts: &SiteFacts, people: bool) {
    let span = at.span.clone();
    let prefix = env_prefix(role);
    match &facts.access {
        Access::Missing => {
            findings.push(
                Diagnostic::new(Code::AccessCredentialsMissing, format!("no credentials for the {role} site {}", facts.label))
                    .label(span, "confcopy cannot sign in here")
                    .help(format!(
                        "set {prefix}_EMAIL and {prefix}_TOKEN (an API token), or {prefix}_BEARER_TOKEN, in the environment or the settings file"
                    )),
            );
            return;
        }
        Access::Rejected { message } => {
            findings.push(
                Diagnostic::new(
                    Code::AccessCredentialsInvalid,
                    format!("the {role} site {} rejects the credentials: {message}", facts.label),
                )
                .label(span, "sign-in refused")
                .help(format!(
                    "check {prefix}_EMAIL and {prefix}_TOKEN; API tokens are managed at id.atlassian.com"
                )),
            );
            return;
        }
        Access::Granted { .. } => {}
    }
    let who = match &facts.access {
        Access::Granted { display_name, .. } => display_name.clone(),
        _ => String::new(),
    };
    if facts.product_admin == Some(false) {
        findings.push(
            Diagnostic::new(
                Code::AccessNotProductAdmin,
                format!("{who} is not a Confluence admin on the {role} site {}", facts.label),
            )
            .label(span.clone(), "product admin rights needed here")
            .help(
                "use the credentials of a Confluence admin of this site, or ask an admin to grant the rights",
            ),
        );
    }
    if !facts.usable() || !people {
        // The organization was not looked at: the findings above already block the copy, or
        // no user or group is copied (`users.scope = "none"`) and no organization key is needed.
        return;
    }
    match &facts.org_admin {
        OrgAdmin::Yes { .. } => {}
        OrgAdmin::No { org_id, message } => findings.push(
            Diagnostic::new(
                Code::AccessNotOrgAdmin,
                format!("the {role} site's organization ({org_id}) does not accept the organization API key: {message}"),
            )
            .label(span, "organization admin rights needed here")
            .help(format!("set {prefix}_ORG_API_KEY to an API key of an organization admin of {org_id}")),
        ),
        OrgAdmin::NoKey => findings.push(
            Diagnostic::new(
                Code::AccessNotOrgAdmin,
                format!("no organization API key for the {role} site {}: copying users and groups needs an organization admin", facts.label),
            )
            .label(span, "organization admin rights cannot be confirmed")
            .help(format!("set {prefix}_ORG_API_KEY to an API key created by an organization admin (admin.atlassian.com → Settings → API keys), or set users.scope = \"none\" to copy spaces and content only")),
        ),
    }
}
