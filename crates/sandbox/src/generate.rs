//! Deterministic large-site generator: the same parameters always give the same site.
//!
//! Bodies and attachment bytes are not stored: they render on demand from their parameters,
//! so a generated 100,000-page site stays small in memory and in seed files.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::model::permission::ANONYMOUS_ROLE;
use super::model::*;

/// Parameters of a generated site, as written in a seed's `[sites.generate]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    pub spaces: u32,
    /// Total pages over all spaces.
    pub pages: u32,
    pub users: u32,
    pub seed: u64,
}

/// SplitMix64 over a combination of inputs.
pub fn mix(parts: &[u64]) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        x ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(x << 6);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    x
}

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kenji", "Lucia",
    "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rafael", "Sofia", "Tomas", "Uma", "Viktor", "Wen", "Yara",
    "Zoltan",
];
const LAST: &[&str] = &[
    "Adeyemi",
    "Berg",
    "Castro",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Yilmaz",
];
const ADJ: &[&str] = &[
    "Quarterly",
    "Annual",
    "Internal",
    "Customer",
    "Release",
    "Regional",
    "Shared",
    "Legacy",
    "Draft",
    "Approved",
    "Global",
    "Team",
    "Weekly",
    "Security",
    "Onboarding",
    "Product",
];
const NOUN: &[&str] = &[
    "Roadmap",
    "Review",
    "Checklist",
    "Runbook",
    "Guidelines",
    "Notes",
    "Report",
    "Plan",
    "FAQ",
    "Overview",
    "Process",
    "Architecture",
    "Retrospective",
    "Budget",
    "Playbook",
    "Requirements",
];
const WORDS: &[&str] = &[
    "the",
    "team",
    "will",
    "review",
    "each",
    "release",
    "before",
    "launch",
    "customer",
    "data",
    "must",
    "be",
    "kept",
    "secure",
    "and",
    "documented",
    "in",
    "this",
    "space",
    "we",
    "track",
    "progress",
    "weekly",
    "with",
    "clear",
    "owners",
    "for",
    "every",
    "task",
    "risk",
    "budget",
    "timeline",
    "approval",
    "process",
    "metrics",
    "goals",
    "feedback",
    "quality",
    "support",
];
const SPACE_WORDS: &[&str] = &[
    "Finance",
    "Sales",
    "Support",
    "Platform",
    "Design",
    "Legal",
    "Research",
    "Operations",
    "Mobile",
    "Data",
    "Security",
    "Partners",
    "Growth",
    "Infrastructure",
    "Quality",
    "Training",
];

fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list[(h % list.len() as u64) as usize]
}

pub fn user_handle(i: u32) -> String {
    format!("gen-user-{i}")
}

pub fn user_account_id(seed: u64, i: u32) -> String {
    format!("{:016x}{:08x}", mix(&[seed, 1, i as u64]), i)
}

pub fn space_key(i: u32) -> String {
    format!("GEN{i}")
}

pub fn page_title(seed: u64, space: u32, page: u32) -> String {
    if page == 0 {
        return format!("{} Home", space_name(seed, space));
    }
    let h = mix(&[seed, 2, space as u64, page as u64]);
    format!("{} {} {page}", pick(ADJ, h), pick(NOUN, h >> 16))
}

fn space_name(seed: u64, space: u32) -> String {
    format!("{} {space}", pick(SPACE_WORDS, mix(&[seed, 3, space as u64])))
}

/// Whether a generated page carries attachments, and how many.
pub fn attachment_count(seed: u64, space: u32, page: u32) -> u32 {
    let h = mix(&[seed, 4, space as u64, page as u64]);
    // About one attachment in ten pages (2,000 for 20,000 pages), as the benchmark describes.
    match (h % 20, (h >> 20) % 2) {
        (0, _) => 1,
        (1, 0) => 2,
        _ => 0,
    }
}

fn attachment_name(n: u32) -> String {
    match n {
        0 => "diagram.png".into(),
        _ => "report.pdf".into(),
    }
}

fn pages_in_space(spec: &GenerateSpec, space: u32) -> u32 {
    let base = spec.pages / spec.spaces.max(1);
    base + u32::from(space < spec.pages % spec.spaces.max(1))
}

/// Adds the generated users, groups and spaces to `site`.
pub fn expand(spec: &GenerateSpec, world: &mut World, site: &mut Site) {
    let seed = spec.seed;
    let admin = site.site_admins.iter().next().cloned().unwrap_or_default();
    let mut members = BTreeSet::new();
    for i in 0..spec.users {
        let h = mix(&[seed, 5, i as u64]);
        let id = user_account_id(seed, i);
        let status = match h % 100 {
            0..=2 => AccountStatus::Inactive,
            3..=4 => AccountStatus::Closed,
            _ => AccountStatus::Active,
        };
        let first = pick(FIRST, h >> 8);
        let last = pick(LAST, h >> 20);
        world.accounts.entry(id.clone()).or_insert(Account {
            account_id: id.clone(),
            display_name: format!("{first} {last}"),
            email: (h % 97 != 5).then(|| format!("{}.{}{i}@example.test", first, last).to_lowercase()),
            status,
            api_tokens: Vec::new(),
        });
        members.insert(id);
    }
    let team_count = (spec.users / 8).max(1);
    let ids: Vec<String> = members.iter().cloned().collect();
    let mut teams = Vec::new();
    for t in 0..team_count {
        let name = format!("team-{t}");
        let group_members = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| (*i as u32) % team_count == t)
            .map(|(_, id)| id.clone())
            .collect();
        let id = super::seed::group_id_for(&site.name, &name);
        teams.push(id.clone());
        site.groups.push(Group { id, name, members: group_members, grants_access: false });
    }
    match site.groups.iter_mut().find(|g| g.name == "confluence-users") {
        Some(g) => g.members.extend(members),
        None => site.groups.push(Group {
            id: super::seed::group_id_for(&site.name, "confluence-users"),
            name: "confluence-users".into(),
            members,
            grants_access: true,
        }),
    }
    let users_group =
        site.groups.iter().find(|g| g.name == "confluence-users").map(|g| g.id.clone()).unwrap_or_default();
    let user_of = |h: u64| -> String {
        if spec.users == 0 { admin.clone() } else { user_account_id(seed, (h % spec.users as u64) as u32) }
    };
    for s in 0..spec.spaces {
        let space_id = site.alloc_id();
        let n = pages_in_space(spec, s);
        let mut permissions = Vec::new();
        let mut grant = |site: &mut Site, kind, id: &str, op: &str, target: &str| {
            permissions.push(SpacePermission {
                id: site.alloc_id(),
                principal: Principal { kind, id: id.to_string() },
                operation: op.into(),
                target: target.into(),
            });
        };
        grant(site, PrincipalType::Group, &users_group, "read", "space");
        let team = &teams[(s % team_count) as usize];
        for op in ["read:space", "create:page", "create:blogpost", "create:comment", "create:attachment"] {
            let (o, t) = op.split_once(':').expect("op:target");
            grant(site, PrincipalType::Group, team, o, t);
        }
        if mix(&[seed, 6, s as u64]).is_multiple_of(5) {
            grant(site, PrincipalType::Role, ANONYMOUS_ROLE, "read", "space");
        }
        let mut positions: Vec<i64> = vec![0; n as usize];
        let mut root_pos = 0;
        let mut page_ids = Vec::with_capacity(n as usize);
        let mut is_blog = Vec::with_capacity(n as usize);
        for p in 0..n {
            let id = site.alloc_id();
            page_ids.push(id);
            let h = mix(&[seed, 7, s as u64, p as u64]);
            let blog = p > 0 && h % 50 == 7;
            is_blog.push(blog);
            let parent = if p == 0 || blog {
                None
            } else if h % 10 < 3 {
                Some(p - 1)
            } else if h % 10 < 6 {
                Some(0)
            } else {
                Some(((h >> 8) % p as u64) as u32)
            };
            // Blog posts have no children: a page drawn under one goes under the homepage.
            let parent = parent.map(|q| if is_blog[q as usize] { 0 } else { q });
            let position = match parent {
                Some(q) => {
                    positions[q as usize] += 1;
                    positions[q as usize]
                }
                None => {
                    root_pos += 1;
                    root_pos
                }
            };
            let author = user_of(h >> 12);
            let day = 1 + (h >> 24) % 1500;
            let created_at = jiff::Timestamp::from_second(1_577_836_800 + day as i64 * 86_400)
                .map(|t| t.to_string())
                .unwrap_or_default();
            let versions_n = 1 + (h >> 32) % 3;
            let versions = (1..=versions_n as u32)
                .map(|v| Version {
                    number: v,
                    created_at: created_at.clone(),
                    author_id: if v == 1 { author.clone() } else { user_of(h >> (v * 3)) },
                    message: String::new(),
                    minor_edit: false,
                    body: Body::Generated {
                        seed,
                        space: s,
                        page: p,
                        spaces: spec.spaces,
                        pages_per_space: n,
                        users: spec.users,
                    },
                })
                .collect();
            let labels = if h.is_multiple_of(7) {
                vec![Label {
                    id: site.alloc_id(),
                    prefix: "global".into(),
                    name: pick(NOUN, h >> 40).to_lowercase(),
                }]
            } else {
                Vec::new()
            };
            let mut restrictions = Restrictions::default();
            if h % 97 == 3 {
                restrictions.read.groups.push(team.clone());
            }
            site.contents.insert(
                id,
                Content {
                    id,
                    kind: if blog { ContentKind::BlogPost } else { ContentKind::Page },
                    space_id,
                    title: page_title(seed, s, p),
                    status: if h % 211 == 1 { ContentStatus::Archived } else { ContentStatus::Current },
                    // Ids are shared with labels, attachments and comments: the parent's is looked up.
                    parent_id: if blog { None } else { parent.map(|q| page_ids[q as usize]) },
                    position,
                    owner_id: author.clone(),
                    author_id: author,
                    created_at: created_at.clone(),
                    versions,
                    labels,
                    restrictions,
                    likes: Vec::new(),
                    properties: Vec::new(),
                },
            );
            for a in 0..attachment_count(seed, s, p) {
                let att = site.alloc_id();
                let ah = mix(&[seed, 8, att]);
                let size = match ah % 20 {
                    0 => 1_000_000 + ah % 4_000_000,
                    1..=5 => 100_000 + ah % 900_000,
                    _ => 1_000 + ah % 99_000,
                };
                let title = attachment_name(a);
                site.attachments.insert(
                    att,
                    Attachment {
                        id: att,
                        container_id: id,
                        media_type: if a == 0 { "image/png" } else { "application/pdf" }.into(),
                        file_id: format!("{:032x}", mix(&[seed, 9, att]) as u128),
                        status: ContentStatus::Current,
                        created_at: created_at.clone(),
                        versions: vec![AttachmentVersion {
                            number: 1,
                            created_at: created_at.clone(),
                            author_id: user_of(ah),
                            comment: String::new(),
                            minor_edit: false,
                            data: BlobData::Generated { seed: ah, size },
                        }],
                        labels: Vec::new(),
                        properties: Vec::new(),
                        title,
                    },
                );
            }
            if h % 4 == 1 {
                let c = site.alloc_id();
                let body = format!(
                    "<p>Looks good, <ac:link><ri:user ri:account-id=\"{}\"/></ac:link>.</p>",
                    user_of(h >> 5)
                );
                site.comments.insert(c, generated_comment(c, id, None, &created_at, user_of(h >> 9), body));
                if h % 8 == 1 {
                    let r = site.alloc_id();
                    site.comments.insert(
                        r,
                        generated_comment(
                            r,
                            id,
                            Some(c),
                            &created_at,
                            author_of(&site.contents[&id]),
                            "<p>Thanks!</p>".into(),
                        ),
                    );
                }
            }
        }
        site.spaces.insert(
            space_id,
            Space {
                id: space_id,
                key: space_key(s),
                name: space_name(seed, s),
                description: format!("Generated space {s}."),
                kind: SpaceType::Global,
                status: SpaceStatus::Current,
                author_id: admin.clone(),
                created_at: "2020-01-01T00:00:00Z".into(),
                homepage_id: page_ids.first().copied(),
                labels: Vec::new(),
                permissions,
                historical_keys: Vec::new(),
                properties: Vec::new(),
            },
        );
    }
}

fn author_of(c: &Content) -> String {
    c.author_id.clone()
}

fn generated_comment(
    id: u64,
    container: u64,
    parent: Option<u64>,
    at: &str,
    author: String,
    body: String,
) -> Comment {
    Comment {
        id,
        kind: CommentKind::Footer,
        container_id: container,
        parent_comment_id: parent,
        status: ContentStatus::Current,
        created_at: at.to_string(),
        versions: vec![Version {
            number: 1,
            created_at: at.to_string(),
            author_id: author,
            message: String::new(),
            minor_edit: false,
            body: Body::text(body),
        }],
        inline_marker_ref: None,
        inline_original_selection: None,
        resolution_status: None,
        properties: Vec::new(),
    }
}

/// Renders the storage-format body of a generated page (2–20 KB, skewed towards small).
pub fn render_body(
    seed: u64,
    space: u32,
    page: u32,
    spaces: u32,
    pages_per_space: u32,
    users: u32,
) -> String {
    let h = mix(&[seed, 10, space as u64, page as u64]);
    let target = match h % 10 {
        0..=5 => 2_000 + (h >> 8) % 3_000,
        6..=8 => 5_000 + (h >> 8) % 5_000,
        _ => 10_000 + (h >> 8) % 10_000,
    } as usize;
    let mut out = String::with_capacity(target + 1_000);
    let mut r = h;
    let mut next = || {
        r = mix(&[r]);
        r
    };
    out.push_str("<ac:structured-macro ac:name=\"toc\" ac:schema-version=\"1\"/>");
    let mention = |x: u64| {
        if users == 0 {
            String::new()
        } else {
            format!(
                "<ac:link><ri:user ri:account-id=\"{}\"/></ac:link>",
                user_account_id(seed, (x % users as u64) as u32)
            )
        }
    };
    let mut section = 0;
    while out.len() < target {
        section += 1;
        let x = next();
        let _ = write!(out, "<h2>{} {section}</h2><p>", pick(NOUN, x));
        for w in 0..(40 + x % 60) {
            out.push_str(pick(WORDS, mix(&[x, w])));
            out.push(' ');
        }
        out.push_str(&mention(x >> 3));
        out.push_str("</p>");
        match x % 6 {
            0 => {
                out.push_str("<table><tbody><tr><th>Item</th><th>Owner</th><th>Status</th></tr>");
                for row in 0..(2 + x % 5) {
                    let _ = write!(
                        out,
                        "<tr><td>{} {row}</td><td>{}</td><td>{}</td></tr>",
                        pick(NOUN, x >> row),
                        mention(x >> (row + 7)),
                        pick(&["Open", "Done", "Blocked"], x >> (row + 2))
                    );
                }
                out.push_str("</tbody></table>");
            }
            1 => {
                out.push_str("<ac:task-list>");
                for t in 0..(1 + x % 4) {
                    let _ = write!(
                        out,
                        "<ac:task><ac:task-id>{}</ac:task-id><ac:task-status>{}</ac:task-status><ac:task-body>{} {}</ac:task-body></ac:task>",
                        section * 10 + t as u32,
                        if (x >> t) % 2 == 0 { "complete" } else { "incomplete" },
                        pick(WORDS, x >> (t + 4)),
                        mention(x >> (t + 9))
                    );
                }
                out.push_str("</ac:task-list>");
            }
            2 => {
                let _ = write!(
                    out,
                    "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter><ac:plain-text-body><![CDATA[echo step {section} && ./deploy --env prod]]></ac:plain-text-body></ac:structured-macro>"
                );
            }
            3 => {
                let _ = write!(
                    out,
                    "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:rich-text-body><p>See <ac:link><ri:page ri:content-title=\"{}\"/></ac:link>.</p></ac:rich-text-body></ac:structured-macro>",
                    page_title(seed, space, (x % pages_per_space.max(1) as u64) as u32)
                );
            }
            4 if spaces > 1 => {
                let other = ((x >> 5) % spaces as u64) as u32;
                let _ = write!(
                    out,
                    "<p>Related: <ac:link><ri:page ri:space-key=\"{}\" ri:content-title=\"{}\"/></ac:link> and <ac:link><ri:space ri:space-key=\"{}\"/></ac:link>.</p>",
                    space_key(other),
                    page_title(seed, other, ((x >> 9) % pages_per_space.max(1) as u64) as u32),
                    space_key(other)
                );
            }
            _ => {
                if attachment_count(seed, space, page) > 0 {
                    out.push_str(
                        "<ac:image ac:width=\"400\"><ri:attachment ri:filename=\"diagram.png\"/></ac:image>",
                    );
                } else {
                    let _ = write!(
                        out,
                        "<p><a href=\"https://generated.atlassian.net/wiki/spaces/{}/pages/{}\">old link</a></p>",
                        space_key(space),
                        x % 1_000_000
                    );
                }
            }
        }
    }
    out
}
