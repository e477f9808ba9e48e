//! Apps installed on a site, from the Universal Plugin Manager (`/wiki/rest/plugins/1.0/`).

use serde::Deserialize;

/// The UPM listing.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppListing {
    #[serde(default)]
    pub plugins: Vec<App>,
}

/// One installed app (system apps have `user_installed = false`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub key: String,
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub user_installed: bool,
    pub version: Option<String>,
}
