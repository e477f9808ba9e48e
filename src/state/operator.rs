//! Who is running confcopy, and whether a process is still alive: for lock records,
//! run records and sweeping what dead processes left behind.

use serde::{Deserialize, Serialize};

/// The person and process behind a run or a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub user: String,
    pub host: String,
    pub pid: u32,
}

impl Operator {
    /// This process: the login name from `USER`/`LOGNAME`/`USERNAME`, the host name.
    pub fn current() -> Operator {
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| "unknown".to_string());
        Operator { user, host: host_name(), pid: std::process::id() }
    }
}

/// This machine's name, "unknown" when it cannot be read.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|v| !v.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether process `pid` on this host is alive. On Linux, `/proc/<pid>` tells (a zombie
/// counts as dead); elsewhere we cannot tell and assume it is alive, the safe answer.
pub fn pid_is_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    match std::fs::read_to_string(proc.join(pid.to_string()).join("stat")) {
        // The state follows the command name in parentheses: "1234 (confcopy) Z ...".
        Ok(stat) => !matches!(
            stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().chars().next()),
            Some(Some('Z' | 'X'))
        ),
        Err(_) => false,
    }
}
