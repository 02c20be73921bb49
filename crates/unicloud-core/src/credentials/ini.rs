//! A small INI reader for credential files, with errors that name the file and line but never
//! echo the line's content (it may hold a secret).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};

/// Where a credentials or configuration file is malformed.
///
/// Kept as the [`source`](std::error::Error::source) of an [`ErrorKind::Config`] error so callers
/// can find the file and line programmatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, line {line}: {reason}", path.display())]
pub struct FileParseError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line number (0 when the error is about the whole file).
    pub line: usize,
    /// What is wrong, without the line's content.
    pub reason: String,
}

impl FileParseError {
    pub(crate) fn into_error(self) -> Error {
        Error::new(
            ErrorKind::Config,
            format!("malformed credentials file {self}"),
        )
        .with_source(self)
    }
}

/// One `[section]` of an INI file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IniSection {
    entries: BTreeMap<String, (String, usize)>,
    line: usize,
}

impl IniSection {
    /// A value by key (keys are case-sensitive, surrounding whitespace removed).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .get(key)
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The line a key was set on.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.entries.get(key).map(|(_, l)| *l)
    }

    /// The line of the section header.
    pub fn header_line(&self) -> usize {
        self.line
    }
}

impl fmt::Debug for IniSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys only: values may be secrets.
        f.debug_set().entries(self.entries.keys()).finish()
    }
}

/// A parsed INI file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniFile {
    path: PathBuf,
    sections: BTreeMap<String, IniSection>,
}

impl IniFile {
    /// Parses `text`, reporting errors against `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, FileParseError> {
        let err = |line: usize, reason: &str| FileParseError {
            path: path.to_owned(),
            line,
            reason: reason.to_owned(),
        };
        let mut sections: BTreeMap<String, IniSection> = BTreeMap::new();
        let mut current: Option<String> = None;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(err(n, "section header is missing its closing `]`"));
                };
                let name = name.trim();
                // `[profile name]` is accepted like the AWS config file spells it.
                let name = name.strip_prefix("profile ").map_or(name, str::trim);
                if name.is_empty() {
                    return Err(err(n, "empty section name"));
                }
                sections
                    .entry(name.to_owned())
                    .or_insert_with(|| IniSection {
                        entries: BTreeMap::new(),
                        line: n,
                    });
                current = Some(name.to_owned());
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(err(n, "expected `key = value` or `[section]`"));
            };
            let key = key.trim();
            if key.is_empty() {
                return Err(err(n, "empty key before `=`"));
            }
            let Some(section) = current.as_ref().and_then(|c| sections.get_mut(c)) else {
                return Err(err(n, "key outside of any `[section]`"));
            };
            section
                .entries
                .insert(key.to_owned(), (value.trim().to_owned(), n));
        }
        Ok(Self {
            path: path.to_owned(),
            sections,
        })
    }

    /// A section by name.
    pub fn section(&self, name: &str) -> Option<&IniSection> {
        self.sections.get(name)
    }

    /// The section names, sorted.
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.keys().map(String::as_str)
    }

    /// The file this was parsed from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_comments_and_spacing() {
        let text = "\u{feff}# comment\n; other\n[default]\nsecret_id = AKID1\nsecret_key=abc=def\n\n[profile prod]\n  secret_id =AKID2  \n";
        let f = IniFile::parse(Path::new("/x/credentials"), text).unwrap();
        let d = f.section("default").unwrap();
        assert_eq!(d.get("secret_id"), Some("AKID1"));
        assert_eq!(d.get("secret_key"), Some("abc=def"));
        assert_eq!(d.line_of("secret_key"), Some(5));
        assert_eq!(f.section("prod").unwrap().get("secret_id"), Some("AKID2"));
        assert_eq!(f.section_names().collect::<Vec<_>>(), ["default", "prod"]);
    }

    #[test]
    fn errors_name_file_and_line_but_not_content() {
        let text = "[default]\nsecret_id = AKID\nthis-line-has-the-secret-Zq9\n";
        let e = IniFile::parse(Path::new("/home/u/.tencentcloud/credentials"), text).unwrap_err();
        assert_eq!(e.line, 3);
        let msg = e.clone().into_error().to_string();
        assert!(
            msg.contains("/home/u/.tencentcloud/credentials, line 3"),
            "{msg}"
        );
        assert!(!msg.contains("Zq9"));
        let e = IniFile::parse(Path::new("f"), "key = v\n").unwrap_err();
        assert_eq!(
            (e.line, e.reason.as_str()),
            (1, "key outside of any `[section]`")
        );
        let e = IniFile::parse(Path::new("f"), "[default\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = IniFile::parse(Path::new("f"), "[]\n").unwrap_err();
        assert_eq!(e.reason, "empty section name");
        let e = IniFile::parse(Path::new("f"), "[a]\n = v\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn debug_shows_keys_only() {
        let f = IniFile::parse(Path::new("f"), "[a]\nsecret_key = hide-me\n").unwrap();
        let dbg = format!("{f:?}");
        assert!(dbg.contains("secret_key") && !dbg.contains("hide-me"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "(?s).{0,200}") {
            let _ = IniFile::parse(Path::new("f"), &s);
        }
    }
}
