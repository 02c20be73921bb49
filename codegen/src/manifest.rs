//! `specs/manifest.toml`: which vendor actions unicloud generates.

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::{Error, Result};

/// The parsed manifest. Keys of both maps are our module and cargo feature names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Tencent Cloud services (`cvm`, `vpc`, ...).
    #[serde(default)]
    pub tencent: BTreeMap<String, ServiceEntry>,
    /// Alibaba Cloud products (`ecs`, `vpc`, ...).
    #[serde(default)]
    pub alibaba: BTreeMap<String, ServiceEntry>,
}

/// One service or product of the manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    /// API version (`2017-03-12`).
    pub version: String,
    /// Action names to import and generate.
    pub actions: Vec<String>,
    /// Vendor field names whose values are secrets, redacted in generated `Debug` output.
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// Actions that are safe to repeat although they are neither reads nor carry a client
    /// token (e.g. a call that sets a state), each with the reason in a comment. The runtime
    /// retries a call after a time-out or a dropped connection only when it is safe to repeat.
    #[serde(default)]
    pub idempotent: Vec<String>,
    /// Corrections to the vendor spec, by action name (Alibaba only). Each one must say in a
    /// comment which evidence (a wire capture, an SDK version) it rests on.
    #[serde(default)]
    pub patch: BTreeMap<String, ActionPatch>,
}

/// A correction applied to one action while importing, where the vendor's spec disagrees with
/// what the vendor's own SDK sends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    /// Query parameters missing from the spec, appended after the vendor's.
    #[serde(default)]
    pub add_parameters: Vec<AddedParameter>,
    /// Parameters the spec marks required that the SDK leaves out.
    #[serde(default)]
    pub optional: Vec<String>,
}

/// A scalar query parameter added by an [`ActionPatch`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedParameter {
    /// Name on the wire.
    pub name: String,
    /// `string`, `integer` (32-bit), `long` (64-bit) or `boolean`.
    #[serde(rename = "type")]
    pub ty: String,
}

impl Manifest {
    /// Parses manifest text and checks it: module names must be lowercase identifiers, versions
    /// `YYYY-MM-DD`, and action lists non-empty without duplicates.
    pub fn parse(text: &str) -> Result<Self> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| Error::new(format!("manifest: {e}")))?;
        for (vendor, entries) in [
            ("tencent", &manifest.tencent),
            ("alibaba", &manifest.alibaba),
        ] {
            for (name, entry) in entries {
                let ctx = format!("manifest [{vendor}.{name}]");
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                {
                    return Err(Error::new(format!("{ctx}: module name must be lowercase")));
                }
                let v = entry.version.as_bytes();
                let version_ok = v.len() == 10
                    && v.iter().enumerate().all(|(i, b)| {
                        if i == 4 || i == 7 {
                            *b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    });
                if !version_ok {
                    return Err(Error::new(format!("{ctx}: version must be YYYY-MM-DD")));
                }
                if entry.actions.is_empty() {
                    return Err(Error::new(format!("{ctx}: no actions")));
                }
                if vendor == "tencent" && !entry.patch.is_empty() {
                    return Err(Error::new(format!("{ctx}: patches are for Alibaba only")));
                }
                for action in &entry.idempotent {
                    if !entry.actions.contains(action) {
                        return Err(Error::new(format!(
                            "{ctx}: idempotent lists unlisted {action}"
                        )));
                    }
                }
                for action in entry.patch.keys() {
                    if !entry.actions.contains(action) {
                        return Err(Error::new(format!("{ctx}: patch for unlisted {action}")));
                    }
                }
                let mut seen = std::collections::BTreeSet::new();
                for action in &entry.actions {
                    if !seen.insert(action) {
                        return Err(Error::new(format!("{ctx}: duplicate action {action}")));
                    }
                }
            }
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let m = Manifest::parse(
            "[tencent.cvm]\nversion = \"2017-03-12\"\nactions = [\"DescribeInstances\"]\n",
        )
        .unwrap();
        assert_eq!(m.tencent["cvm"].actions, ["DescribeInstances"]);
        assert!(m.alibaba.is_empty());

        let dup = "[alibaba.ecs]\nversion = \"2014-05-26\"\nactions = [\"A\", \"A\"]\n";
        assert!(Manifest::parse(dup).is_err());
        let bad_version = "[alibaba.ecs]\nversion = \"20140526\"\nactions = [\"A\"]\n";
        assert!(Manifest::parse(bad_version).is_err());
    }

    #[test]
    fn the_project_manifest_is_valid() {
        let text = include_str!("../../specs/manifest.toml");
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.tencent.len(), 5);
        assert_eq!(m.alibaba.len(), 6);
    }
}
