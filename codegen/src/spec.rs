//! The normalised spec format (`specs/tencent/*.json`, `specs/alibaba/*.json`).
//!
//! One type grammar ([`Schema`]) serves both vendors. Tencent's named objects become
//! [`Schema::Ref`]s into [`TencentSpec::shapes`]; Alibaba's inline schemas stay inline, so the
//! nesting of its XML-era response wrappers (`Instances.Instance[]`) is kept as the vendor wrote it.
//!
//! Files are written with [`to_canonical_json`]: object keys sorted, two-space indentation and a
//! trailing newline, so output bytes depend only on the content.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{Error, Result};

/// Value of the `format` key of every normalised spec file.
pub const FORMAT: &str = "unicloud-spec/1";

fn is_false(b: &bool) -> bool {
    !*b
}

/// The type of a value, with the structural limits the vendor states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Schema {
    /// A string; `format` refines it (`datetime`, `iso8601`, ...) without changing the Rust type.
    String {
        /// Vendor format name, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
        /// Minimum length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u64>,
        /// Maximum length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u64>,
        /// Regular expression the value must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        /// Allowed values, when the vendor lists them.
        #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
        enum_values: Option<Vec<String>>,
    },
    /// An integer; `format` is `int32`, `int64` or `uint64`.
    Integer {
        /// Integer width and signedness.
        format: String,
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum: Option<serde_json::Number>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum: Option<serde_json::Number>,
    },
    /// A floating-point number; `format` is `float` (32-bit) or `double` (64-bit).
    Number {
        /// Float width.
        format: String,
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum: Option<serde_json::Number>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum: Option<serde_json::Number>,
    },
    /// `true` or `false`.
    Boolean,
    /// A list.
    Array {
        /// Element type.
        items: Box<Schema>,
        /// Minimum number of elements.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_items: Option<u64>,
        /// Maximum number of elements.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_items: Option<u64>,
    },
    /// An inline object (Alibaba).
    Object {
        /// Members, sorted by name.
        properties: Vec<Property>,
    },
    /// A named shape of the same spec (Tencent).
    Ref {
        /// Shape name, a key of [`TencentSpec::shapes`].
        name: String,
    },
}

impl Schema {
    /// A plain string schema with no format or limits.
    pub fn string() -> Self {
        Schema::String {
            format: None,
            min_length: None,
            max_length: None,
            pattern: None,
            enum_values: None,
        }
    }

    /// An array of `items` without limits.
    pub fn array(items: Schema) -> Self {
        Schema::Array {
            items: Box::new(items),
            min_items: None,
            max_items: None,
        }
    }

    /// An integer of the given format without limits.
    pub fn integer(format: &str) -> Self {
        Schema::Integer {
            format: format.to_owned(),
            minimum: None,
            maximum: None,
        }
    }
}

/// A member of an object: a Tencent object member or an Alibaba object property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// Name on the wire.
    pub name: String,
    /// The caller must send it (request side).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Tencent: the vendor promises it in every response.
    #[serde(default, skip_serializing_if = "is_false")]
    pub output_required: bool,
    /// Tencent: the vendor may send `null`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// Type.
    pub schema: Schema,
}

/// A Tencent Cloud service: `specs/tencent/<service>-<version>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentSpec {
    /// Always [`FORMAT`].
    pub format: String,
    /// Service short name as used in endpoints and signing (`cvm`).
    pub service: String,
    /// API version (`2017-03-12`).
    pub version: String,
    /// Actions by name.
    pub actions: BTreeMap<String, TencentAction>,
    /// Every object the actions reach, by vendor name.
    pub shapes: BTreeMap<String, TencentShape>,
}

/// A Tencent action: names of its request and response shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentAction {
    /// Request shape.
    pub input: String,
    /// Response shape (the object inside the `Response` envelope).
    pub output: String,
}

/// A named Tencent object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentShape {
    /// Members in vendor order.
    pub members: Vec<Property>,
}

/// An Alibaba Cloud product: `specs/alibaba/<product>-<version>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlibabaSpec {
    /// Always [`FORMAT`].
    pub format: String,
    /// Our module name for the product (`ecs`).
    pub product: String,
    /// The vendor's product code (`Ecs`).
    pub product_code: String,
    /// API version (`2014-05-26`).
    pub version: String,
    /// API style; only `RPC` is supported.
    pub style: String,
    /// Actions by name.
    pub actions: BTreeMap<String, AlibabaAction>,
}

/// An Alibaba action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlibabaAction {
    /// HTTP methods the vendor accepts.
    pub methods: Vec<String>,
    /// Parameters in vendor order.
    pub parameters: Vec<Parameter>,
    /// Schema of the HTTP 200 body.
    pub response: Schema,
}

/// An Alibaba request parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Name on the wire (may contain dots, e.g. `SystemDisk.Category`).
    pub name: String,
    /// Where it goes: `query`, `formData`, ...
    #[serde(rename = "in")]
    pub location: String,
    /// Wire style for structured values: `repeatList`, `flat`, `json` or `simple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// The caller must send it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Type.
    pub schema: Schema,
}

/// Serialises `value` as canonical JSON: keys sorted at every level, pretty-printed with two
/// spaces, ending in a newline.
pub fn to_canonical_json<T: Serialize>(value: &T) -> Result<String> {
    let value = serde_json::to_value(value).map_err(|e| Error::new(e.to_string()))?;
    let mut out =
        serde_json::to_string_pretty(&sorted(value)).map_err(|e| Error::new(e.to_string()))?;
    out.push('\n');
    Ok(out)
}

/// Rebuilds every object with its keys in sorted order, whatever map type serde_json was built
/// with.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let entries: BTreeMap<String, serde_json::Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::Value::Object(entries.into_iter().collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_ends_with_newline() {
        let spec = TencentAction {
            output: "B".into(),
            input: "A".into(),
        };
        let text = to_canonical_json(&spec).unwrap();
        assert_eq!(text, "{\n  \"input\": \"A\",\n  \"output\": \"B\"\n}\n");
    }

    #[test]
    fn schema_round_trips_through_json() {
        let schema = Schema::Array {
            items: Box::new(Schema::Object {
                properties: vec![Property {
                    name: "Key".into(),
                    required: true,
                    output_required: false,
                    nullable: false,
                    schema: Schema::string(),
                }],
            }),
            min_items: None,
            max_items: Some(20),
        };
        let text = to_canonical_json(&schema).unwrap();
        assert!(text.contains("\"max_items\": 20"));
        assert!(!text.contains("output_required"));
        let back: Schema = serde_json::from_str(&text).unwrap();
        assert_eq!(back, schema);
    }
}
