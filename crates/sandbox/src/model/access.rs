//! Who may see and change what on a site: product access, admin rights, space permissions,
//! page restrictions (inherited from ancestors), and the Free plan's user limit.

use super::permission::ANONYMOUS_ROLE;
use super::{Content, PrincipalType, Site, Space};

impl Site {
    /// Hands out the next numeric id.
    pub fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Ids of the groups the account belongs to.
    pub fn group_ids_of(&self, account_id: &str) -> Vec<&str> {
        self.groups.iter().filter(|g| g.members.contains(account_id)).map(|g| g.id.as_str()).collect()
    }

    /// Whether the account can use Confluence on this site.
    pub fn has_access(&self, account_id: &str) -> bool {
        self.access.contains(account_id)
            || self.groups.iter().any(|g| g.grants_access && g.members.contains(account_id))
            || self.product_admins.contains(account_id)
            || self.site_admins.contains(account_id)
    }

    /// Number of accounts with Confluence access (what the licence counts).
    pub fn access_count(&self) -> usize {
        let mut ids: std::collections::BTreeSet<&str> = self.access.iter().map(String::as_str).collect();
        for g in self.groups.iter().filter(|g| g.grants_access) {
            ids.extend(g.members.iter().map(String::as_str));
        }
        ids.extend(self.product_admins.iter().map(String::as_str));
        ids.extend(self.site_admins.iter().map(String::as_str));
        ids.len()
    }

    /// Checks the plan's user limit before `account_id` gains access.
    pub fn check_user_limit(&self, account_id: &str) -> Result<(), String> {
        if self.has_access(account_id) {
            return Ok(());
        }
        match self.plan.user_limit() {
            Some(limit) if self.access_count() >= limit => Err(format!(
                "This site is on the {} plan, which allows at most {limit} users with Confluence access",
                self.plan.as_str()
            )),
            _ => Ok(()),
        }
    }

    pub fn is_product_admin(&self, account_id: &str) -> bool {
        self.product_admins.contains(account_id) || self.site_admins.contains(account_id)
    }

    pub fn is_site_admin(&self, account_id: &str) -> bool {
        self.site_admins.contains(account_id)
    }

    /// Whether the space permissions grant `operation` on `target` to the caller
    /// (`None` = anonymous). Product admins may do everything at space level.
    pub fn space_allows(&self, space: &Space, caller: Option<&str>, operation: &str, target: &str) -> bool {
        if caller.is_some_and(|c| self.is_product_admin(c)) {
            return true;
        }
        let groups = caller.map(|c| self.group_ids_of(c)).unwrap_or_default();
        space.permissions.iter().any(|p| {
            p.operation == operation
                && p.target == target
                && match p.principal.kind {
                    PrincipalType::User => caller == Some(p.principal.id.as_str()),
                    PrincipalType::Group => groups.contains(&p.principal.id.as_str()),
                    PrincipalType::Role => p.principal.id == ANONYMOUS_ROLE,
                }
        })
    }

    pub fn can_read_space(&self, space: &Space, caller: Option<&str>) -> bool {
        self.space_allows(space, caller, "read", "space")
    }

    /// Read access to content: space read, and every read restriction on the content and its
    /// ancestors names the caller or one of its groups (restrictions bind admins too).
    pub fn can_read_content(&self, content: &Content, caller: Option<&str>) -> bool {
        let Some(space) = self.spaces.get(&content.space_id) else {
            return false;
        };
        if !self.can_read_space(space, caller) {
            return false;
        }
        self.restrictions_allow(content, caller, |c| &c.restrictions.read, true)
    }

    /// Update access: read access plus the content's own update restriction.
    pub fn can_update_content(&self, content: &Content, caller: Option<&str>) -> bool {
        self.can_read_content(content, caller)
            && self.restrictions_allow(content, caller, |c| &c.restrictions.update, false)
    }

    fn restrictions_allow(
        &self,
        content: &Content,
        caller: Option<&str>,
        pick: impl Fn(&Content) -> &super::Restriction,
        inherited: bool,
    ) -> bool {
        // The caller's groups, looked up only at the first restriction met (most content has none).
        let mut groups: Option<Vec<&str>> = None;
        let mut current = Some(content);
        let mut hops = 0;
        while let Some(c) = current {
            let r = pick(c);
            if !r.is_empty() {
                let groups =
                    groups.get_or_insert_with(|| caller.map(|c| self.group_ids_of(c)).unwrap_or_default());
                let named = caller.is_some_and(|id| r.users.iter().any(|u| u == id))
                    || r.groups.iter().any(|g| groups.contains(&g.as_str()));
                if !named {
                    return false;
                }
            }
            if !inherited {
                break;
            }
            hops += 1;
            current = c.parent_id.filter(|_| hops < 1000).and_then(|p| self.contents.get(&p));
        }
        true
    }

    /// Space by key, current or historical, compared case-insensitively.
    pub fn space_by_any_key(&self, key: &str) -> Option<&Space> {
        self.spaces.values().find(|s| {
            s.key.eq_ignore_ascii_case(key) || s.historical_keys.iter().any(|k| k.eq_ignore_ascii_case(key))
        })
    }

    /// Space by its current key (exact, as Confluence's URLs use it, but case-insensitive).
    pub fn space_by_key(&self, key: &str) -> Option<&Space> {
        self.spaces.values().find(|s| s.key.eq_ignore_ascii_case(key))
    }
}
