//! The sandbox: stateful emulated Confluence Cloud sites served over HTTP on loopback.

pub mod command;
