//! The checked-in `specs/` and `src/generated/` files are exactly what the pipeline produces from
//! the vendor files in `../shared/specs-upstream` (a missing vendor file fails the test), and
//! producing them twice gives the same bytes.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use unicloud_codegen::emit::HEADER;
use unicloud_codegen::pipeline;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn import_is_deterministic_and_matches_checked_in_specs() {
    let root = root();
    let manifest = pipeline::load_manifest(&root).unwrap();
    let from = root.join("../shared/specs-upstream");
    let first = pipeline::import_specs(&manifest, &from).unwrap();
    let second = pipeline::import_specs(&manifest, &from).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.len(), manifest.tencent.len() + manifest.alibaba.len());
    for (rel, contents) in &first {
        let on_disk = std::fs::read_to_string(root.join(rel)).unwrap();
        assert!(
            on_disk == *contents,
            "{} is stale: run `cargo xtask import-specs`",
            rel.display()
        );
        assert!(contents.ends_with("}\n"));
        for prose in ["\"description\"", "\"summary\"", "\"example\"", "\"title\""] {
            assert!(!contents.contains(prose), "{} has {prose}", rel.display());
        }
    }
}

#[test]
fn generated_code_matches_checked_in_files() {
    let root = root();
    let files = pipeline::generate(&root).unwrap();
    assert_eq!(files, pipeline::generate(&root).unwrap());
    for (rel, contents) in &files {
        assert!(contents.starts_with(&format!("{HEADER}\n")));
        let on_disk = std::fs::read_to_string(root.join(rel)).unwrap();
        assert!(
            on_disk == *contents,
            "{} is stale: run `cargo xtask codegen`",
            rel.display()
        );
    }
}
