//! Process exit codes, as documented in the README.
