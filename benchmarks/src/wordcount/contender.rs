//! What a word count row runs: a system, with the process allocator it
//! runs under.
//!
//! glibc's malloc is what a Rust program gets by default, and what the
//! table's main rows use. librdkafka allocates each message on one thread
//! and frees it on another (the broker thread and the reader, the sender
//! and the delivery-report poller), which glibc's per-thread caches serve
//! badly. The `+jemalloc` rows run the same child process with jemalloc
//! preloaded (`LD_PRELOAD`), so that it serves librdkafka's C allocations
//! as well as Rust's: what an application gets by doing the same.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::System;

/// Where Debian's `libjemalloc2` (and most distributions') puts the library.
const JEMALLOC_PATHS: [&str; 3] = [
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
];

/// A system and whether its process runs with jemalloc preloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contender {
    pub(crate) system: System,
    pub(crate) jemalloc: bool,
}

impl Contender {
    /// `system` on the default allocator.
    pub(crate) const fn plain(system: System) -> Self {
        Contender {
            system,
            jemalloc: false,
        }
    }

    /// `system` with jemalloc preloaded.
    pub(crate) const fn with_jemalloc(system: System) -> Self {
        Contender {
            system,
            jemalloc: true,
        }
    }

    /// The name `--systems` knows it by: the system's, with `+jemalloc`.
    pub(crate) fn name(self) -> String {
        if self.jemalloc {
            format!("{}+jemalloc", self.system.name())
        } else {
            self.system.name().to_string()
        }
    }

    /// The row's label.
    pub(crate) fn label(self, threads: usize) -> String {
        let label = self.system.label(threads);
        if self.jemalloc {
            format!("{label}, jemalloc")
        } else {
            label
        }
    }
}

/// Set for a child that must run with jemalloc: it checks that the loader
/// did preload it (the loader only warns on stderr when it cannot), so that
/// a row labelled jemalloc never measures glibc.
pub(crate) const EXPECT_JEMALLOC: &str = "BENCH_EXPECT_JEMALLOC";

/// Whether this process has jemalloc mapped (`/proc/self/maps`).
pub(crate) fn jemalloc_loaded() -> std::io::Result<bool> {
    Ok(std::fs::read_to_string("/proc/self/maps")?.contains("libjemalloc"))
}

/// For a child started with [`EXPECT_JEMALLOC`]: an error unless jemalloc
/// is loaded.
pub(crate) fn check_expected_allocator() -> Result<(), String> {
    if std::env::var_os(EXPECT_JEMALLOC).is_none() {
        return Ok(());
    }
    match jemalloc_loaded() {
        Ok(true) => Ok(()),
        Ok(false) => Err("this run should have jemalloc preloaded, and it is not loaded".into()),
        Err(e) => Err(format!("cannot tell whether jemalloc is loaded: {e}")),
    }
}

/// `LD_PRELOAD` for a child run with `library` preloaded, after whatever
/// this process was started with.
pub(crate) fn preload_with(library: &Path) -> OsString {
    let mut preload = OsString::new();
    if let Some(inherited) = std::env::var_os("LD_PRELOAD").filter(|p| !p.is_empty()) {
        preload.push(inherited);
        preload.push(":");
    }
    preload.push(library);
    preload
}

/// The jemalloc library to preload: `BENCH_JEMALLOC` if set, else the
/// first of the usual places that holds it; `None` if that file is missing
/// (the loader would run the child without it and say so only on stderr).
pub(crate) fn jemalloc_library() -> Option<PathBuf> {
    let path = match std::env::var_os("BENCH_JEMALLOC") {
        Some(path) => PathBuf::from(path),
        None => JEMALLOC_PATHS
            .iter()
            .map(PathBuf::from)
            .find(|path| path.exists())?,
    };
    path.is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_runs_on_the_default_allocator() {
        assert!(!jemalloc_loaded().unwrap());
    }

    #[test]
    fn names_say_the_system_and_the_allocator() {
        assert_eq!(Contender::plain(System::Floor).name(), "floor");
        assert_eq!(
            Contender::with_jemalloc(System::StreamsWithoutIds).name(),
            "streams-without-ids+jemalloc"
        );
        assert!(Contender::with_jemalloc(System::Floor)
            .label(2)
            .ends_with(", jemalloc"));
        assert_eq!(
            Contender::plain(System::Streams).label(1),
            "kafka-streams topology (1 stream thread)"
        );
        assert_eq!(
            Contender::plain(System::Streams).label(2),
            "kafka-streams topology (2 stream threads)"
        );
    }
}
