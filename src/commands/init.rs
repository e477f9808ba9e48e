//! `confcopy init`: writes a starter plan for a source site's spaces — the keys from `--spaces`, or
//! asked of the source site — with the `#:schema` line and a comment on every setting. The plan it
//! writes passes `confcopy check --offline`; it is checked before it is written.

use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;

use crate::exit::Exit;
use crate::plan::{SiteRef, space_key};
use crate::settings::Settings;

use super::CommandError;

/// Write a starter plan for a source site's spaces.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The site to copy from: https://SITE.atlassian.net, or sandbox:NAME.
    #[arg(long, value_name = "SITE")]
    pub source: String,
    /// The site to copy to: https://SITE.atlassian.net, or sandbox:NAME.
    #[arg(long, value_name = "SITE")]
    pub destination: String,
    /// Space keys to copy, comma-separated; without it the source site is asked for its spaces
    /// (with the source credentials of the environment or settings file).
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub spaces: Vec<String>,
    /// The plan's name [default: SOURCE-to-DESTINATION, from the sites' names].
    #[arg(long)]
    pub name: Option<String>,
    /// Where to write the plan [default: NAME.toml in the current folder].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// What the `#:schema` line names [default: schemas/plan.schema.json of the current folder
    /// when it exists, else plan.schema.json written next to the plan].
    #[arg(long, value_name = "PATH-OR-URL")]
    pub schema: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `confcopy init`.
pub fn run(args: InitArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let name = args.name.clone().unwrap_or_else(|| default_name(&args.source, &args.destination));
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("{name}.toml")));
    if out.exists() && !args.force {
        return Err(CommandError::PlanExists(out));
    }
    let (keys, left_out) = if args.spaces.is_empty() {
        let source = site_ref(&args.source)?;
        ask_for_spaces(&source, settings)?
    } else {
        (args.spaces.iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect(), Vec::new())
    };
    if keys.is_empty() {
        return Err(CommandError::NoSpaces { site: args.source });
    }
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (schema, write_schema) = match &args.schema {
        Some(schema) => (schema.clone(), false),
        None => schema_reference(folder),
    };
    let text = plan_text(&name, &args.source, &args.destination, &keys, &left_out, &schema);
    // The plan is checked as `check --offline` would before anything is written.
    let loaded = crate::plan::load_text(&out.display().to_string(), text.clone());
    if loaded.plan.is_none() || loaded.diagnostics.iter().any(crate::diagnostic::Diagnostic::is_error) {
        let report =
            crate::diagnostic::render::FileReport { file: loaded.file, diagnostics: loaded.diagnostics };
        eprint!("{}", crate::diagnostic::render::human(std::slice::from_ref(&report), false));
        return Err(CommandError::InvalidStarterPlan);
    }
    if write_schema {
        let path = folder.join("plan.schema.json");
        if !path.exists() {
            std::fs::write(&path, crate::plan::schema::schema_text())
                .map_err(|source| CommandError::Write { path: path.clone(), source })?;
            println!("wrote {} (the plan format's JSON Schema, for editors)", path.display());
        }
    }
    std::fs::write(&out, text).map_err(|source| CommandError::Write { path: out.clone(), source })?;
    println!("wrote {} with {} space(s): {}", out.display(), keys.len(), keys.join(", "));
    println!("next: confcopy check {}   (reads both sites, writes nothing)", out.display());
    Ok(Exit::Success)
}

/// A site as the plan would name it, to ask it for its spaces.
fn site_ref(text: &str) -> Result<SiteRef, CommandError> {
    if let Some(name) = text.strip_prefix("sandbox:") {
        return Ok(SiteRef::Sandbox(name.to_ascii_lowercase()));
    }
    url::Url::parse(text)
        .map(SiteRef::Url)
        .map_err(|error| CommandError::NotASite { text: text.to_string(), error })
}

/// The source's space keys a plan can name, sorted, and the spaces left out with why.
fn ask_for_spaces(source: &SiteRef, settings: &Settings) -> Result<(Vec<String>, Vec<String>), CommandError> {
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let (site, sandbox) = crate::site::connect_one(source, &settings.source, settings).await?;
        let listed = match &site.client {
            Some(client) => client
                .spaces(&crate::client::SpaceFilter::default())
                .try_collect::<Vec<_>>()
                .await
                .map_err(|error| CommandError::ListSpaces { site: source.clone(), error }),
            None => Err(CommandError::NoCredentials { site: source.clone() }),
        };
        if let Some(sandbox) = sandbox {
            let _ = sandbox.shutdown().await;
        }
        let mut keys = Vec::new();
        let mut left_out = Vec::new();
        for space in listed? {
            if space_key::is_personal(&space.key) {
                left_out.push(format!("{} (personal)", space.key));
            } else if space.status.as_deref() == Some("archived") {
                left_out.push(format!("{} (archived)", space.key));
            } else if space_key::problem(&space.key).is_none() {
                keys.push(space.key);
            } else {
                left_out.push(format!("{} (not a key a plan can name)", space.key));
            }
        }
        keys.sort();
        left_out.sort();
        Ok((keys, left_out))
    })
}

/// `schemas/plan.schema.json` of the current folder, as seen from the plan's folder, when it
/// exists; else `plan.schema.json` next to the plan (to be written).
fn schema_reference(plan_folder: &Path) -> (String, bool) {
    let repository = Path::new("schemas").join("plan.schema.json");
    if repository.is_file() {
        let depth = plan_folder.components().filter(|c| matches!(c, std::path::Component::Normal(_))).count();
        let plan_is_relative = plan_folder.is_relative()
            && plan_folder
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
        if plan_is_relative {
            let up = "../".repeat(depth);
            return (format!("{up}schemas/plan.schema.json"), false);
        }
        if let Ok(absolute) = std::path::absolute(&repository) {
            return (absolute.display().to_string(), false);
        }
    }
    ("plan.schema.json".into(), true)
}

/// A plan name from the sites' names: `acme-to-acme-eu`; `copy` for sites on loopback (a served
/// sandbox), whose addresses make no name.
fn default_name(source: &str, destination: &str) -> String {
    let loopback = |site: &str| ["://127.", "://localhost", "://[::1]"].iter().any(|l| site.contains(l));
    if loopback(source) || loopback(destination) {
        return "copy".into();
    }
    let short = |site: &str| {
        let site = site.strip_prefix("sandbox:").unwrap_or(site);
        let host = site.split("://").nth(1).unwrap_or(site);
        let host = host.trim_end_matches('/');
        let host = host.strip_suffix(".atlassian.net").unwrap_or(host);
        host.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect::<String>()
    };
    format!("{}-to-{}", short(source), short(destination))
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn plan_text(
    name: &str,
    source: &str,
    destination: &str,
    keys: &[String],
    left_out: &[String],
    schema: &str,
) -> String {
    let keys_text = keys.iter().map(|k| quoted(k)).collect::<Vec<_>>().join(", ");
    let mut text = format!(
        "#:schema {schema}\n\
         # A starter plan written by `confcopy init`. Review it, then:\n\
         #   confcopy check THIS-FILE    reads both sites, runs every pre-copy check, writes nothing\n\
         #   confcopy apply THIS-FILE    copies, and writes reports\n\
         # Credentials never go here: they come from CONFCOPY_SOURCE_* / CONFCOPY_DESTINATION_* or a\n\
         # private settings file (see the README).\n\
         \n\
         name = {name}   # unique per state directory: letters, digits, '-', '_' and '.'\n\
         description = {description}\n\
         source = {source}\n\
         destination = {destination}\n\
         \n\
         [spaces]\n\
         keys = [{keys_text}]   # source space keys; keep the ones to copy\n\
         # rename = {{ KEY = \"NEWKEY\" }}   # a destination key for a source key\n",
        name = quoted(name),
        description = quoted(&format!("Copy {} space(s) from {source} to {destination}", keys.len())),
        source = quoted(source),
        destination = quoted(destination),
    );
    if !left_out.is_empty() {
        text.push_str(&format!("# left out by init: {}\n", left_out.join(", ")));
    }
    text.push_str(
        "\n\
         [users]\n\
         # \"related\": users the spaces mention, author, permit…; \"all\": every user of the source;\n\
         # \"none\": spaces and content only, for a site admin without an organization API key.\n\
         scope = \"related\"\n\
         include_group_members = false   # with \"related\": also the other members of their groups\n\
         memberships = \"separately\"       # or \"with-groups\" (users get access, count on the licence)\n\
         \n\
         [content]\n\
         archived = true     # copy archived pages and blog posts\n\
         history = \"latest\"  # or \"all\" page versions\n\
         \n\
         # [checks]   # downgrade an excludable error to a warning, with a reason:\n\
         # apps-missing = { severity = \"warning\", reason = \"the app is installed next week\" }\n\
         \n\
         [run]\n\
         concurrency = 8     # requests in flight per site\n",
    );
    text
}
