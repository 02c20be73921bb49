//! Rendering results as JSON (stable field names, as in the interface specification) or as a
//! table (for people).

use std::io::Write;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use unicloud::compute::{Instance, StateChange};

use crate::args::OutputFormat;

/// The JSON object of an instance. Field names follow the interface specification
/// (`InstanceId`, ...) and never change meaning; new fields may be added.
pub(crate) fn instance_json(i: &Instance) -> Value {
    json!({
        "Provider": i.provider.as_str(),
        "InstanceId": i.id,
        "InstanceName": i.name,
        "State": i.state.as_str(),
        "RawState": i.raw_state,
        "InstanceType": i.instance_type,
        "ImageId": i.image_id,
        "Zone": i.zone,
        "VpcId": i.vpc_id,
        "SubnetId": i.subnet_id,
        "PrivateIpAddresses": i.private_ips,
        "PublicIpAddresses": i.public_ips,
        "Tags": i.tags,
        "CreatedTime": i.created_at.and_then(|t| OffsetDateTime::from(t).format(&Rfc3339).ok()),
    })
}

/// The JSON object of a state change.
pub(crate) fn change_json(c: &StateChange) -> Value {
    json!({
        "InstanceId": c.id,
        "PreviousState": c.previous.as_ref().map(|s| s.as_str().to_owned()),
        "CurrentState": c.current.as_str(),
    })
}

/// A plain aligned table: a header row and rows, columns separated by two spaces.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                l.push_str(cell);
                l.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

fn dash(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

/// The table rows of instances.
pub(crate) fn instance_rows(instances: &[Instance]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "PROVIDER",
        "INSTANCE ID",
        "NAME",
        "STATE",
        "TYPE",
        "ZONE",
        "PRIVATE IP",
        "TAGS",
    ];
    let rows = instances
        .iter()
        .map(|i| {
            let tags: Vec<String> = i
                .tags
                .iter()
                .filter(|(k, _)| k.as_str() != "Name")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            vec![
                i.provider.as_str().to_owned(),
                i.id.clone(),
                dash(i.name.as_deref()),
                i.state.as_str().to_owned(),
                dash(i.instance_type.as_deref()),
                dash(i.zone.as_deref()),
                dash(i.private_ip()),
                if tags.is_empty() {
                    "-".to_owned()
                } else {
                    tags.join(",")
                },
            ]
        })
        .collect();
    (headers, rows)
}

/// Writes `value` as pretty JSON or `table` to stdout.
pub(crate) fn print(format: OutputFormat, value: &Value, table_text: impl FnOnce() -> String) {
    let text = match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
            s.push('\n');
            s
        }
        OutputFormat::Table => table_text(),
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use unicloud::compute::InstanceState;
    use unicloud::core::Provider;

    use super::*;

    #[test]
    fn instance_json_uses_the_specified_field_names() {
        let mut i = Instance::new(Provider::Tencent, "ins-1", InstanceState::Running);
        i.name = Some("web".into());
        i.private_ips = vec!["10.0.0.2".into()];
        i.tags.insert("env".into(), "prod".into());
        let v = instance_json(&i);
        assert_eq!(v["InstanceId"], "ins-1");
        assert_eq!(v["InstanceName"], "web");
        assert_eq!(v["State"], "running");
        assert_eq!(v["Provider"], "tencent");
        assert_eq!(v["PrivateIpAddresses"][0], "10.0.0.2");
        assert_eq!(v["Tags"]["env"], "prod");
        assert!(v["CreatedTime"].is_null());
    }

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["A", "LONGER"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["q".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    LONGER\nxyz  1\nq    22\n");
    }
}
