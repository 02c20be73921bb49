//! Vendor names → Rust names.

/// Splits a vendor name into words.
///
/// Non-alphanumeric characters separate words (`Filter.1.Key`); inside a run, a word starts at a
/// lower→upper step (`InstanceId`), at the last capital of an acronym followed by lowercase
/// (`OSName` → `OS`, `Name`) and at a digit→letter step (`Ipv6Address`). `IPv4`/`IPv6` are kept
/// whole, as vendors write them.
pub fn words(name: &str) -> Vec<String> {
    let name = name.replace("IPv6", "Ipv6").replace("IPv4", "Ipv4");
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if i > 0 {
                let prev = chars[i - 1];
                let next = chars.get(i + 1).copied();
                let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (prev.is_ascii_digit() && c.is_ascii_uppercase())
                    || (prev.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase()));
                if boundary && !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            current.push(c);
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// `InstanceIds` → `instance_ids`, `Filter.1.Key` → `filter_1_key`.
pub fn snake_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `GPUInfo` → `GpuInfo`, `IPv6Address` → `Ipv6Address`, `data_disk` → `DataDisk`.
pub fn pascal_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Rust keywords that can be used as raw identifiers (`r#type`).
const RAW_OK: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// How a field name must be written in Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldIdent {
    /// Usable as is.
    Plain(String),
    /// A keyword: write it as a raw identifier (`r#type`).
    Raw(String),
}

/// The Rust field identifier for a vendor field name.
pub fn field_ident(vendor_name: &str) -> FieldIdent {
    let mut snake = snake_case(vendor_name);
    if snake.is_empty() {
        snake = "field".to_owned();
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert_str(0, "n_");
    }
    if NOT_RAW.contains(&snake.as_str()) {
        snake.push('_');
    }
    if RAW_OK.contains(&snake.as_str()) {
        FieldIdent::Raw(snake)
    } else {
        FieldIdent::Plain(snake)
    }
}

impl FieldIdent {
    /// The name without any `r#` prefix.
    pub fn name(&self) -> &str {
        match self {
            FieldIdent::Plain(s) | FieldIdent::Raw(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_vendor_word_boundaries() {
        let cases = [
            ("InstanceIds", "instance_ids"),
            ("OSName", "os_name"),
            ("CPU", "cpu"),
            ("GPUAmount", "gpu_amount"),
            ("IPv6Addresses", "ipv6_addresses"),
            ("Ipv6Address", "ipv6_address"),
            ("VSwitchId", "v_switch_id"),
            ("KMSKeyId", "kms_key_id"),
            ("Filter.1.Key", "filter_1_key"),
            ("SystemDisk.Category", "system_disk_category"),
            ("key", "key"),
            ("TagKey", "tag_key"),
            ("Rolearn", "rolearn"),
        ];
        for (vendor, rust) in cases {
            assert_eq!(snake_case(vendor), rust, "{vendor}");
        }
    }

    #[test]
    fn pascal_case_normalises_acronyms() {
        assert_eq!(pascal_case("GPUInfo"), "GpuInfo");
        assert_eq!(pascal_case("IPv6AddressSet"), "Ipv6AddressSet");
        assert_eq!(pascal_case("DescribeInstances"), "DescribeInstances");
        assert_eq!(pascal_case("Filter.1.Key"), "Filter1Key");
    }

    #[test]
    fn keywords_become_raw_or_suffixed() {
        assert_eq!(field_ident("Type"), FieldIdent::Raw("type".into()));
        assert_eq!(field_ident("Self"), FieldIdent::Plain("self_".into()));
        assert_eq!(field_ident("1st"), FieldIdent::Plain("n_1st".into()));
        assert_eq!(field_ident("Zone"), FieldIdent::Plain("zone".into()));
    }
}
