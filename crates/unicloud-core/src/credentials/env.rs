//! Environment variables, behind a value so tests never touch the process environment.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::BoxFuture;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

/// Where environment variables are read from: the real process environment, or a fixed map.
///
/// ```
/// use unicloud_core::credentials::Env;
///
/// let env = Env::from_pairs([("HOME", "/home/me")]);
/// assert_eq!(env.get("HOME").as_deref(), Some("/home/me"));
/// assert_eq!(env.get("USER"), None);
/// ```
#[derive(Clone, Default)]
pub struct Env {
    fixed: Option<Arc<HashMap<String, String>>>,
}

impl Env {
    /// The process environment.
    pub fn real() -> Self {
        Self { fixed: None }
    }

    /// A fixed set of variables (for tests and for embedding).
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            fixed: Some(Arc::new(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
        }
    }

    /// A variable's value; unset, empty and non-UTF-8 values all read as `None`.
    pub fn get(&self, key: &str) -> Option<String> {
        let v = match &self.fixed {
            Some(map) => map.get(key).cloned(),
            None => std::env::var(key).ok(),
        };
        v.filter(|s| !s.trim().is_empty())
    }

    /// The user's home directory (`HOME`, or `USERPROFILE` on Windows).
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.get("HOME")
            .or_else(|| self.get("USERPROFILE"))
            .map(PathBuf::from)
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only where they come from.
        match &self.fixed {
            None => f.write_str("Env::real"),
            Some(map) => write!(f, "Env::fixed({} variables)", map.len()),
        }
    }
}

/// Reads credentials from the provider's environment variables.
///
/// | provider | access key id | secret | token |
/// |---|---|---|---|
/// | Tencent | `TENCENTCLOUD_SECRET_ID` | `TENCENTCLOUD_SECRET_KEY` | `TENCENTCLOUD_SESSION_TOKEN` |
/// | Alibaba | `ALIBABA_CLOUD_ACCESS_KEY_ID` | `ALIBABA_CLOUD_ACCESS_KEY_SECRET` | `ALIBABA_CLOUD_SECURITY_TOKEN` |
/// | AWS | `AWS_ACCESS_KEY_ID` | `AWS_SECRET_ACCESS_KEY` | `AWS_SESSION_TOKEN` |
///
/// Only one of the pair being set is a [`ErrorKind::Config`] error (it is almost always a
/// mistake, and silently falling through to another source would hide it).
#[derive(Debug, Clone)]
pub struct EnvProvider {
    provider: Provider,
    env: Env,
}

impl EnvProvider {
    /// Reads `provider`'s variables from `env`.
    pub fn new(provider: Provider, env: Env) -> Self {
        Self { provider, env }
    }

    /// The names of the id, secret and token variables for `provider`.
    pub fn variable_names(provider: Provider) -> [&'static str; 3] {
        match provider {
            Provider::Tencent => [
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_SESSION_TOKEN",
            ],
            Provider::Alibaba => [
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_SECURITY_TOKEN",
            ],
            Provider::Aws => [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
            ],
        }
    }

    fn read(&self) -> Result<Credentials, Error> {
        let [id_var, secret_var, token_var] = Self::variable_names(self.provider);
        match (self.env.get(id_var), self.env.get(secret_var)) {
            (Some(id), Some(secret)) => {
                let mut c = Credentials::new(id.trim(), secret.trim()).with_source("environment");
                if let Some(token) = self.env.get(token_var) {
                    c = c.with_session_token(token.trim());
                }
                Ok(c)
            }
            (None, None) => Err(Error::new(
                ErrorKind::Auth,
                format!("{id_var} and {secret_var} are not set"),
            )
            .with_provider(self.provider)),
            (Some(_), None) => Err(Error::new(
                ErrorKind::Config,
                format!("{id_var} is set but {secret_var} is not"),
            )
            .with_provider(self.provider)),
            (None, Some(_)) => Err(Error::new(
                ErrorKind::Config,
                format!("{secret_var} is set but {id_var} is not"),
            )
            .with_provider(self.provider)),
        }
    }
}

impl ProvideCredentials for EnvProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let r = self.read();
        Box::pin(async move { r })
    }

    fn name(&self) -> &'static str {
        "environment"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_tencent_and_alibaba_variables() {
        let env = Env::from_pairs([
            ("TENCENTCLOUD_SECRET_ID", "AKIDt"),
            ("TENCENTCLOUD_SECRET_KEY", "tsecret"),
            ("TENCENTCLOUD_SESSION_TOKEN", "ttoken"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIa"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "asecret"),
        ]);
        let t = EnvProvider::new(Provider::Tencent, env.clone())
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(t.access_key_id(), "AKIDt");
        assert_eq!(t.secret().expose(), "tsecret");
        assert_eq!(t.session_token().unwrap().expose(), "ttoken");
        assert_eq!(t.source(), "environment");
        let a = EnvProvider::new(Provider::Alibaba, env)
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(a.access_key_id(), "LTAIa");
        assert!(a.session_token().is_none());
    }

    #[tokio::test]
    async fn missing_is_auth_and_half_set_is_config() {
        let none = EnvProvider::new(Provider::Tencent, Env::from_pairs::<&str, &str>([]));
        assert_eq!(
            none.provide_credentials().await.unwrap_err().kind(),
            ErrorKind::Auth
        );
        let half = EnvProvider::new(
            Provider::Alibaba,
            Env::from_pairs([("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t-value")]),
        );
        let err = half.provide_credentials().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(!err.to_string().contains("s3cr3t-value"));
        assert!(!format!("{err:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn empty_values_are_unset_and_debug_hides_values() {
        let env = Env::from_pairs([("A", "  "), ("SECRET", "hidden-value")]);
        assert_eq!(env.get("A"), None);
        assert!(!format!("{env:?}").contains("hidden-value"));
    }
}
