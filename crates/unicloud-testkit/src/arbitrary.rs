//! [`proptest`](mod@proptest) strategies for what a server (or a file) might hand a parser: arbitrary bytes,
//! JSON documents that use the field names the parser looks for, and such documents cut short
//! or with a byte changed.
//!
//! Purely random bytes are rarely valid JSON, and random JSON rarely has the keys a decoder
//! looks for, so [`response_bytes`] mixes all of these: a property over it reaches the
//! decoders' type checks, not only their first "not JSON" branch.
//!
//! ```
//! use proptest::prelude::*;
//! use unicloud_testkit::arbitrary::{http_status, response_bytes};
//!
//! proptest!(|(status in http_status(), body in response_bytes(&["RequestId", "Code"]))| {
//!     // call the parser under test with `status` and `body`; it must not panic
//!     prop_assert!(body.len() <= 64 * 1024);
//!     let _ = status;
//! });
//! ```

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// HTTP status codes: mostly the ones APIs answer (2xx, 4xx, 5xx), sometimes any `u16`
/// (including ones HTTP does not allow, such as `0` or `1000`).
pub fn http_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![200u16, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504]),
        1 => any::<u16>(),
    ]
}

/// Keys for generated objects: one of `keys` (as given, or a common envelope key) most of
/// the time, else an arbitrary short string.
fn key(keys: Vec<String>) -> impl Strategy<Value = String> {
    let mut known = keys;
    for k in ["Response", "Error", "Code", "Message", "RequestId"] {
        known.push(k.to_owned());
    }
    prop_oneof![
        3 => prop::sample::select(known),
        1 => "\\PC{0,12}",
    ]
}

/// Leaf values, biased to the edges a decoder mishandles: integer extremes, negative
/// numbers where counts are expected, floats, empty and odd strings, time-like strings.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![
            0i64,
            -1,
            1,
            i64::MIN,
            i64::MAX,
            i64::from(i32::MAX) + 1
        ])
        .prop_map(Value::from),
        prop::sample::select(vec![u64::MAX, u64::MAX / 2, 1 << 53]).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "",
            "Success",
            "2024-01-01T08:00:00Z",
            "2024-01-01T08:00Z",
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "2024-13-45T99:99:99+25:00",
            "ins-r8hr2upy",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

/// Arbitrary JSON values whose object keys are mostly drawn from `keys`, nested a few levels
/// deep (objects, arrays, and the leaves decoders find hardest).
pub fn json_value(keys: &[&str]) -> BoxedStrategy<Value> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    leaf()
        .prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(keys.clone()), inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
            ]
        })
        .boxed()
}

/// Arbitrary JSON objects (the top level of every vendor reply), keys mostly from `keys`.
pub fn json_object(keys: &[&str]) -> BoxedStrategy<Value> {
    let owned: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    prop::collection::vec((key(owned), json_value(keys)), 0..8)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
        .boxed()
}

/// Bytes a response body might hold (at most 64 KiB): random bytes; a JSON object with keys
/// from `keys`, as sent, wrapped in a `{"Response": …}` envelope, cut short, or with one byte
/// replaced.
pub fn response_bytes(keys: &[&str]) -> BoxedStrategy<Vec<u8>> {
    let json = json_object(keys)
        .prop_map(|v| v.to_string().into_bytes())
        .boxed();
    let enveloped = json_object(keys)
        .prop_map(|v| {
            let mut outer = Map::new();
            outer.insert("Response".to_owned(), v);
            Value::Object(outer).to_string().into_bytes()
        })
        .boxed();
    let any_json = prop_oneof![json.clone(), enveloped.clone()];
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..256),
        3 => json,
        3 => enveloped,
        1 => (any_json.clone(), any::<prop::sample::Index>()).prop_map(|(mut b, at)| {
            let cut = at.index(b.len() + 1);
            b.truncate(cut);
            b
        }),
        1 => (any_json, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut b, at, byte)| {
            if !b.is_empty() {
                let i = at.index(b.len());
                b[i] = byte;
            }
            b
        }),
    ]
    .prop_map(|mut b| {
        b.truncate(64 * 1024);
        b
    })
    .boxed()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// The mix reaches what it promises: valid JSON with the asked-for keys, envelopes,
    /// and bytes that are not JSON at all.
    #[test]
    fn the_mix_covers_json_envelopes_and_garbage() {
        let mut runner = TestRunner::deterministic();
        let strategy = response_bytes(&["TotalCount"]);
        let (mut json, mut envelope, mut garbage, mut key) = (0, 0, 0, 0);
        for _ in 0..400 {
            let bytes = strategy.new_tree(&mut runner).unwrap().current();
            assert!(bytes.len() <= 64 * 1024);
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => {
                    json += 1;
                    envelope += usize::from(v.get("Response").is_some());
                    key += usize::from(v.to_string().contains("\"TotalCount\""));
                }
                Err(_) => garbage += 1,
            }
        }
        assert!(
            json > 100 && envelope > 50 && garbage > 50 && key > 20,
            "{json} {envelope} {garbage} {key}"
        );
    }

    #[test]
    fn statuses_include_the_common_ones_and_oddities() {
        let mut runner = TestRunner::deterministic();
        let strategy = http_status();
        let seen: Vec<u16> = (0..400)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect();
        assert!(seen.contains(&200) && seen.contains(&503));
        assert!(seen.iter().any(|s| !(100..600).contains(s)));
    }
}
