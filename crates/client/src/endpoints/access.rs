//! Who the caller is and what the site is: current user, admin key, installed apps.

use reqwest::Method;

use crate::error::ClientError;
use crate::model::admin_key::AdminKey;
use crate::model::app::{App, AppListing};
use crate::model::tenant::TenantInfo;
use crate::model::user::User;
use crate::site_client::{SiteClient, tenant_info};

impl SiteClient {
    /// The site's cloud id (`/_edge/tenant_info`); also tells whether the site answers at all.
    pub async fn tenant_info(&self) -> Result<TenantInfo, ClientError> {
        tenant_info(self.site(), self.transport().options()).await
    }

    /// The user the credentials belong to (v1 `/user/current`). 401 means bad credentials.
    pub async fn current_user(&self) -> Result<User, ClientError> {
        let t = self.transport();
        let request = t.request(Method::GET, "/wiki/rest/api/user/current", "read the current user")?;
        t.json(&request).await
    }

    /// Asks for an admin key (v2 `POST /admin-key`): only product admins get one, so 403/401
    /// means the caller is not a Confluence admin. Safe to repeat (it refreshes the same key).
    pub async fn enable_admin_key(&self) -> Result<AdminKey, ClientError> {
        let t = self.transport();
        let request = t
            .request(Method::POST, "/wiki/api/v2/admin-key", "get an admin key (product admin check)")?
            .json(&serde_json::json!({}))
            .safe_to_repeat();
        t.json(&request).await
    }

    /// The caller's current admin key (v2 `GET /admin-key`); `None` when there is none (404).
    pub async fn admin_key(&self) -> Result<Option<AdminKey>, ClientError> {
        let t = self.transport();
        let request = t.request(Method::GET, "/wiki/api/v2/admin-key", "read the admin key")?;
        match t.json(&request).await {
            Ok(key) => Ok(Some(key)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Apps installed on the site, from the Universal Plugin Manager.
    pub async fn apps(&self) -> Result<Vec<App>, ClientError> {
        let t = self.transport();
        let request = t.request(Method::GET, "/wiki/rest/plugins/1.0/", "list installed apps")?;
        let listing: AppListing = t.json(&request).await?;
        Ok(listing.plugins)
    }
}
