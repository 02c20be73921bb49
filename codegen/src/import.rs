//! Vendor spec files → normalised specs.
//!
//! Both importers read the vendor JSON as an untyped [`serde_json::Value`] and copy across only
//! the keys they understand, so any prose the vendor adds (descriptions, summaries, examples,
//! titles) can never leak into `specs/`.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::manifest::ActionPatch;
use crate::spec::{
    AlibabaAction, AlibabaSpec, FORMAT, Parameter, Property, Schema, TencentAction, TencentShape,
    TencentSpec,
};
use crate::{Error, Result};

/// Name of Tencent's vendor file for a service and version: `cvm-v20170312.full.json`.
pub fn tencent_vendor_file(service: &str, version: &str) -> String {
    format!("{service}-v{}.full.json", version.replace('-', ""))
}

/// Name of Alibaba's vendor file for a product and version: `ecs-2014-05-26.full.json`.
pub fn alibaba_vendor_file(product: &str, version: &str) -> String {
    format!("{product}-{version}.full.json")
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| Error::new(format!("{what}: expected an object")))
}

fn str_field<'a>(v: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::new(format!("{what}: missing string `{key}`")))
}

fn bool_field(v: &Map<String, Value>, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Imports the given actions of a Tencent tccli `api.json` document.
pub fn import_tencent(
    vendor_json: &str,
    service: &str,
    version: &str,
    actions: &[String],
) -> Result<TencentSpec> {
    let doc: Value = serde_json::from_str(vendor_json)
        .map_err(|e| Error::new(format!("tencent {service}: invalid JSON: {e}")))?;
    let doc = obj(&doc, "document")?;
    let api_version = doc
        .get("metadata")
        .and_then(|m| m.get("apiVersion"))
        .and_then(Value::as_str);
    if api_version != Some(version) {
        return Err(Error::new(format!(
            "tencent {service}: file is version {api_version:?}, manifest says {version}"
        )));
    }
    let vendor_actions = obj(doc.get("actions").unwrap_or(&Value::Null), "actions")?;
    let objects = obj(doc.get("objects").unwrap_or(&Value::Null), "objects")?;

    let mut out_actions = BTreeMap::new();
    let mut pending = Vec::new();
    for name in actions {
        let action = vendor_actions
            .get(name)
            .ok_or_else(|| Error::new(format!("tencent {service}: no action {name}")))?;
        let action = obj(action, name)?;
        let input = str_field(action, "input", name)?.to_owned();
        let output = str_field(action, "output", name)?.to_owned();
        pending.push(input.clone());
        pending.push(output.clone());
        out_actions.insert(name.clone(), TencentAction { input, output });
    }

    let mut shapes = BTreeMap::new();
    while let Some(name) = pending.pop() {
        if shapes.contains_key(&name) {
            continue;
        }
        let object = objects
            .get(&name)
            .ok_or_else(|| Error::new(format!("tencent {service}: no object {name}")))?;
        let members = obj(object, &name)?
            .get("members")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new(format!("tencent {service}: {name} has no members")))?;
        let mut props = Vec::with_capacity(members.len());
        for member in members {
            let member = obj(member, &name)?;
            let what = format!("tencent {service} {name}");
            let field = str_field(member, "name", &what)?;
            let ty = str_field(member, "type", &what)?;
            let inner = str_field(member, "member", &what)?;
            let schema = match ty {
                "object" => Schema::Ref {
                    name: inner.to_owned(),
                },
                "list" if objects.contains_key(inner) => Schema::array(Schema::Ref {
                    name: inner.to_owned(),
                }),
                "list" => Schema::array(tencent_primitive(inner, inner, &what)?),
                _ => tencent_primitive(ty, inner, &what)?,
            };
            if let Some(target) = referenced(&schema) {
                pending.push(target.to_owned());
            }
            let prop = Property {
                name: field.to_owned(),
                required: bool_field(member, "required"),
                output_required: bool_field(member, "output_required"),
                nullable: bool_field(member, "value_allowed_null"),
                schema,
            };
            match props.iter().find(|p: &&Property| p.name == prop.name) {
                Some(existing) if *existing == prop => {}
                Some(_) => {
                    return Err(Error::new(format!(
                        "{what}.{field}: listed twice, differently"
                    )));
                }
                None => props.push(prop),
            }
        }
        shapes.insert(name, TencentShape { members: props });
    }

    Ok(TencentSpec {
        format: FORMAT.to_owned(),
        service: service.to_owned(),
        version: version.to_owned(),
        actions: out_actions,
        shapes,
    })
}

/// The shape a schema names, directly or as its list element.
fn referenced(schema: &Schema) -> Option<&str> {
    match schema {
        Schema::Ref { name } => Some(name),
        Schema::Array { items, .. } => referenced(items),
        _ => None,
    }
}

/// Maps a Tencent scalar (`type`, `member`) pair to a schema.
fn tencent_primitive(ty: &str, member: &str, what: &str) -> Result<Schema> {
    Ok(match (ty, member) {
        ("string", "string") => Schema::string(),
        ("string", format) | ("datetime" | "datetime_iso" | "date" | "binary", format) => {
            Schema::String {
                format: Some(format.to_owned()),
                min_length: None,
                max_length: None,
                pattern: None,
                enum_values: None,
            }
        }
        ("int" | "int64" | "uint64" | "int32" | "uint32", format) => match format {
            "int64" | "uint64" | "int32" | "uint32" => Schema::integer(format),
            other => return Err(Error::new(format!("{what}: integer format {other}"))),
        },
        // Tencent's `float` is a JSON double (its SDKs use 64-bit floats).
        ("float" | "double", _) => Schema::Number {
            format: "double".to_owned(),
            minimum: None,
            maximum: None,
        },
        ("bool", _) => Schema::Boolean,
        (ty, member) => {
            return Err(Error::new(format!("{what}: unknown type {ty}/{member}")));
        }
    })
}

/// Imports the given actions of an Alibaba OpenAPI metadata (`api-docs.json`) document.
///
/// `product` is our module name (`ecs`); the vendor's product code (`Ecs`) is read from the file.
pub fn import_alibaba(
    vendor_json: &str,
    product: &str,
    version: &str,
    actions: &[String],
    patches: &BTreeMap<String, ActionPatch>,
) -> Result<AlibabaSpec> {
    let doc: Value = serde_json::from_str(vendor_json)
        .map_err(|e| Error::new(format!("alibaba {product}: invalid JSON: {e}")))?;
    let doc = obj(&doc, "document")?;
    let info = obj(doc.get("info").unwrap_or(&Value::Null), "info")?;
    let what = format!("alibaba {product}");
    let style = str_field(info, "style", &what)?;
    if style != "RPC" {
        return Err(Error::new(format!(
            "{what}: API style {style} is not supported"
        )));
    }
    let file_version = str_field(info, "version", &what)?;
    if file_version != version {
        return Err(Error::new(format!(
            "{what}: file is version {file_version}, manifest says {version}"
        )));
    }
    let product_code = str_field(info, "product", &what)?;
    let apis = obj(doc.get("apis").unwrap_or(&Value::Null), "apis")?;

    let mut out_actions = BTreeMap::new();
    for name in actions {
        let what = format!("alibaba {product} {name}");
        let api = apis
            .get(name)
            .ok_or_else(|| Error::new(format!("{what}: no such action")))?;
        let api = obj(api, &what)?;
        let methods = api
            .get("methods")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut parameters = Vec::new();
        for param in api
            .get("parameters")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let param = obj(param, &what)?;
            let pname = str_field(param, "name", &what)?;
            let pwhat = format!("{what} {pname}");
            let location = str_field(param, "in", &pwhat)?;
            let style = param.get("style").and_then(Value::as_str);
            let schema = param
                .get("schema")
                .ok_or_else(|| Error::new(format!("{pwhat}: no schema")))?;
            let parameter = Parameter {
                name: pname.to_owned(),
                location: location.to_owned(),
                style: style.map(str::to_owned),
                required: obj(schema, &pwhat).map(|s| bool_field(s, "required"))?,
                schema: alibaba_schema(schema, &pwhat)?,
            };
            // Some vendor files list a parameter twice (ECS RunInstances `RegionId`): keep one
            // copy of exact repeats, refuse ones that disagree.
            match parameters
                .iter()
                .find(|p: &&Parameter| p.name == parameter.name)
            {
                Some(existing) if *existing == parameter => {}
                Some(_) => {
                    return Err(Error::new(format!("{pwhat}: listed twice, differently")));
                }
                None => parameters.push(parameter),
            }
        }
        if let Some(patch) = patches.get(name) {
            apply_patch(&mut parameters, patch, &what)?;
        }
        let response = match api
            .get("responses")
            .and_then(|r| r.get("200"))
            .and_then(|r| r.get("schema"))
        {
            Some(schema) => alibaba_schema(schema, &format!("{what} response"))?,
            None => Schema::Object {
                properties: Vec::new(),
            },
        };
        out_actions.insert(
            name.clone(),
            AlibabaAction {
                methods,
                parameters,
                response,
            },
        );
    }

    Ok(AlibabaSpec {
        format: FORMAT.to_owned(),
        product: product.to_owned(),
        product_code: product_code.to_owned(),
        version: version.to_owned(),
        style: style.to_owned(),
        actions: out_actions,
    })
}

fn apply_patch(parameters: &mut Vec<Parameter>, patch: &ActionPatch, what: &str) -> Result<()> {
    for name in &patch.optional {
        let param = parameters
            .iter_mut()
            .find(|p| &p.name == name)
            .ok_or_else(|| Error::new(format!("{what}: patch: no parameter {name}")))?;
        param.required = false;
    }
    for added in &patch.add_parameters {
        if parameters.iter().any(|p| p.name == added.name) {
            return Err(Error::new(format!(
                "{what}: patch adds {}, which the spec already has",
                added.name
            )));
        }
        let schema = match added.ty.as_str() {
            "string" => Schema::string(),
            "integer" => Schema::integer("int32"),
            "long" => Schema::integer("int64"),
            "boolean" => Schema::Boolean,
            other => return Err(Error::new(format!("{what}: patch: unknown type {other}"))),
        };
        parameters.push(Parameter {
            name: added.name.clone(),
            location: "query".to_owned(),
            style: None,
            required: false,
            schema,
        });
    }
    Ok(())
}

/// A limit the vendor may write as a number or as a numeric string.
fn number_limit(
    v: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<serde_json::Number>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(n.clone())),
        Some(Value::String(s)) => {
            let n = if let Ok(i) = s.parse::<i64>() {
                serde_json::Number::from(i)
            } else {
                s.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .ok_or_else(|| Error::new(format!("{what}: bad {key} {s:?}")))?
            };
            Ok(Some(n))
        }
        Some(other) => Err(Error::new(format!("{what}: bad {key} {other}"))),
    }
}

fn count_limit(v: &Map<String, Value>, key: &str, what: &str) -> Result<Option<u64>> {
    match number_limit(v, key, what)? {
        None => Ok(None),
        Some(n) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| Error::new(format!("{what}: bad {key} {n}"))),
    }
}

/// Converts one Alibaba schema, keeping types, nesting and limits only.
fn alibaba_schema(schema: &Value, what: &str) -> Result<Schema> {
    let s = obj(schema, what)?;
    if s.contains_key("$ref") {
        return Err(Error::new(format!(
            "{what}: `$ref` schemas are not supported"
        )));
    }
    let ty = s.get("type").and_then(Value::as_str).unwrap_or("object");
    let format = s.get("format").and_then(Value::as_str);
    Ok(match ty {
        "string" => Schema::String {
            format: format.map(str::to_owned),
            min_length: count_limit(s, "minLength", what)?,
            max_length: count_limit(s, "maxLength", what)?,
            pattern: s.get("pattern").and_then(Value::as_str).map(str::to_owned),
            enum_values: s.get("enum").and_then(Value::as_array).map(|values| {
                values
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            }),
        },
        "integer" => Schema::Integer {
            format: match format {
                None | Some("int32") => "int32".to_owned(),
                Some("int64") => "int64".to_owned(),
                Some(other) => return Err(Error::new(format!("{what}: integer format {other}"))),
            },
            minimum: number_limit(s, "minimum", what)?,
            maximum: number_limit(s, "maximum", what)?,
        },
        "number" => Schema::Number {
            format: match format {
                Some("float") => "float".to_owned(),
                None | Some("double") => "double".to_owned(),
                Some(other) => return Err(Error::new(format!("{what}: number format {other}"))),
            },
            minimum: number_limit(s, "minimum", what)?,
            maximum: number_limit(s, "maximum", what)?,
        },
        "boolean" => Schema::Boolean,
        "array" => {
            let items = s
                .get("items")
                .ok_or_else(|| Error::new(format!("{what}: array without items")))?;
            Schema::Array {
                items: Box::new(alibaba_schema(items, &format!("{what}[]"))?),
                min_items: count_limit(s, "minItems", what)?,
                max_items: count_limit(s, "maxItems", what)?,
            }
        }
        "object" => {
            let mut properties = Vec::new();
            if let Some(props) = s.get("properties") {
                for (name, prop) in obj(props, what)? {
                    let pwhat = format!("{what}.{name}");
                    properties.push(Property {
                        name: name.clone(),
                        required: obj(prop, &pwhat).map(|p| bool_field(p, "required"))?,
                        output_required: false,
                        nullable: false,
                        schema: alibaba_schema(prop, &pwhat)?,
                    });
                }
            }
            // Vendor key order is not meaningful; sorting keeps output independent of how
            // serde_json was built.
            properties.sort_by(|a, b| a.name.cmp(&b.name));
            Schema::Object { properties }
        }
        other => return Err(Error::new(format!("{what}: unknown type {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::to_canonical_json;

    const TENCENT: &str = r#"{
      "version": "1.0",
      "metadata": {"apiVersion": "2020-01-01", "serviceShortName": "demo"},
      "actions": {
        "Ping": {"name": "Ping", "document": "Pings things.", "input": "PingRequest", "output": "PingResponse", "status": "online"},
        "Unused": {"input": "UnusedRequest", "output": "UnusedResponse"}
      },
      "objects": {
        "PingRequest": {"type": "object", "members": [
          {"name": "Ids", "type": "list", "member": "string", "required": true, "document": "The ids."},
          {"name": "Filters", "type": "list", "member": "Filter", "required": false}
        ]},
        "PingResponse": {"type": "object", "members": [
          {"name": "Count", "type": "int", "member": "uint64", "output_required": true, "value_allowed_null": true},
          {"name": "Price", "type": "float", "member": "float"},
          {"name": "RequestId", "type": "string", "member": "string"}
        ]},
        "Filter": {"usage": "in", "members": [
          {"name": "Name", "type": "string", "member": "string", "required": true, "example": "zone"},
          {"name": "At", "type": "string", "member": "datetime_iso"}
        ]},
        "UnusedRequest": {"members": []},
        "UnusedResponse": {"members": []}
      }
    }"#;

    #[test]
    fn tencent_keeps_manifest_actions_and_reachable_shapes_only() {
        let spec = import_tencent(TENCENT, "demo", "2020-01-01", &["Ping".to_owned()]).unwrap();
        assert_eq!(spec.actions.keys().collect::<Vec<_>>(), ["Ping"]);
        assert_eq!(
            spec.shapes.keys().collect::<Vec<_>>(),
            ["Filter", "PingRequest", "PingResponse"]
        );
        let req = &spec.shapes["PingRequest"].members;
        assert_eq!(req[0].schema, Schema::array(Schema::string()));
        assert!(req[0].required);
        assert_eq!(
            req[1].schema,
            Schema::array(Schema::Ref {
                name: "Filter".into()
            })
        );
        let resp = &spec.shapes["PingResponse"].members;
        assert_eq!(resp[0].schema, Schema::integer("uint64"));
        assert!(resp[0].output_required && resp[0].nullable);
        assert!(matches!(&resp[1].schema, Schema::Number { format, .. } if format == "double"));

        let text = to_canonical_json(&spec).unwrap();
        for prose in [
            "Pings things",
            "The ids",
            "zone",
            "document",
            "example",
            "usage",
        ] {
            assert!(!text.contains(prose), "{prose} leaked into {text}");
        }
    }

    #[test]
    fn tencent_rejects_wrong_version_and_unknown_action() {
        assert!(import_tencent(TENCENT, "demo", "2021-01-01", &["Ping".to_owned()]).is_err());
        assert!(import_tencent(TENCENT, "demo", "2020-01-01", &["Nope".to_owned()]).is_err());
    }

    const ALIBABA: &str = r#"{
      "info": {"style": "RPC", "product": "Demo", "version": "2020-01-01", "title": "Demo API"},
      "apis": {
        "Ping": {
          "summary": "Pings.",
          "methods": ["post", "get"],
          "parameters": [
            {"name": "RegionId", "in": "query", "schema": {"type": "string", "required": true, "description": "Region.", "example": "cn-hangzhou"}},
            {"name": "Tag", "in": "query", "style": "repeatList", "schema": {"type": "array", "maxItems": 20,
              "items": {"type": "object", "properties": {
                "Value": {"type": "string", "description": "v"},
                "Key": {"type": "string", "required": true}
              }}}},
            {"name": "RegionId", "in": "query", "schema": {"type": "string", "required": true}},
            {"name": "PageSize", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": "1", "maximum": "100", "default": "10"}}
          ],
          "responses": {"200": {"schema": {"type": "object", "properties": {
            "Items": {"type": "object", "properties": {"Item": {"type": "array", "items": {"type": "string"}}}},
            "RequestId": {"type": "string", "description": "Id of the request."}
          }}}}
        }
      }
    }"#;

    #[test]
    fn alibaba_keeps_structure_styles_and_limits() {
        let spec = import_alibaba(
            ALIBABA,
            "demo",
            "2020-01-01",
            &["Ping".to_owned()],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(spec.product_code, "Demo");
        let ping = &spec.actions["Ping"];
        assert_eq!(ping.methods, ["post", "get"]);
        let names: Vec<_> = ping.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["RegionId", "Tag", "PageSize"]);
        assert!(ping.parameters[0].required);
        assert_eq!(ping.parameters[1].style.as_deref(), Some("repeatList"));
        let Schema::Array {
            items, max_items, ..
        } = &ping.parameters[1].schema
        else {
            panic!("Tag is a list");
        };
        assert_eq!(*max_items, Some(20));
        let Schema::Object { properties } = items.as_ref() else {
            panic!("Tag items are objects");
        };
        // Sorted by name, required flag lifted onto the property.
        assert_eq!(properties[0].name, "Key");
        assert!(properties[0].required);
        assert_eq!(
            ping.parameters[2].schema,
            Schema::Integer {
                format: "int32".into(),
                minimum: Some(1.into()),
                maximum: Some(100.into())
            }
        );
        let text = to_canonical_json(&spec).unwrap();
        for prose in [
            "Pings",
            "Region.",
            "cn-hangzhou",
            "Id of the request",
            "Demo API",
        ] {
            assert!(!text.contains(prose), "{prose} leaked into {text}");
        }
    }

    #[test]
    fn alibaba_rejects_refs_and_non_rpc() {
        let with_ref = ALIBABA.replace(r#"{"type": "string", "required": true, "description": "Region.", "example": "cn-hangzhou"}"#, r##"{"$ref": "#/x"}"##);
        assert!(
            import_alibaba(
                &with_ref,
                "demo",
                "2020-01-01",
                &["Ping".to_owned()],
                &BTreeMap::new()
            )
            .is_err()
        );
        let roa = ALIBABA.replace("\"RPC\"", "\"ROA\"");
        assert!(
            import_alibaba(
                &roa,
                "demo",
                "2020-01-01",
                &["Ping".to_owned()],
                &BTreeMap::new()
            )
            .is_err()
        );
    }

    #[test]
    fn alibaba_patches_add_parameters_and_relax_required() {
        let patch: ActionPatch = toml::from_str(
            "optional = [\"RegionId\"]\nadd_parameters = [{ name = \"RouteTableId\", type = \"string\" }]",
        )
        .unwrap();
        let patches = BTreeMap::from([("Ping".to_owned(), patch)]);
        let spec = import_alibaba(
            ALIBABA,
            "demo",
            "2020-01-01",
            &["Ping".to_owned()],
            &patches,
        )
        .unwrap();
        let params = &spec.actions["Ping"].parameters;
        assert!(!params[0].required);
        let added = params.last().unwrap();
        assert_eq!(added.name, "RouteTableId");
        assert_eq!(added.schema, Schema::string());

        let bad: ActionPatch = toml::from_str("optional = [\"Nope\"]").unwrap();
        let patches = BTreeMap::from([("Ping".to_owned(), bad)]);
        assert!(
            import_alibaba(
                ALIBABA,
                "demo",
                "2020-01-01",
                &["Ping".to_owned()],
                &patches
            )
            .is_err()
        );
    }
}
