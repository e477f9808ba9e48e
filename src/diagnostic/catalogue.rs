//! Every diagnostic code confcopy can emit, with its default severity.
//!
//! Codes are stable: scripts and `[checks]` overrides refer to them. Each one is documented in
//! `docs/diagnostics.md` (a test fails when one is missing).

use super::Severity;

macro_rules! catalogue {
    ($( $variant:ident = $code:literal, $severity:ident, $excludable:literal, $title:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        /// Every code, in documentation order.
        pub const CATALOGUE: &[CodeInfo] = &[
            $( CodeInfo {
                code: Code::$variant,
                name: $code,
                severity: Severity::$severity,
                excludable: $excludable,
                title: $title,
            }, )*
        ];

        impl Code {
            pub fn info(self) -> &'static CodeInfo {
                &CATALOGUE[self as usize]
            }
        }
    };
}

/// What the catalogue knows of a code.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: Code,
    /// The kebab-case name users see.
    pub name: &'static str,
    pub severity: Severity,
    /// An error that a plan may downgrade to a warning in `[checks]`, with a reason.
    pub excludable: bool,
    pub title: &'static str,
}

catalogue! {
    // Reading the plan file.
    PlanUnreadable = "plan-unreadable", Error, false, "the plan file cannot be read";
    PlanNotText = "plan-not-text", Error, false, "the plan file is not UTF-8 text";
    PlanTooLarge = "plan-too-large", Error, false, "the plan file is larger than a plan can be";
    PlanSyntax = "plan-syntax", Error, false, "the plan file is not valid TOML";
    // The shape of the plan.
    PlanUnknownKey = "plan-unknown-key", Error, false, "a key the plan format does not have";
    PlanWrongType = "plan-wrong-type", Error, false, "a value of the wrong type";
    PlanInvalidValue = "plan-invalid-value", Error, false, "a value outside the allowed choices";
    PlanMissingKey = "plan-missing-key", Error, false, "a required key is missing";
    // The meaning of the plan.
    PlanNameInvalid = "plan-name-invalid", Error, false, "the plan name cannot name a plan";
    PlanSiteInvalid = "plan-site-invalid", Error, false, "a site is not a Confluence Cloud site address";
    PlanSiteInsecure = "plan-site-insecure", Error, false, "a site address is not https";
    PlanSameSite = "plan-same-site", Error, false, "source and destination are the same site";
    PlanNoSpaces = "plan-no-spaces", Error, false, "the plan selects no space";
    PlanSpaceKeyInvalid = "plan-space-key-invalid", Error, false, "a space key that Confluence cannot have";
    PlanSpaceDuplicate = "plan-space-duplicate", Error, false, "a space is selected twice";
    PlanRenameUnselected = "plan-rename-unselected", Error, false, "a rename names a space the plan does not select";
    PlanRenameCollision = "plan-rename-collision", Error, false, "two spaces would get the same destination key";
    PlanRenameUnchanged = "plan-rename-unchanged", Warning, false, "a rename that keeps the key";
    PlanGroupMembersIgnored = "plan-group-members-ignored", Warning, false, "include_group_members has no effect";
    PlanSecret = "plan-secret", Error, false, "the plan holds something that looks like a secret";
    PlanCheckUnknown = "plan-check-unknown", Error, false, "an override names a check that does not exist";
    PlanCheckNotExcludable = "plan-check-not-excludable", Error, false, "an override names a check that cannot be downgraded";
    PlanCheckReasonMissing = "plan-check-reason-missing", Error, false, "an override gives no reason";
    PlanConcurrencyRange = "plan-concurrency-range", Error, false, "run.concurrency is out of range";
    PlanStateConflict = "plan-state-conflict", Error, false, "the plan changed in a way its earlier runs cannot continue";
    // Checks against the sites (dry-run).
    AccessCredentialsMissing = "access-credentials-missing", Error, false, "no credentials for a site";
    AccessCredentialsInvalid = "access-credentials-invalid", Error, false, "a site rejects the credentials";
    AccessNotProductAdmin = "access-not-product-admin", Error, false, "the credentials are not a Confluence admin's";
    AccessNotOrgAdmin = "access-not-org-admin", Error, false, "the credentials are not an organization admin's";
    SiteUnreachable = "site-unreachable", Error, false, "a site cannot be reached or answers nonsense";
    SourceNoConfluence = "source-no-confluence", Error, false, "Confluence is not on the source";
    DestinationNoConfluence = "destination-no-confluence", Error, false, "Confluence is not on the destination";
    SpaceNotFound = "space-not-found", Error, false, "a selected space is not on the source";
    SpaceKeyConflict = "space-key-conflict", Error, false, "the destination key is taken, now or historically";
    AppsMissing = "apps-missing", Error, true, "apps on the source are missing on the destination";
    GroupNameConflict = "group-name-conflict", Warning, false, "groups will be merged into same-name groups";
    SpacePublicAccess = "space-public-access", Warning, false, "a selected space is open to anonymous users";
    FreePlanUserLimit = "free-plan-user-limit", Error, false, "the Free plan's user limit would be exceeded";
    UserEmailMissing = "user-email-missing", Warning, false, "users without a usable email";
    UserEmailShared = "user-email-shared", Warning, false, "users sharing one email";
    ContentUnreadable = "content-unreadable", Warning, false, "content the credentials cannot read";
    PeopleNotOnDestination = "people-not-on-destination", Warning, false, "with users.scope = \"none\", permissions, restrictions or mentions name groups or accounts the destination lacks";
    // Verification (`confcopy verify`): each is one kind of difference between source and destination.
    VerifySpaceMissing = "verify-space-missing", Error, false, "a copied space is not on the destination";
    VerifySpaceDiffers = "verify-space-differs", Error, false, "a copied space's name differs";
    VerifyContentMissing = "verify-content-missing", Error, false, "a page, folder or blog post is not on the destination";
    VerifyContentExtra = "verify-content-extra", Error, false, "the destination holds a page, folder or blog post the source does not";
    VerifyTreeDiffers = "verify-tree-differs", Error, false, "a page sits under another parent or in another sibling order";
    VerifyStatusDiffers = "verify-status-differs", Error, false, "current or archived differs";
    VerifyDateDiffers = "verify-date-differs", Error, false, "a blog post's date differs";
    VerifyBodyDiffers = "verify-body-differs", Error, false, "a body differs after the expected rewrites";
    VerifyMarkersDiffer = "verify-markers-differ", Error, false, "inline comment markers sit elsewhere in a body";
    VerifyLabelMissing = "verify-label-missing", Error, false, "a label is missing on the destination";
    VerifyLabelExtra = "verify-label-extra", Error, false, "the destination has a label the source does not";
    VerifyRestrictionDiffers = "verify-restriction-differs", Error, false, "read or update restrictions differ";
    VerifyAttachmentMissing = "verify-attachment-missing", Error, false, "an attachment is missing on the destination";
    VerifyAttachmentExtra = "verify-attachment-extra", Error, false, "the destination has an attachment the source does not";
    VerifyAttachmentDiffers = "verify-attachment-differs", Error, false, "an attachment's size or bytes differ";
    VerifyCommentMissing = "verify-comment-missing", Error, false, "a comment or reply is missing on the destination";
    VerifyCommentExtra = "verify-comment-extra", Error, false, "the destination has a comment the source does not";
    VerifyCommentDiffers = "verify-comment-differs", Error, false, "an inline comment's resolution differs";
    VerifyPermissionMissing = "verify-permission-missing", Error, false, "a space permission is missing on the destination";
    VerifyPermissionExtra = "verify-permission-extra", Error, false, "the destination grants a space permission the source does not";
    VerifyMembershipMissing = "verify-membership-missing", Error, false, "a user is not in the same-name group on the destination";
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// The code with this kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        CATALOGUE.iter().find(|info| info.name == name).map(|info| info.code)
    }

    /// Codes of checks against the sites (the ones a `[checks]` table may name).
    pub fn is_site_check(self) -> bool {
        !self.as_str().starts_with("plan-") && !self.as_str().starts_with("verify-")
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_indexed_by_code_and_names_are_kebab_case() {
        for (index, info) in CATALOGUE.iter().enumerate() {
            assert_eq!(info.code as usize, index);
            assert_eq!(Code::from_name(info.name), Some(info.code));
            assert!(info.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", info.name);
            assert!(!info.excludable || info.severity == Severity::Error);
        }
    }
}
