//! Layered settings: defaults < settings file < environment < command-line flags.
