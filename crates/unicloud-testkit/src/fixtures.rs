//! Paths of the vendor material the team keeps beside the checkout, in `shared/`.
//!
//! The directory is found at run time: the nearest `shared/` holding `wire-captures`, looking up
//! from the directory of the crate under test (cargo sets `CARGO_MANIFEST_DIR` when it runs a
//! test), then from this crate's own. Looking only at the path compiled in would break when a
//! build is reused from another checkout of the repository (a git worktree sharing `target/`).
//!
//! ```
//! let captures = unicloud_testkit::fixtures::wire_captures_dir();
//! assert!(captures.ends_with("shared/wire-captures"));
//! ```

use std::path::PathBuf;

/// The `shared/` directory beside the workspace checkout (see the module docs for how it is
/// found); when none is found, where it would be beside this crate's checkout, so the error
/// names a sensible path.
pub fn shared_dir() -> PathBuf {
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let starts = [
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        Some(compiled.clone()),
    ];
    for start in starts.into_iter().flatten() {
        if let Some(found) = start
            .ancestors()
            .map(|dir| dir.join("shared"))
            .find(|dir| dir.join("wire-captures").is_dir())
        {
            return found;
        }
    }
    compiled.join("../../../shared")
}

/// `shared/wire-captures`: raw requests captured from the vendors' official SDKs (only the
/// request halves are authoritative, see the README there).
pub fn wire_captures_dir() -> PathBuf {
    shared_dir().join("wire-captures")
}

/// `shared/specs-upstream`: the vendors' published API material.
pub fn specs_upstream_dir() -> PathBuf {
    shared_dir().join("specs-upstream")
}

/// `shared/specs-upstream/tencent-examples`: Tencent Cloud's documented example requests and
/// responses.
pub fn tencent_examples_dir() -> PathBuf {
    specs_upstream_dir().join("tencent-examples")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_material_is_where_the_loaders_look() {
        assert!(wire_captures_dir().join("README.txt").is_file());
        assert!(tencent_examples_dir().is_dir());
        assert!(crate::capture::Capture::load("001").is_ok());
    }
}
