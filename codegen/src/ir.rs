//! The intermediate representation: what one generated module contains, with every naming and
//! typing decision already made, so [`crate::emit`] only prints.

use std::collections::{BTreeMap, BTreeSet};

use crate::naming::{self, FieldIdent};
use crate::spec::{AlibabaSpec, Property, Schema, TencentSpec};
use crate::{Error, Result};

/// Which provider runtime the module is generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// `unicloud-tencent`: JSON bodies.
    Tencent,
    /// `unicloud-alibaba`: flattened query parameters.
    Alibaba,
}

/// One generated file: a service (Tencent) or product (Alibaba) at one API version.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// Provider.
    pub vendor: Vendor,
    /// Module file and cargo feature name (`cvm`).
    pub name: String,
    /// Human-readable service name for docs (`CVM`).
    pub title: String,
    /// Service (Tencent) or product code (Alibaba) as the wire needs it (`cvm`, `Ecs`).
    pub api_name: String,
    /// API version.
    pub version: String,
    /// Structs in output order.
    pub structs: Vec<Struct>,
    /// One per action, in action-name order.
    pub operations: Vec<Operation>,
}

/// An action: its name and the Rust types of request and response.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Vendor action name.
    pub action: String,
    /// Request struct name.
    pub input: String,
    /// Response struct name.
    pub output: String,
    /// Whether sending the request twice has the effect of sending it once: reads
    /// (`Describe…`, `List…`, `Get…`, `Query…`), requests that carry a `ClientToken`, and the
    /// actions the manifest lists under `idempotent`. The runtime retries a call that may have
    /// been applied (a time-out, a dropped connection) only when this is true.
    pub idempotent: bool,
}

/// Action-name prefixes of read-only calls.
const READ_PREFIXES: &[&str] = &[
    "Describe", "List", "Get", "Query", "Inquiry", "Inquire", "Check",
];

impl Module {
    /// Marks each operation idempotent by the rules of [`Operation::idempotent`], with `extra`
    /// naming further actions the manifest declares safe to repeat.
    pub fn mark_idempotent(&mut self, extra: &[String]) {
        for op in &mut self.operations {
            let read = READ_PREFIXES.iter().any(|p| {
                op.action.strip_prefix(p).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase())
                })
            });
            let token = self
                .structs
                .iter()
                .find(|s| s.name == op.input)
                .is_some_and(|s| s.fields.iter().any(|f| f.wire == "ClientToken"));
            op.idempotent = read || token || extra.contains(&op.action);
        }
    }
}

/// A generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Rust type name.
    pub name: String,
    /// Doc comment (our words).
    pub doc: String,
    /// Fields in wire order.
    pub fields: Vec<Field>,
}

impl Struct {
    /// Whether any field must be redacted in `Debug`.
    pub fn has_sensitive(&self) -> bool {
        self.fields.iter().any(|f| f.sensitive)
    }
}

/// A generated field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust identifier.
    pub ident: FieldIdent,
    /// Vendor name on the wire.
    pub wire: String,
    /// Rust type, before any `Option`.
    pub ty: Type,
    /// Wrapped in `Option`.
    pub optional: bool,
    /// How the value is put on the wire.
    pub encoding: Encoding,
    /// Redacted in `Debug`.
    pub sensitive: bool,
    /// Doc comment (our words).
    pub doc: String,
}

/// A Rust type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `Vec<T>`.
    List(Box<Type>),
    /// A generated struct of the same module.
    Named(String),
}

/// Alibaba wire style of a field, as far as serialisation must differ from plain nesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Nested values flatten to dotted names (`Tag.1.Key`); scalars as text. Tencent: plain JSON.
    Plain,
    /// The whole value is sent as one JSON-encoded string (`style: json`).
    JsonString,
    /// A list of scalars sent as one comma-joined string (`style: simple`).
    CommaJoined,
}

/// Type names the generated code relies on; a shape with one of these names would shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Default",
    "Serialize",
    "Deserialize",
    "Clone",
    "Debug",
    "PartialEq",
    "Action",
];

fn integer_type(format: &str) -> Result<Type> {
    Ok(match format {
        "int32" => Type::I32,
        "int64" => Type::I64,
        "uint32" => Type::U32,
        "uint64" => Type::U64,
        other => return Err(Error::new(format!("unknown integer format {other}"))),
    })
}

fn number_type(format: &str) -> Result<Type> {
    Ok(match format {
        "float" => Type::F32,
        "double" => Type::F64,
        other => return Err(Error::new(format!("unknown number format {other}"))),
    })
}

/// Words describing a schema for a field doc: `list of string`, `int64`, ...
fn describe(schema: &Schema) -> String {
    match schema {
        Schema::String { format: None, .. } => "string".to_owned(),
        Schema::String {
            format: Some(f), ..
        } => format!("string ({f})"),
        Schema::Integer { format, .. } => format.clone(),
        Schema::Number { format, .. } => format.clone(),
        Schema::Boolean => "boolean".to_owned(),
        Schema::Array { items, .. } => format!("list of {}", describe(items)),
        Schema::Object { .. } => "object".to_owned(),
        Schema::Ref { name } => format!("`{name}`"),
    }
}

/// Limits worth telling a caller about, as a sentence fragment.
fn limits(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    match schema {
        Schema::Integer {
            minimum, maximum, ..
        }
        | Schema::Number {
            minimum, maximum, ..
        } => match (minimum, maximum) {
            (Some(lo), Some(hi)) => out.push(format!("from {lo} to {hi}")),
            (Some(lo), None) => out.push(format!("at least {lo}")),
            (None, Some(hi)) => out.push(format!("at most {hi}")),
            (None, None) => {}
        },
        Schema::Array {
            min_items,
            max_items,
            ..
        } => {
            if let Some(n) = min_items {
                out.push(format!("at least {n} items"));
            }
            if let Some(n) = max_items {
                out.push(format!("at most {n} items"));
            }
        }
        Schema::String {
            min_length,
            max_length,
            ..
        } => {
            if let Some(n) = min_length {
                out.push(format!("at least {n} characters"));
            }
            if let Some(n) = max_length {
                out.push(format!("at most {n} characters"));
            }
        }
        _ => {}
    }
    out
}

fn field_doc(prop: &Property, required: bool, note: Option<&str>) -> String {
    let mut doc = format!("`{}`: {}", prop.name, describe(&prop.schema));
    if required {
        doc.push_str(", required");
    }
    for limit in limits(&prop.schema) {
        doc.push_str(", ");
        doc.push_str(&limit);
    }
    doc.push('.');
    if let Some(note) = note {
        doc.push(' ');
        doc.push_str(note);
    }
    doc
}

/// Assigns Rust identifiers to a struct's fields, suffixing later duplicates (`Key` and `key`
/// both want `key`).
fn field_idents(names: &[&str]) -> Vec<(FieldIdent, bool)> {
    let mut used = BTreeSet::new();
    names
        .iter()
        .map(|name| {
            let ident = naming::field_ident(name);
            if used.insert(ident.name().to_owned()) {
                return (ident, false);
            }
            let mut n = 2;
            loop {
                let candidate = format!("{}_{n}", ident.name());
                if used.insert(candidate.clone()) {
                    return (FieldIdent::Plain(candidate), true);
                }
                n += 1;
            }
        })
        .collect()
}

/// Lowers a normalised Tencent spec.
///
/// Request fields are `Option` unless the vendor marks them required. Fields of any shape that
/// a response can reach are all `Option`: vendors omit or null fields their spec promises, and a
/// response must still parse.
pub fn lower_tencent(spec: &TencentSpec, sensitive: &[String]) -> Result<Module> {
    let title = spec.service.to_ascii_uppercase();
    let what = format!("tencent {} {}", spec.service, spec.version);

    let mut rust_names = BTreeMap::new();
    let mut taken = BTreeMap::new();
    for name in spec.shapes.keys() {
        let rust = naming::pascal_case(name);
        if RESERVED_TYPES.contains(&rust.as_str()) {
            return Err(Error::new(format!("{what}: shape name {name} is reserved")));
        }
        if let Some(other) = taken.insert(rust.clone(), name.clone()) {
            return Err(Error::new(format!(
                "{what}: shapes {other} and {name} both become {rust}"
            )));
        }
        rust_names.insert(name.clone(), rust);
    }

    let reach = |roots: Vec<&String>| -> Result<BTreeSet<String>> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.into_iter().cloned().collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let shape = spec
                .shapes
                .get(&name)
                .ok_or_else(|| Error::new(format!("{what}: missing shape {name}")))?;
            for m in &shape.members {
                if let Some(target) = ref_target(&m.schema) {
                    stack.push(target.to_owned());
                }
            }
        }
        Ok(seen)
    };
    let in_response = reach(spec.actions.values().map(|a| &a.output).collect())?;

    let mut roles: BTreeMap<&str, String> = BTreeMap::new();
    for (action, a) in &spec.actions {
        roles.insert(
            &a.input,
            format!(
                "Request of Tencent Cloud {title} {} `{action}`.",
                spec.version
            ),
        );
        roles.insert(
            &a.output,
            format!(
                "Response of Tencent Cloud {title} {} `{action}`: the object inside the \
                 `Response` envelope.",
                spec.version
            ),
        );
    }

    // Requests and responses first, action by action, then the shared shapes by name.
    let mut order: Vec<&String> = Vec::new();
    for a in spec.actions.values() {
        order.push(&a.input);
        order.push(&a.output);
    }
    for name in spec.shapes.keys() {
        if !order.contains(&name) {
            order.push(name);
        }
    }

    let mut structs = Vec::new();
    for name in order {
        let shape = &spec.shapes[name];
        let all_optional = in_response.contains(name);
        let names: Vec<&str> = shape.members.iter().map(|m| m.name.as_str()).collect();
        let idents = field_idents(&names);
        let mut fields = Vec::new();
        for (m, (ident, renamed)) in shape.members.iter().zip(idents) {
            let required = m.required && !all_optional;
            let note =
                renamed.then_some("Named with a suffix: another field has the same Rust name.");
            fields.push(Field {
                ident,
                wire: m.name.clone(),
                ty: tencent_type(&m.schema, &rust_names)
                    .map_err(|e| e.context(format!("{what} {name}.{}", m.name)))?,
                optional: !required,
                encoding: Encoding::Plain,
                sensitive: sensitive.contains(&m.name),
                doc: field_doc(m, required, note),
            });
        }
        let doc = roles.get(name.as_str()).cloned().unwrap_or_else(|| {
            format!("Tencent Cloud {title} {} data type `{name}`.", spec.version)
        });
        structs.push(Struct {
            name: rust_names[name].clone(),
            doc,
            fields,
        });
    }

    let operations = spec
        .actions
        .iter()
        .map(|(action, a)| Operation {
            action: action.clone(),
            input: rust_names[&a.input].clone(),
            output: rust_names[&a.output].clone(),
            idempotent: false,
        })
        .collect();

    let mut module = Module {
        vendor: Vendor::Tencent,
        name: spec.service.clone(),
        title,
        api_name: spec.service.clone(),
        version: spec.version.clone(),
        structs,
        operations,
    };
    module.mark_idempotent(&[]);
    Ok(module)
}

fn ref_target(schema: &Schema) -> Option<&str> {
    match schema {
        Schema::Ref { name } => Some(name),
        Schema::Array { items, .. } => ref_target(items),
        _ => None,
    }
}

fn scalar_type(schema: &Schema) -> Result<Option<Type>> {
    Ok(Some(match schema {
        Schema::String { .. } => Type::String,
        Schema::Integer { format, .. } => integer_type(format)?,
        Schema::Number { format, .. } => number_type(format)?,
        Schema::Boolean => Type::Bool,
        _ => return Ok(None),
    }))
}

fn tencent_type(schema: &Schema, names: &BTreeMap<String, String>) -> Result<Type> {
    if let Some(t) = scalar_type(schema)? {
        return Ok(t);
    }
    Ok(match schema {
        Schema::Array { items, .. } => Type::List(Box::new(tencent_type(items, names)?)),
        Schema::Ref { name } => Type::Named(
            names
                .get(name)
                .cloned()
                .ok_or_else(|| Error::new(format!("unknown shape {name}")))?,
        ),
        Schema::Object { .. } => return Err(Error::new("inline objects are not expected")),
        _ => return Err(Error::new("unsupported schema")),
    })
}

/// Lowers a normalised Alibaba spec.
///
/// Every action yields `<Action>Request` and `<Action>Response`; inline objects become structs
/// named after the action and the field that holds them (`DescribeInstancesInstance` for the
/// elements of `Instances.Instance`), with the parent's name added when that is already taken.
/// Request fields are `Option` unless required; every response field is `Option`.
pub fn lower_alibaba(spec: &AlibabaSpec, sensitive: &[String]) -> Result<Module> {
    let title = if spec.product.len() <= 3 {
        spec.product.to_ascii_uppercase()
    } else {
        spec.product_code.clone()
    };
    let mut cx = AlibabaLowering {
        title: &title,
        version: &spec.version,
        sensitive,
        taken: BTreeSet::new(),
        structs: Vec::new(),
    };
    let mut operations = Vec::new();
    for action in spec.actions.keys() {
        for suffix in ["Request", "Response"] {
            cx.claim(format!("{}{suffix}", naming::pascal_case(action)))?;
        }
    }
    for (action, a) in &spec.actions {
        let what = format!("alibaba {} {} {action}", spec.product, spec.version);
        let action_rust = naming::pascal_case(action);
        let input = format!("{action_rust}Request");
        let output = format!("{action_rust}Response");

        // Request.
        let names: Vec<&str> = a.parameters.iter().map(|p| p.name.as_str()).collect();
        let idents = field_idents(&names);
        let mut fields = Vec::new();
        let slot = cx.structs.len();
        for (p, (ident, renamed)) in a.parameters.iter().zip(idents) {
            if p.location != "query" {
                return Err(Error::new(format!(
                    "{what}: parameter {} is in {}, only query parameters are supported",
                    p.name, p.location
                )));
            }
            let (encoding, note) = match p.style.as_deref() {
                None | Some("repeatList" | "flat") => (Encoding::Plain, None),
                Some("json") if !matches!(p.schema, Schema::String { .. }) => (
                    Encoding::JsonString,
                    Some("Sent as one JSON-encoded string."),
                ),
                Some("json") => (Encoding::Plain, None),
                Some("simple") => (
                    Encoding::CommaJoined,
                    Some("Sent as one comma-joined string."),
                ),
                Some(other) => {
                    return Err(Error::new(format!(
                        "{what}: {}: unknown style {other}",
                        p.name
                    )));
                }
            };
            let note = match (note, renamed) {
                (Some(n), _) => Some(n),
                (None, true) => Some("Named with a suffix: another field has the same Rust name."),
                (None, false) => None,
            };
            let ty = cx
                .lower_type(
                    &p.schema,
                    &action_rust,
                    "",
                    &p.name,
                    &what,
                    Role::Request(action),
                )
                .map_err(|e| e.context(format!("{what} {}", p.name)))?;
            let prop = Property {
                name: p.name.clone(),
                required: p.required,
                output_required: false,
                nullable: false,
                schema: p.schema.clone(),
            };
            fields.push(Field {
                ident,
                wire: p.name.clone(),
                ty,
                optional: !p.required,
                encoding,
                sensitive: sensitive.contains(&p.name),
                doc: field_doc(&prop, p.required, note),
            });
        }
        cx.structs.insert(
            slot,
            Struct {
                name: input.clone(),
                doc: format!(
                    "Request of Alibaba Cloud {title} {} `{action}`.",
                    spec.version
                ),
                fields,
            },
        );

        // Response.
        let Schema::Object { properties } = &a.response else {
            return Err(Error::new(format!("{what}: response is not an object")));
        };
        let slot = cx.structs.len();
        let fields =
            cx.lower_properties(properties, &action_rust, "", &what, Role::Response(action))?;
        cx.structs.insert(
            slot,
            Struct {
                name: output.clone(),
                doc: format!(
                    "Response of Alibaba Cloud {title} {} `{action}`.",
                    spec.version
                ),
                fields,
            },
        );
        operations.push(Operation {
            action: action.clone(),
            input,
            output,
            idempotent: false,
        });
    }
    let mut module = Module {
        vendor: Vendor::Alibaba,
        name: spec.product.clone(),
        title: title.clone(),
        api_name: spec.product_code.clone(),
        version: spec.version.clone(),
        structs: cx.structs,
        operations,
    };
    module.mark_idempotent(&[]);
    Ok(module)
}

#[derive(Clone, Copy)]
enum Role<'a> {
    Request(&'a str),
    Response(&'a str),
}

struct AlibabaLowering<'a> {
    title: &'a str,
    version: &'a str,
    sensitive: &'a [String],
    taken: BTreeSet<String>,
    structs: Vec<Struct>,
}

impl AlibabaLowering<'_> {
    fn claim(&mut self, name: String) -> Result<String> {
        if RESERVED_TYPES.contains(&name.as_str()) || !self.taken.insert(name.clone()) {
            return Err(Error::new(format!("type name {name} is taken")));
        }
        Ok(name)
    }

    /// Picks a struct name for an inline object held by field `field` of `parent`.
    fn struct_name(&mut self, action: &str, parent: &str, field: &str) -> Result<String> {
        let field = naming::pascal_case(field);
        let parent = naming::pascal_case(parent);
        let mut candidates = vec![format!("{action}{field}")];
        if !parent.is_empty() {
            candidates.push(format!("{action}{parent}{field}"));
        }
        for c in &candidates {
            if !self.taken.contains(c) && !RESERVED_TYPES.contains(&c.as_str()) {
                return self.claim(c.clone());
            }
        }
        let base = candidates.pop().unwrap_or_default();
        for n in 2.. {
            let c = format!("{base}{n}");
            if !self.taken.contains(&c) {
                return self.claim(c);
            }
        }
        Err(Error::new("no free type name"))
    }

    fn lower_type(
        &mut self,
        schema: &Schema,
        action: &str,
        parent: &str,
        field: &str,
        what: &str,
        role: Role<'_>,
    ) -> Result<Type> {
        if let Some(t) = scalar_type(schema)? {
            return Ok(t);
        }
        match schema {
            Schema::Array { items, .. } => Ok(Type::List(Box::new(
                self.lower_type(items, action, parent, field, what, role)?,
            ))),
            Schema::Object { properties } => {
                let name = self.struct_name(action, parent, field)?;
                let slot = self.structs.len();
                let fields = self.lower_properties(properties, action, field, what, role)?;
                let doc = match role {
                    Role::Request(a) => format!(
                        "Value of `{field}` in the request of Alibaba Cloud {} {} `{a}`.",
                        self.title, self.version
                    ),
                    Role::Response(a) => format!(
                        "Value of `{field}` in the response of Alibaba Cloud {} {} `{a}`.",
                        self.title, self.version
                    ),
                };
                self.structs.insert(
                    slot,
                    Struct {
                        name: name.clone(),
                        doc,
                        fields,
                    },
                );
                Ok(Type::Named(name))
            }
            _ => Err(Error::new(format!(
                "{what}: unsupported schema {}",
                describe(schema)
            ))),
        }
    }

    fn lower_properties(
        &mut self,
        properties: &[Property],
        action: &str,
        parent: &str,
        what: &str,
        role: Role<'_>,
    ) -> Result<Vec<Field>> {
        let names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        let idents = field_idents(&names);
        let mut fields = Vec::new();
        for (p, (ident, renamed)) in properties.iter().zip(idents) {
            let required = matches!(role, Role::Request(_)) && p.required;
            let note =
                renamed.then_some("Named with a suffix: another field has the same Rust name.");
            let ty = self.lower_type(&p.schema, action, parent, &p.name, what, role)?;
            fields.push(Field {
                ident,
                wire: p.name.clone(),
                ty,
                optional: !required,
                encoding: Encoding::Plain,
                sensitive: self.sensitive.contains(&p.name),
                doc: field_doc(p, required, note),
            });
        }
        Ok(fields)
    }
}
