//! Project automation, run as `cargo xtask <command>`.
//!
//! - `import-specs [--from DIR] [--check]`: normalise the vendor specs (default
//!   `../shared/specs-upstream`, relative to the workspace root) into `specs/`; with `--check`,
//!   write nothing and fail if the checked-in specs differ from a fresh import.
//! - `codegen [--check]`: write `crates/unicloud-{tencent,alibaba}/src/generated/` from `specs/`;
//!   with `--check`, write nothing and fail if the checked-in files are stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use unicloud_codegen::pipeline;

const USAGE: &str =
    "usage: cargo xtask import-specs [--from DIR] [--check]\n       cargo xtask codegen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("import-specs") => import_specs(&root, &args[1..]),
        Some("codegen") => codegen(&root, &args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("xtask: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

fn say(message: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{message}");
    }
}

/// The directory holding the workspace `Cargo.toml` (the parent of this crate).
fn workspace_root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    dir.parent().unwrap_or(dir).to_path_buf()
}

fn import_specs(root: &Path, args: &[String]) -> Result<(), String> {
    let mut from = root.join("../shared/specs-upstream");
    let mut check = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--from" => {
                let dir = PathBuf::from(rest.next().ok_or_else(|| USAGE.to_owned())?);
                from = if dir.is_absolute() {
                    dir
                } else {
                    root.join(dir)
                };
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let manifest = pipeline::load_manifest(root).map_err(|e| e.to_string())?;
    let files = pipeline::import_specs(&manifest, &from).map_err(|e| e.to_string())?;
    let keep: BTreeSet<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut stale = Vec::new();
    for (rel, contents) in &files {
        let path = root.join(rel);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
                stale.push(format!("{} is out of date", rel.display()));
            }
        } else {
            write_if_changed(&path, contents)?;
        }
    }
    // Specs of services that left the manifest would otherwise linger.
    for dir in ["specs/tencent", "specs/alibaba"] {
        for rel in files_in(root, dir, "json")? {
            if keep.contains(&rel) {
                continue;
            }
            if check {
                stale.push(format!("{} is not in the manifest", rel.display()));
            } else {
                std::fs::remove_file(root.join(&rel))
                    .map_err(|e| format!("{}: {e}", rel.display()))?;
                say(&format!("removed {}", rel.display()));
            }
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "specs/ is stale; run `cargo xtask import-specs`:\n  {}",
            stale.join("\n  ")
        ));
    }
    let verb = if check { "checked" } else { "imported" };
    say(&format!(
        "{verb} {} specs from {}",
        files.len(),
        from.display()
    ));
    Ok(())
}

fn codegen(root: &Path, args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(USAGE.to_owned()),
    };
    let files = pipeline::generate(root).map_err(|e| e.to_string())?;
    let keep: BTreeSet<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut stale = Vec::new();
    for (rel, contents) in &files {
        let path = root.join(rel);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
                stale.push(format!("{} is out of date", rel.display()));
            }
        } else {
            write_if_changed(&path, contents)?;
        }
    }
    for dir in [pipeline::TENCENT_OUT, pipeline::ALIBABA_OUT] {
        for rel in files_in(root, dir, "rs")? {
            if keep.contains(&rel) {
                continue;
            }
            if check {
                stale.push(format!("{} is not generated any more", rel.display()));
            } else {
                std::fs::remove_file(root.join(&rel))
                    .map_err(|e| format!("{}: {e}", rel.display()))?;
                say(&format!("removed {}", rel.display()));
            }
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated code is stale; run `cargo xtask codegen`:\n  {}",
            stale.join("\n  ")
        ));
    }
    if check {
        say(&format!("{} generated files are up to date", files.len()));
    } else {
        say(&format!("generated {} files", files.len()));
    }
    Ok(())
}

/// Files with extension `ext` directly in `root/dir`, as paths relative to `root`.
fn files_in(root: &Path, dir: &str, ext: &str) -> Result<Vec<PathBuf>, String> {
    let full = root.join(dir);
    let entries = match std::fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", full.display())),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", full.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(&format!(".{ext}")) {
            out.push(Path::new(dir).join(name.as_ref()));
        }
    }
    out.sort();
    Ok(out)
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))
}
