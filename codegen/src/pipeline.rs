//! Whole-project runs of the stages: what `cargo xtask import-specs` and `cargo xtask codegen`
//! compute. Both read files but never write: they return `(path, contents)` pairs, paths
//! relative to the workspace root, for the caller to write or compare.

use std::path::{Path, PathBuf};

use crate::import::{alibaba_vendor_file, import_alibaba, import_tencent, tencent_vendor_file};
use crate::ir::{Vendor, lower_alibaba, lower_tencent};
use crate::manifest::Manifest;
use crate::spec::{AlibabaSpec, TencentSpec, to_canonical_json};
use crate::{Error, Result, emit};

/// Manifest location, relative to the workspace root.
pub const MANIFEST: &str = "specs/manifest.toml";
/// Output directory of Tencent modules, relative to the workspace root.
pub const TENCENT_OUT: &str = "crates/unicloud-tencent/src/generated";
/// Output directory of Alibaba modules, relative to the workspace root.
pub const ALIBABA_OUT: &str = "crates/unicloud-alibaba/src/generated";

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

/// Reads and validates the manifest under `root`.
pub fn load_manifest(root: &Path) -> Result<Manifest> {
    Manifest::parse(&read(&root.join(MANIFEST))?)
}

/// Normalised spec path of a Tencent service, relative to the workspace root.
pub fn tencent_spec_path(service: &str, version: &str) -> PathBuf {
    PathBuf::from(format!("specs/tencent/{service}-{version}.json"))
}

/// Normalised spec path of an Alibaba product, relative to the workspace root.
pub fn alibaba_spec_path(product: &str, version: &str) -> PathBuf {
    PathBuf::from(format!("specs/alibaba/{product}-{version}.json"))
}

/// Imports every manifest entry from the vendor files under `from`
/// (`from/tencent/*.full.json`, `from/alibaba/*.full.json`).
pub fn import_specs(manifest: &Manifest, from: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for (service, entry) in &manifest.tencent {
        let file = from
            .join("tencent")
            .join(tencent_vendor_file(service, &entry.version));
        let spec = import_tencent(&read(&file)?, service, &entry.version, &entry.actions)?;
        out.push((
            tencent_spec_path(service, &entry.version),
            to_canonical_json(&spec)?,
        ));
    }
    for (product, entry) in &manifest.alibaba {
        let file = from
            .join("alibaba")
            .join(alibaba_vendor_file(product, &entry.version));
        let spec = import_alibaba(
            &read(&file)?,
            product,
            &entry.version,
            &entry.actions,
            &entry.patch,
        )?;
        out.push((
            alibaba_spec_path(product, &entry.version),
            to_canonical_json(&spec)?,
        ));
    }
    Ok(out)
}

fn parse_spec<T: serde::de::DeserializeOwned>(root: &Path, rel: &Path) -> Result<T> {
    let text = read(&root.join(rel))?;
    serde_json::from_str(&text).map_err(|e| Error::new(format!("{}: {e}", rel.display())))
}

/// Generates every module and both `mod.rs` files from the normalised specs under `root`.
///
/// Fails when a spec's actions differ from the manifest's: run `cargo xtask import-specs` first.
pub fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let manifest = load_manifest(root)?;
    let mut out = Vec::new();

    for (service, entry) in &manifest.tencent {
        let rel = tencent_spec_path(service, &entry.version);
        let spec: TencentSpec = parse_spec(root, &rel)?;
        check_actions(&rel, spec.actions.keys(), &entry.actions)?;
        let mut module = lower_tencent(&spec, &entry.sensitive)?;
        module.mark_idempotent(&entry.idempotent);
        out.push((
            Path::new(TENCENT_OUT).join(format!("{service}.rs")),
            emit::emit_module(&module)?,
        ));
    }
    let names: Vec<String> = manifest.tencent.keys().cloned().collect();
    out.push((
        Path::new(TENCENT_OUT).join("mod.rs"),
        emit::emit_mod_rs(Vendor::Tencent, &names)?,
    ));

    for (product, entry) in &manifest.alibaba {
        let rel = alibaba_spec_path(product, &entry.version);
        let spec: AlibabaSpec = parse_spec(root, &rel)?;
        check_actions(&rel, spec.actions.keys(), &entry.actions)?;
        let mut module = lower_alibaba(&spec, &entry.sensitive)?;
        module.mark_idempotent(&entry.idempotent);
        out.push((
            Path::new(ALIBABA_OUT).join(format!("{product}.rs")),
            emit::emit_module(&module)?,
        ));
    }
    let names: Vec<String> = manifest.alibaba.keys().cloned().collect();
    out.push((
        Path::new(ALIBABA_OUT).join("mod.rs"),
        emit::emit_mod_rs(Vendor::Alibaba, &names)?,
    ));
    Ok(out)
}

fn check_actions<'a>(
    rel: &Path,
    have: impl Iterator<Item = &'a String>,
    want: &[String],
) -> Result<()> {
    let have: std::collections::BTreeSet<&String> = have.collect();
    let want: std::collections::BTreeSet<&String> = want.iter().collect();
    if have != want {
        return Err(Error::new(format!(
            "{}: actions {have:?} differ from the manifest's {want:?}; run `cargo xtask import-specs`",
            rel.display()
        )));
    }
    Ok(())
}
