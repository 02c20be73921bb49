//! Regions, validated per provider.

use std::fmt;

use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

/// A region of one provider, such as `us-east-1`, `ap-guangzhou` or `cn-hangzhou`.
///
/// Clouds add regions all the time, so any *well-formed* name is accepted; a malformed one is an
/// [`ErrorKind::InvalidInput`] error. The shapes checked are:
///
/// | provider | shape | examples |
/// |---|---|---|
/// | AWS | lower-case words joined by `-`, the last one a number | `us-east-1`, `us-gov-west-1`, `cn-north-1` |
/// | Tencent | lower-case words of letters joined by `-` | `ap-guangzhou`, `ap-shanghai-fsi`, `na-siliconvalley` |
/// | Alibaba | lower-case words of letters or digits joined by `-` | `cn-hangzhou`, `ap-southeast-1`, `cn-shanghai-finance-1` |
///
/// In every case the first word has two letters, there are at least two words and the whole
/// name is at most 64 characters.
///
/// ```
/// use unicloud_core::{Provider, Region};
///
/// let r = Region::new(Provider::Tencent, "ap-guangzhou").unwrap();
/// assert_eq!(r.as_str(), "ap-guangzhou");
/// assert!(Region::new(Provider::Aws, "us-east").is_err());
/// assert!(Region::new(Provider::Alibaba, "CN_Hangzhou").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    provider: Provider,
    name: String,
}

impl Region {
    /// Validates `name` as a region of `provider`.
    pub fn new(provider: Provider, name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        validate(provider, &name)?;
        Ok(Self { provider, name })
    }

    /// The region's name as the provider spells it.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The provider this region belongs to.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The region each provider's own tools use when none is configured
    /// (`us-east-1`, `ap-guangzhou`, `cn-hangzhou`).
    pub fn default_for(provider: Provider) -> Self {
        let name = match provider {
            Provider::Aws => "us-east-1",
            Provider::Tencent => "ap-guangzhou",
            Provider::Alibaba => "cn-hangzhou",
        };
        Self {
            provider,
            name: name.to_owned(),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

fn validate(provider: Provider, name: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "malformed {} region `{}`: {why}",
                provider.as_str(),
                name.escape_debug()
            ),
        ))
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > 64 {
        return bad("longer than 64 characters");
    }
    let words: Vec<&str> = name.split('-').collect();
    if words.len() < 2 {
        return bad("expected words joined by `-`, such as `ap-guangzhou`");
    }
    if words.iter().any(|w| w.is_empty()) {
        return bad("empty word between `-`");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return bad("only lower-case letters, digits and `-` are allowed");
    }
    let first = words[0];
    if first.len() != 2 || !first.bytes().all(|b| b.is_ascii_lowercase()) {
        return bad("must start with a two-letter area such as `us`, `ap` or `cn`");
    }
    match provider {
        Provider::Aws => {
            let last = words[words.len() - 1];
            if !last.bytes().all(|b| b.is_ascii_digit()) {
                return bad("AWS regions end in a number, such as `us-east-1`");
            }
            if words.len() < 3 {
                return bad("AWS regions have at least three words, such as `us-east-1`");
            }
        }
        Provider::Tencent => {
            if name.bytes().any(|b| b.is_ascii_digit()) {
                return bad("Tencent Cloud regions have no digits, such as `ap-guangzhou`");
            }
        }
        Provider::Alibaba => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_regions() {
        let ok = [
            (Provider::Aws, "us-east-1"),
            (Provider::Aws, "us-gov-west-1"),
            (Provider::Aws, "cn-northwest-1"),
            (Provider::Aws, "ap-southeast-5"),
            (Provider::Aws, "eu-isoe-west-1"),
            (Provider::Tencent, "ap-guangzhou"),
            (Provider::Tencent, "ap-shanghai-fsi"),
            (Provider::Tencent, "na-siliconvalley"),
            (Provider::Tencent, "eu-frankfurt"),
            (Provider::Alibaba, "cn-hangzhou"),
            (Provider::Alibaba, "cn-shanghai-finance-1"),
            (Provider::Alibaba, "ap-southeast-1"),
            (Provider::Alibaba, "cn-hongkong"),
        ];
        for (p, r) in ok {
            assert_eq!(Region::new(p, r).unwrap().as_str(), r, "{p} {r}");
        }
    }

    #[test]
    fn accepts_unknown_but_well_formed() {
        assert!(Region::new(Provider::Aws, "mx-central-9").is_ok());
        assert!(Region::new(Provider::Tencent, "sa-bogota").is_ok());
        assert!(Region::new(Provider::Alibaba, "me-riyadh-2").is_ok());
    }

    #[test]
    fn rejects_malformed() {
        let bad = [
            (Provider::Aws, ""),
            (Provider::Aws, "us-east"),
            (Provider::Aws, "useast1"),
            (Provider::Aws, "US-EAST-1"),
            (Provider::Aws, "us--east-1"),
            (Provider::Aws, "us-east-1 "),
            (Provider::Tencent, "ap-guangzhou-3"),
            (Provider::Tencent, "guangzhou"),
            (Provider::Alibaba, "cn_hangzhou"),
            (Provider::Alibaba, "cn-hangzhou-"),
            (Provider::Alibaba, "c-hangzhou"),
            (Provider::Alibaba, "cn-hangzhou/../x"),
        ];
        for (p, r) in bad {
            let err = Region::new(p, r).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{p} {r:?}");
        }
        let long = format!("cn-{}", "a".repeat(70));
        assert!(Region::new(Provider::Alibaba, long).is_err());
    }

    #[test]
    fn defaults() {
        assert_eq!(Region::default_for(Provider::Aws).as_str(), "us-east-1");
        assert_eq!(
            Region::default_for(Provider::Tencent).as_str(),
            "ap-guangzhou"
        );
        assert_eq!(
            Region::default_for(Provider::Alibaba).as_str(),
            "cn-hangzhou"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,80}") {
            for p in Provider::ALL {
                let _ = Region::new(p, s.clone());
            }
        }
    }
}
