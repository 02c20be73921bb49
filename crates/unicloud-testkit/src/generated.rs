//! What a vendor crate's generated code (`src/generated/<service>.rs`, written by
//! `cargo xtask codegen`) declares, read back as text: the JSON field names of its types and the
//! actions it implements.
//!
//! Property tests use it twice: the field names seed the fuzzed JSON (so decoders see the keys
//! they look for), and the action list proves that a test's hand-written list of actions is
//! complete, so a newly generated action cannot escape the property.
//!
//! ```
//! use unicloud_testkit::generated::{GeneratedCode, short_type_name};
//!
//! let code = GeneratedCode::from_sources(vec![(
//!     "cvm".to_owned(),
//!     r#"#[serde(rename = "InstanceIds")] pub instance_ids: Vec<String>,
//!        impl crate::action::Action for StartInstancesRequest {"#
//!         .to_owned(),
//! )]);
//! assert_eq!(code.field_names(), vec!["InstanceIds".to_owned()]);
//! assert!(code.actions().contains("cvm::StartInstancesRequest"));
//! assert_eq!(
//!     short_type_name("unicloud_tencent::generated::cvm::StartInstancesRequest"),
//!     "cvm::StartInstancesRequest"
//! );
//! ```

use std::collections::BTreeSet;
use std::path::Path;

/// The text of the enabled services' generated modules, by module name.
#[derive(Debug, Clone, Default)]
pub struct GeneratedCode {
    modules: Vec<(String, String)>,
}

/// The marker the code generator writes before a field's wire name.
const FIELD_MARKER: &str = "rename = \"";
/// The marker the code generator writes before each action's request type.
const ACTION_MARKER: &str = "impl crate::action::Action for ";

impl GeneratedCode {
    /// Reads `<dir>/<module>.rs` for every module whose flag is `true` (typically
    /// `cfg!(feature = "<module>")`. A file that cannot be read is an error naming its path.
    pub fn load(dir: impl AsRef<Path>, modules: &[(&str, bool)]) -> std::io::Result<Self> {
        let dir = dir.as_ref();
        let modules = modules
            .iter()
            .filter(|(_, on)| *on)
            .map(|(module, _)| {
                let path = dir.join(format!("{module}.rs"));
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?;
                Ok(((*module).to_owned(), text))
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self { modules })
    }

    /// Builds the set from texts already in memory, as `(module, source)` pairs.
    pub fn from_sources(modules: Vec<(String, String)>) -> Self {
        Self { modules }
    }

    /// Whether no module is enabled.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// Every JSON field name the generated types use, sorted and without repeats.
    pub fn field_names(&self) -> Vec<String> {
        let mut names = BTreeSet::new();
        for (_, text) in &self.modules {
            for part in text.split(FIELD_MARKER).skip(1) {
                if let Some((name, _)) = part.split_once('"') {
                    names.insert(name.to_owned());
                }
            }
        }
        names.into_iter().collect()
    }

    /// Every action's request type, as `module::Type`.
    pub fn actions(&self) -> BTreeSet<String> {
        let mut actions = BTreeSet::new();
        for (module, text) in &self.modules {
            for part in text.split(ACTION_MARKER).skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                actions.insert(format!("{module}::{name}"));
            }
        }
        actions
    }

    /// Asserts that `covered` (full type names, as [`std::any::type_name`] gives them) names
    /// exactly the generated actions, and that an enabled module declares at least one action
    /// (none would mean the scan no longer matches what the generator writes).
    pub fn assert_covered<'a>(&self, covered: impl IntoIterator<Item = &'a str>) {
        let covered: BTreeSet<String> = covered.into_iter().map(short_type_name).collect();
        let generated = self.actions();
        assert_eq!(
            generated.is_empty(),
            self.is_empty(),
            "an enabled service declares no action: the scan no longer matches the generator"
        );
        assert_eq!(
            covered, generated,
            "the test's action list is not the generated one"
        );
    }
}

/// The last two segments of a type path: `a::b::cvm::Type` becomes `cvm::Type`.
pub fn short_type_name(full: &str) -> String {
    let mut parts = full.rsplit("::");
    match (parts.next(), parts.next()) {
        (Some(name), Some(module)) => format!("{module}::{name}"),
        _ => full.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> GeneratedCode {
        GeneratedCode::from_sources(vec![
            (
                "vpc".to_owned(),
                concat!(
                    "#[serde(rename = \"RouteTableId\")]\n",
                    "#[serde(rename = \"Routes\")]\n",
                    "impl crate::action::Action for CreateRoutesRequest {}\n",
                    "impl crate::action::Action for DeleteRoutesRequest {}\n",
                )
                .to_owned(),
            ),
            (
                "sts".to_owned(),
                concat!(
                    "#[serde(rename = \"Routes\")]\n",
                    "impl crate::action::Action for AssumeRoleRequest {}\n",
                )
                .to_owned(),
            ),
        ])
    }

    #[test]
    fn field_names_are_sorted_and_unique() {
        assert_eq!(code().field_names(), vec!["RouteTableId", "Routes"]);
    }

    #[test]
    fn actions_are_named_by_module() {
        let actions: Vec<String> = code().actions().into_iter().collect();
        assert_eq!(
            actions,
            vec![
                "sts::AssumeRoleRequest",
                "vpc::CreateRoutesRequest",
                "vpc::DeleteRoutesRequest"
            ]
        );
    }

    #[test]
    fn coverage_accepts_the_exact_list() {
        code().assert_covered([
            "x::generated::vpc::CreateRoutesRequest",
            "x::generated::vpc::DeleteRoutesRequest",
            "x::generated::sts::AssumeRoleRequest",
        ]);
    }

    #[test]
    #[should_panic(expected = "not the generated one")]
    fn coverage_rejects_a_missing_action() {
        code().assert_covered(["x::generated::vpc::CreateRoutesRequest"]);
    }

    #[test]
    #[should_panic(expected = "declares no action")]
    fn a_module_without_actions_fails_coverage() {
        GeneratedCode::from_sources(vec![("cvm".to_owned(), String::new())])
            .assert_covered(std::iter::empty());
    }

    #[test]
    fn a_missing_module_is_an_error_naming_its_path() {
        let err =
            GeneratedCode::load("/nonexistent-dir", &[("cvm", true), ("vpc", false)]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir/cvm.rs"), "{err}");
        assert!(
            GeneratedCode::load("/nonexistent-dir", &[("vpc", false)])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn short_names_keep_module_and_type() {
        assert_eq!(short_type_name("a::b::cvm::T"), "cvm::T");
        assert_eq!(short_type_name("T"), "T");
    }
}
