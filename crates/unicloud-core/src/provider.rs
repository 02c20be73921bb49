//! The clouds unicloud speaks to.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};

/// A cloud provider.
///
/// Parsing is case-insensitive and accepts the common aliases:
///
/// ```
/// use unicloud_core::Provider;
///
/// assert_eq!("aws".parse::<Provider>().unwrap(), Provider::Aws);
/// assert_eq!("TencentCloud".parse::<Provider>().unwrap(), Provider::Tencent);
/// assert_eq!("aliyun".parse::<Provider>().unwrap(), Provider::Alibaba);
/// assert!("azure".parse::<Provider>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Provider {
    /// Amazon Web Services.
    Aws,
    /// Tencent Cloud (accepted spellings: `tencent`, `tencentcloud`).
    Tencent,
    /// Alibaba Cloud (accepted spellings: `alibaba`, `aliyun`, `alibabacloud`).
    Alibaba,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 3] = [Provider::Aws, Provider::Tencent, Provider::Alibaba];

    /// The canonical lower-case name (`aws`, `tencent`, `alibaba`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Tencent => "tencent",
            Provider::Alibaba => "alibaba",
        }
    }

    /// A human-readable name for tables and messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Aws => "AWS",
            Provider::Tencent => "Tencent Cloud",
            Provider::Alibaba => "Alibaba Cloud",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "aws" | "amazon" => Ok(Provider::Aws),
            "tencent" | "tencentcloud" | "tencent-cloud" | "qcloud" => Ok(Provider::Tencent),
            "alibaba" | "aliyun" | "alibabacloud" | "alibaba-cloud" => Ok(Provider::Alibaba),
            _ => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("unknown provider `{s}` (expected aws, tencent or alibaba)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_aliases() {
        for (s, p) in [
            ("aws", Provider::Aws),
            ("AWS", Provider::Aws),
            ("tencent", Provider::Tencent),
            ("tencentcloud", Provider::Tencent),
            ("TencentCloud", Provider::Tencent),
            ("alibaba", Provider::Alibaba),
            ("aliyun", Provider::Alibaba),
            ("alibabacloud", Provider::Alibaba),
            (" Aliyun ", Provider::Alibaba),
        ] {
            assert_eq!(s.parse::<Provider>().unwrap(), p, "{s}");
        }
    }

    #[test]
    fn rejects_unknown_with_invalid_input() {
        let err = "gcp".parse::<Provider>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("gcp"));
    }

    #[test]
    fn display_round_trips() {
        for p in Provider::ALL {
            assert_eq!(p.to_string().parse::<Provider>().unwrap(), p);
        }
    }
}
