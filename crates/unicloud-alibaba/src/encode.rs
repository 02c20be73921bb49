//! Alibaba Cloud RPC parameter encoding: a request struct → the flat `name=value` list that goes
//! into the query string.
//!
//! The vendor's parameter styles map onto this module as follows:
//!
//! | spec style | wire form | how |
//! |---|---|---|
//! | none (scalar) | `RegionId=cn-hangzhou` | [`to_query_pairs`] |
//! | `repeatList`, `flat` | `Tag.1.Key=env&Tag.1.Value=prod`, `SystemDisk.Size=40` | [`to_query_pairs`]: lists count from 1, nesting joins names with dots |
//! | `json` | `InstanceIds=["i-1","i-2"]` | field attribute `serialize_with = "crate::encode::json_string"` |
//! | `simple` | `VbrInstanceIds=a,b` | field attribute `serialize_with = "crate::encode::comma_joined"` |
//!
//! Booleans are `true`/`false`, numbers use their JSON spelling, absent (`None`) fields and empty
//! lists send nothing. Values are returned unescaped: percent-encoding belongs to the signer,
//! which must encode exactly what it signs.
//!
//! ```
//! # #[cfg(feature = "ecs")] {
//! use unicloud_alibaba::encode::to_query_pairs;
//! use unicloud_alibaba::generated::ecs::{DescribeInstancesRequest, DescribeInstancesTag};
//!
//! let request = DescribeInstancesRequest {
//!     region_id: "cn-hangzhou".into(),
//!     tag: Some(vec![DescribeInstancesTag {
//!         key: Some("env".into()),
//!         value: Some("prod".into()),
//!         ..Default::default()
//!     }]),
//!     page_size: Some(10),
//!     ..Default::default()
//! };
//! let pairs = to_query_pairs(&request).unwrap();
//! let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
//! assert_eq!(pairs, [
//!     ("PageSize", "10"),
//!     ("RegionId", "cn-hangzhou"),
//!     ("Tag.1.Key", "env"),
//!     ("Tag.1.Value", "prod"),
//! ]);
//! # }
//! ```

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// A request that cannot be expressed as query parameters (for example a top-level value that
/// is not a struct, or a `simple`-style field holding objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode request parameters: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

/// Flattens a request into query parameters, sorted by name.
pub fn to_query_pairs<T: Serialize + ?Sized>(
    request: &T,
) -> Result<Vec<(String, String)>, EncodeError> {
    let value = serde_json::to_value(request).map_err(|e| EncodeError(e.to_string()))?;
    let Value::Object(fields) = value else {
        return Err(EncodeError(format!(
            "expected a struct of parameters, got {}",
            kind(&value)
        )));
    };
    let mut out = Vec::new();
    for (name, value) in fields {
        flatten(name, value, &mut out);
    }
    out.sort();
    Ok(out)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The text of a scalar, or `None` for lists, objects and null.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn flatten(name: String, value: Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                flatten(format!("{name}.{}", i + 1), item, out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                flatten(format!("{name}.{key}"), item, out);
            }
        }
        scalar => {
            if let Some(text) = scalar_text(&scalar) {
                out.push((name, text));
            }
        }
    }
}

/// `serialize_with` helper for `style: json` parameters: the value becomes one compact
/// JSON-encoded string (`["i-1","i-2"]`, `{"Key":"v"}`).
pub fn json_string<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// `serialize_with` helper for `style: simple` parameters: a list of scalars becomes one
/// comma-joined string (`a,b,c`); a lone scalar is sent as its text.
pub fn comma_joined<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let value = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    let text = match &value {
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                parts.push(scalar_text(item).ok_or_else(|| {
                    serde::ser::Error::custom(format!(
                        "a comma-joined list cannot hold {}",
                        kind(item)
                    ))
                })?);
            }
            parts.join(",")
        }
        Value::Null => return serializer.serialize_none(),
        other => scalar_text(other).ok_or_else(|| {
            serde::ser::Error::custom(format!("cannot comma-join {}", kind(other)))
        })?,
    };
    serializer.serialize_str(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;

    #[derive(Serialize, Default)]
    struct Tag {
        #[serde(rename = "Key", skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        #[serde(rename = "Value", skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    }

    #[derive(Serialize, Default)]
    struct Disk {
        #[serde(rename = "Size")]
        size: i32,
        #[serde(rename = "Encrypted", skip_serializing_if = "Option::is_none")]
        encrypted: Option<bool>,
    }

    #[derive(Serialize, Default)]
    struct Request {
        #[serde(rename = "RegionId")]
        region_id: String,
        #[serde(rename = "Tag", skip_serializing_if = "Option::is_none")]
        tag: Option<Vec<Tag>>,
        #[serde(rename = "InstanceId", skip_serializing_if = "Option::is_none")]
        instance_id: Option<Vec<String>>,
        #[serde(rename = "SystemDisk", skip_serializing_if = "Option::is_none")]
        system_disk: Option<Disk>,
        #[serde(rename = "DataDisk", skip_serializing_if = "Option::is_none")]
        data_disk: Option<Vec<Disk>>,
        #[serde(
            rename = "InstanceIds",
            skip_serializing_if = "Option::is_none",
            serialize_with = "json_string"
        )]
        instance_ids: Option<Vec<String>>,
        #[serde(
            rename = "VbrInstanceIds",
            skip_serializing_if = "Option::is_none",
            serialize_with = "comma_joined"
        )]
        vbr_instance_ids: Option<Vec<String>>,
        #[serde(rename = "DryRun", skip_serializing_if = "Option::is_none")]
        dry_run: Option<bool>,
        #[serde(rename = "Price", skip_serializing_if = "Option::is_none")]
        price: Option<f64>,
    }

    fn pairs(r: &Request) -> Vec<(String, String)> {
        to_query_pairs(r).unwrap()
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn every_style() {
        let r = Request {
            region_id: "cn-hangzhou".into(),
            tag: Some(vec![
                Tag {
                    key: Some("a".into()),
                    value: Some("1".into()),
                },
                Tag {
                    key: Some("b".into()),
                    value: None,
                },
            ]),
            instance_id: Some(vec!["i-1".into(), "i-2".into()]),
            system_disk: Some(Disk {
                size: 40,
                encrypted: Some(true),
            }),
            data_disk: Some(vec![Disk {
                size: 100,
                encrypted: None,
            }]),
            instance_ids: Some(vec!["i-1".into(), "i-2".into()]),
            vbr_instance_ids: Some(vec!["vbr-1".into(), "vbr-2".into()]),
            dry_run: Some(false),
            price: Some(0.5),
        };
        assert_eq!(
            pairs(&r),
            [
                p("DataDisk.1.Size", "100"),
                p("DryRun", "false"),
                p("InstanceId.1", "i-1"),
                p("InstanceId.2", "i-2"),
                p("InstanceIds", r#"["i-1","i-2"]"#),
                p("Price", "0.5"),
                p("RegionId", "cn-hangzhou"),
                p("SystemDisk.Encrypted", "true"),
                p("SystemDisk.Size", "40"),
                p("Tag.1.Key", "a"),
                p("Tag.1.Value", "1"),
                p("Tag.2.Key", "b"),
                p("VbrInstanceIds", "vbr-1,vbr-2"),
            ]
        );
    }

    #[test]
    fn absent_and_empty_send_nothing() {
        let r = Request {
            region_id: "r".into(),
            tag: Some(Vec::new()),
            ..Default::default()
        };
        assert_eq!(pairs(&r), [p("RegionId", "r")]);
    }

    #[test]
    fn json_string_of_an_object_is_compact() {
        #[derive(Serialize)]
        struct Inner {
            #[serde(rename = "A")]
            a: u32,
            #[serde(rename = "B")]
            b: &'static str,
        }
        #[derive(Serialize)]
        struct R {
            #[serde(rename = "Parameters", serialize_with = "json_string")]
            parameters: Inner,
        }
        let got = to_query_pairs(&R {
            parameters: Inner { a: 1, b: "x y" },
        })
        .unwrap();
        assert_eq!(got, [p("Parameters", r#"{"A":1,"B":"x y"}"#)]);
    }

    #[test]
    fn rejects_non_struct_and_nested_lists_in_simple_style() {
        assert!(to_query_pairs(&vec![1, 2]).is_err());
        #[derive(Serialize)]
        struct R {
            #[serde(rename = "X", serialize_with = "comma_joined")]
            x: Vec<Vec<u8>>,
        }
        assert!(to_query_pairs(&R { x: vec![vec![1]] }).is_err());
    }

    proptest! {
        #[test]
        fn repeat_list_counts_from_one_in_order(ids in prop::collection::vec("[a-z0-9-]{1,12}", 0..30)) {
            let r = Request { region_id: "r".into(), instance_id: Some(ids.clone()), ..Default::default() };
            let got = pairs(&r);
            for (i, id) in ids.iter().enumerate() {
                let pair = (format!("InstanceId.{}", i + 1), id.clone());
                prop_assert!(got.contains(&pair));
            }
            prop_assert_eq!(got.len(), ids.len() + 1);
        }

        #[test]
        fn json_style_round_trips(ids in prop::collection::vec("\\PC{0,10}", 0..10)) {
            let r = Request { region_id: "r".into(), instance_ids: Some(ids.clone()), ..Default::default() };
            let got = pairs(&r);
            let text = &got.iter().find(|(k, _)| k == "InstanceIds").unwrap().1;
            // Compact: exactly serde_json's compact form (no space after `,` or `:`).
            prop_assert_eq!(text, &serde_json::to_string(&ids).unwrap());
            let back: Vec<String> = serde_json::from_str(text).unwrap();
            prop_assert_eq!(back, ids);
        }

        #[test]
        fn simple_style_joins_with_commas(ids in prop::collection::vec("[a-z0-9-]{1,12}", 1..10)) {
            let r = Request { region_id: "r".into(), vbr_instance_ids: Some(ids.clone()), ..Default::default() };
            let got = pairs(&r);
            let text = &got.iter().find(|(k, _)| k == "VbrInstanceIds").unwrap().1;
            let back: Vec<&str> = text.split(',').collect();
            prop_assert_eq!(back, ids.iter().map(String::as_str).collect::<Vec<_>>());
        }

        #[test]
        fn nested_lists_of_objects_flatten_with_dots(tags in prop::collection::vec(("[a-z]{1,5}", proptest::option::of("[a-z]{0,5}")), 0..25)) {
            let r = Request {
                region_id: "r".into(),
                tag: Some(tags.iter().map(|(k, v)| Tag { key: Some(k.clone()), value: v.clone() }).collect()),
                ..Default::default()
            };
            let got = pairs(&r);
            for (i, (k, v)) in tags.iter().enumerate() {
                let key = (format!("Tag.{}.Key", i + 1), k.clone());
                prop_assert!(got.contains(&key));
                let value = got.iter().find(|(name, _)| *name == format!("Tag.{}.Value", i + 1));
                prop_assert_eq!(value.map(|(_, v)| v.clone()), v.clone());
            }
        }
    }
}
