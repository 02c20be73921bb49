//! Paths of the vendor material the team keeps beside the checkout, in `shared/`.
//!
//! The directory is found from this crate's own manifest directory
//! (`crates/unicloud-testkit/../../../shared`), so it resolves the same way from every crate's
//! tests, whichever crate is being tested.
//!
//! ```
//! let captures = unicloud_testkit::fixtures::wire_captures_dir();
//! assert!(captures.ends_with("shared/wire-captures"));
//! ```

use std::path::PathBuf;

/// The `shared/` directory beside the workspace checkout.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
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
        assert_eq!(
            std::path::Path::new(crate::capture::DEFAULT_DIR),
            wire_captures_dir()
        );
    }
}
