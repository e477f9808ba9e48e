//! Plan files: text → spanned TOML → validated plan.
