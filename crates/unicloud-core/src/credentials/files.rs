//! The vendors' credential files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::clock::BoxFuture;
use crate::credentials::env::Env;
use crate::credentials::ini::{FileParseError, IniFile, IniSection};
use crate::credentials::metadata::{InstanceRoleProvider, MetadataOptions};
use crate::credentials::role::{AssumeRole, RoleSpec};
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

const SOURCE: &str = "profile file";

/// Reads a file; a missing file (or no home directory) is an `Auth` error so a chain moves on.
async fn read_optional(
    provider: Provider,
    path: Option<PathBuf>,
) -> Result<(PathBuf, String), Error> {
    let Some(path) = path else {
        return Err(Error::new(
            ErrorKind::Auth,
            "no home directory to look for a credentials file in",
        )
        .with_provider(provider));
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok((path, text)),
            Err(_) => Err(FileParseError {
                path,
                line: 0,
                reason: "not valid UTF-8".to_owned(),
            }
            .into_error()
            .with_provider(provider)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            ErrorKind::Auth,
            format!("{} does not exist", path.display()),
        )
        .with_provider(provider)),
        Err(e) => Err(Error::new(
            ErrorKind::Config,
            format!("cannot read {}: {e}", path.display()),
        )
        .with_provider(provider)),
    }
}

/// Picks the profile: the explicit one, else the environment variable, else `fallback`.
/// Returns the name and whether the user chose it (a missing chosen profile is an error, a
/// missing default one just means "not configured here").
fn choose_profile(explicit: Option<&str>, env: &Env, var: &str, fallback: &str) -> (String, bool) {
    if let Some(p) = explicit.filter(|p| !p.trim().is_empty()) {
        return (p.trim().to_owned(), true);
    }
    if let Some(p) = env.get(var) {
        return (p.trim().to_owned(), true);
    }
    (fallback.to_owned(), false)
}

fn missing_profile(provider: Provider, path: &Path, profile: &str, chosen: bool) -> Error {
    let kind = if chosen {
        ErrorKind::Config
    } else {
        ErrorKind::Auth
    };
    Error::new(
        kind,
        format!("profile `{profile}` not found in {}", path.display()),
    )
    .with_provider(provider)
}

fn required<'a>(section: &'a IniSection, path: &Path, key: &str) -> Result<&'a str, Error> {
    section.get(key).ok_or_else(|| {
        let line = section.line_of(key).unwrap_or(section.header_line());
        FileParseError {
            path: path.to_owned(),
            line,
            reason: format!("`{key}` is missing or empty"),
        }
        .into_error()
    })
}

/// Assumes `role` with `source` through `assumer`, or explains that no STS client was given.
async fn assume_with(
    assumer: Option<&Arc<dyn AssumeRole>>,
    provider: Provider,
    path: &Path,
    profile: &str,
    source: Credentials,
    role: RoleSpec,
) -> Result<Credentials, Error> {
    let Some(assumer) = assumer else {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "profile `{profile}` in {} assumes a role, but this chain has no STS client \
                 (build the client through unicloud, or set DefaultChainOptions::role_assumer)",
                path.display()
            ),
        )
        .with_provider(provider));
    };
    assumer
        .assume_role(source.with_source(SOURCE), &role)
        .await
        .map(|c| c.with_source("profile role"))
}

fn parse_duration(path: &Path, section: &IniSection, key: &str) -> Result<Option<Duration>, Error> {
    match section.get(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(|s| Some(Duration::from_secs(s)))
            .map_err(|_| {
                FileParseError {
                    path: path.to_owned(),
                    line: section.line_of(key).unwrap_or(0),
                    reason: format!("`{key}` must be a number of seconds"),
                }
                .into_error()
            }),
    }
}

/// `~/.tencentcloud/credentials`: an INI file with `secret_id`, `secret_key` and optionally
/// `token` per profile, as tccli writes it. A profile may also name a CAM role to assume with
/// those keys (`role_arn`, optional `role_session_name` and `duration_seconds`); that needs a
/// role assumer (see [`AssumeRole`]).
///
/// ```text
/// [default]
/// secret_id = AKID...
/// secret_key = ...
/// ```
#[derive(Debug, Clone)]
pub struct TencentCredentialsFileProvider {
    env: Env,
    path: Option<PathBuf>,
    profile: Option<String>,
    role_assumer: Option<Arc<dyn AssumeRole>>,
}

impl TencentCredentialsFileProvider {
    /// Reads `~/.tencentcloud/credentials` (home from `env`); the profile is `profile`, else
    /// `TENCENTCLOUD_PROFILE`, else `default`.
    pub fn new(env: Env, profile: Option<String>) -> Self {
        Self {
            path: env
                .home_dir()
                .map(|h| h.join(".tencentcloud").join("credentials")),
            env,
            profile,
            role_assumer: None,
        }
    }

    /// Lets profiles with `role_arn` assume that role through `assumer`.
    #[must_use]
    pub fn with_role_assumer(mut self, assumer: Option<Arc<dyn AssumeRole>>) -> Self {
        self.role_assumer = assumer;
        self
    }

    /// Reads this file instead of the default location.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    async fn load(&self) -> Result<Credentials, Error> {
        let p = Provider::Tencent;
        let (path, text) = read_optional(p, self.path.clone()).await?;
        let ini = IniFile::parse(&path, &text).map_err(|e| e.into_error().with_provider(p))?;
        let (profile, chosen) = choose_profile(
            self.profile.as_deref(),
            &self.env,
            "TENCENTCLOUD_PROFILE",
            "default",
        );
        let section = ini
            .section(&profile)
            .ok_or_else(|| missing_profile(p, &path, &profile, chosen))?;
        let id = required(section, &path, "secret_id").map_err(|e| e.with_provider(p))?;
        let key = required(section, &path, "secret_key").map_err(|e| e.with_provider(p))?;
        let mut c = Credentials::new(id, key).with_source(SOURCE);
        if let Some(token) = section.get("token") {
            c = c.with_session_token(token);
        }
        if let Some(role_arn) = section.get("role_arn") {
            let role = RoleSpec {
                role_arn: role_arn.to_owned(),
                session_name: section
                    .get("role_session_name")
                    .unwrap_or("unicloud")
                    .to_owned(),
                duration: parse_duration(&path, section, "duration_seconds")
                    .map_err(|e| e.with_provider(p))?,
                external_id: section.get("external_id").map(str::to_owned),
                policy: None,
            };
            return assume_with(self.role_assumer.as_ref(), p, &path, &profile, c, role).await;
        }
        Ok(c)
    }
}

impl ProvideCredentials for TencentCredentialsFileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.load())
    }

    fn name(&self) -> &'static str {
        "~/.tencentcloud/credentials"
    }
}

/// `~/.alibabacloud/credentials`: an INI file whose profiles have a `type`:
/// `access_key` (`access_key_id`, `access_key_secret`), `sts` (plus `security_token`),
/// `ram_role_arn` (keys plus `role_arn`, `role_session_name`; needs a role assumer, see
/// [`AssumeRole`]) or `ecs_ram_role` (`role_name`, read from the instance metadata service).
/// `ALIBABA_CLOUD_CREDENTIALS_FILE` overrides the location.
#[derive(Debug, Clone)]
pub struct AlibabaCredentialsFileProvider {
    env: Env,
    path: Option<PathBuf>,
    profile: Option<String>,
    metadata: MetadataOptions,
    role_assumer: Option<Arc<dyn AssumeRole>>,
}

impl AlibabaCredentialsFileProvider {
    /// Reads the default file; the profile is `profile`, else `ALIBABA_CLOUD_PROFILE`, else
    /// `default`.
    pub fn new(env: Env, profile: Option<String>) -> Self {
        let path = env
            .get("ALIBABA_CLOUD_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| {
                env.home_dir()
                    .map(|h| h.join(".alibabacloud").join("credentials"))
            });
        Self {
            env,
            path,
            profile,
            metadata: MetadataOptions::for_provider(Provider::Alibaba),
            role_assumer: None,
        }
    }

    /// Lets `ram_role_arn` profiles assume their role through `assumer`.
    #[must_use]
    pub fn with_role_assumer(mut self, assumer: Option<Arc<dyn AssumeRole>>) -> Self {
        self.role_assumer = assumer;
        self
    }

    /// Reads this file instead of the default location.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Metadata service settings for `ecs_ram_role` profiles.
    #[must_use]
    pub fn with_metadata(mut self, metadata: MetadataOptions) -> Self {
        self.metadata = metadata;
        self
    }

    async fn load(&self) -> Result<Credentials, Error> {
        let p = Provider::Alibaba;
        let (path, text) = read_optional(p, self.path.clone()).await?;
        let ini = IniFile::parse(&path, &text).map_err(|e| e.into_error().with_provider(p))?;
        let (profile, chosen) = choose_profile(
            self.profile.as_deref(),
            &self.env,
            "ALIBABA_CLOUD_PROFILE",
            "default",
        );
        let section = ini
            .section(&profile)
            .ok_or_else(|| missing_profile(p, &path, &profile, chosen))?;
        if section.get("enable") == Some("false") {
            return Err(missing_profile(p, &path, &profile, chosen));
        }
        let kind = section.get("type").unwrap_or("access_key");
        let creds = match kind {
            "access_key" => Credentials::new(
                required(section, &path, "access_key_id")?,
                required(section, &path, "access_key_secret")?,
            ),
            "sts" => Credentials::new(
                required(section, &path, "access_key_id")?,
                required(section, &path, "access_key_secret")?,
            )
            .with_session_token(required(section, &path, "security_token")?),
            "ram_role_arn" => {
                let source = Credentials::new(
                    required(section, &path, "access_key_id")?,
                    required(section, &path, "access_key_secret")?,
                );
                let role = RoleSpec {
                    role_arn: required(section, &path, "role_arn")?.to_owned(),
                    session_name: section
                        .get("role_session_name")
                        .unwrap_or("unicloud")
                        .to_owned(),
                    duration: parse_duration(&path, section, "duration_seconds")?,
                    external_id: section.get("external_id").map(str::to_owned),
                    policy: section.get("policy").map(str::to_owned),
                };
                return assume_with(self.role_assumer.as_ref(), p, &path, &profile, source, role)
                    .await;
            }
            "ecs_ram_role" => {
                let role = required(section, &path, "role_name")?;
                return InstanceRoleProvider::new(p, self.metadata.clone().with_role_name(role))
                    .provide_credentials()
                    .await;
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "credential type `{other}` of profile `{profile}` in {} is not supported \
                         (use access_key, sts, ram_role_arn or ecs_ram_role)",
                        path.display()
                    ),
                )
                .with_provider(p));
            }
        };
        Ok(creds.with_source(SOURCE))
    }
}

impl ProvideCredentials for AlibabaCredentialsFileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move {
            self.load()
                .await
                .map_err(|e| e.with_provider(Provider::Alibaba))
        })
    }

    fn name(&self) -> &'static str {
        "~/.alibabacloud/credentials"
    }
}

/// `~/.aliyun/config.json`, the aliyun CLI's profiles. Modes `AK` and `StsToken` are read
/// directly, `RamRoleArn` through a role assumer (see [`AssumeRole`]), `EcsRamRole` through the
/// instance metadata service. The profile is the explicit one,
/// else `ALIBABA_CLOUD_PROFILE`, else the file's `current`, else `default`.
#[derive(Debug, Clone)]
pub struct AliyunCliConfigProvider {
    env: Env,
    path: Option<PathBuf>,
    profile: Option<String>,
    metadata: MetadataOptions,
    role_assumer: Option<Arc<dyn AssumeRole>>,
}

impl AliyunCliConfigProvider {
    /// Reads `~/.aliyun/config.json` (home from `env`).
    pub fn new(env: Env, profile: Option<String>) -> Self {
        Self {
            path: env
                .home_dir()
                .map(|h| h.join(".aliyun").join("config.json")),
            env,
            profile,
            metadata: MetadataOptions::for_provider(Provider::Alibaba),
            role_assumer: None,
        }
    }

    /// Lets `RamRoleArn` profiles assume their role through `assumer`.
    #[must_use]
    pub fn with_role_assumer(mut self, assumer: Option<Arc<dyn AssumeRole>>) -> Self {
        self.role_assumer = assumer;
        self
    }

    /// Reads this file instead of the default location.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Metadata service settings for `EcsRamRole` profiles.
    #[must_use]
    pub fn with_metadata(mut self, metadata: MetadataOptions) -> Self {
        self.metadata = metadata;
        self
    }

    /// The `region_id` of the selected profile, if the file has one.
    pub async fn region(&self) -> Option<String> {
        let (path, text) = read_optional(Provider::Alibaba, self.path.clone())
            .await
            .ok()?;
        let doc: Value = serde_json::from_str(&text).ok()?;
        let profile = self.find_profile(&path, &doc).ok()?;
        profile
            .get("region_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    fn find_profile<'a>(&self, path: &Path, doc: &'a Value) -> Result<&'a Value, Error> {
        let current = doc
            .get("current")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let (name, chosen) = choose_profile(
            self.profile.as_deref(),
            &self.env,
            "ALIBABA_CLOUD_PROFILE",
            current.unwrap_or("default"),
        );
        let profiles = doc
            .get("profiles")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                FileParseError {
                    path: path.to_owned(),
                    line: 0,
                    reason: "`profiles` is missing or not a list".to_owned(),
                }
                .into_error()
            })?;
        profiles
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
            .ok_or_else(|| {
                missing_profile(Provider::Alibaba, path, &name, chosen || current.is_some())
            })
    }

    async fn load(&self) -> Result<Credentials, Error> {
        let (path, text) = read_optional(Provider::Alibaba, self.path.clone()).await?;
        // Parse to a `Value` first: serde's typed errors can quote values, and values are secrets.
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            FileParseError {
                path: path.clone(),
                line: e.line(),
                reason: format!("invalid JSON at column {}", e.column()),
            }
            .into_error()
        })?;
        let profile = self.find_profile(&path, &doc)?;
        let field = |key: &str| -> Result<&str, Error> {
            profile
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    FileParseError {
                        path: path.clone(),
                        line: 0,
                        reason: format!("profile field `{key}` is missing, empty or not a string"),
                    }
                    .into_error()
                })
        };
        let mode = profile.get("mode").and_then(Value::as_str).unwrap_or("AK");
        let creds = match mode {
            "AK" => Credentials::new(field("access_key_id")?, field("access_key_secret")?),
            "StsToken" => Credentials::new(field("access_key_id")?, field("access_key_secret")?)
                .with_session_token(field("sts_token")?),
            "RamRoleArn" => {
                let source = Credentials::new(field("access_key_id")?, field("access_key_secret")?);
                let duration = profile
                    .get("expired_seconds")
                    .and_then(Value::as_u64)
                    .filter(|s| *s > 0)
                    .map(Duration::from_secs);
                let role = RoleSpec {
                    role_arn: field("ram_role_arn")?.to_owned(),
                    session_name: profile
                        .get("ram_session_name")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or("unicloud")
                        .to_owned(),
                    duration,
                    external_id: None,
                    policy: None,
                };
                let name = profile.get("name").and_then(Value::as_str).unwrap_or("");
                return assume_with(
                    self.role_assumer.as_ref(),
                    Provider::Alibaba,
                    &path,
                    name,
                    source,
                    role,
                )
                .await;
            }
            "EcsRamRole" => {
                let role = field("ram_role_name")?;
                return InstanceRoleProvider::new(
                    Provider::Alibaba,
                    self.metadata.clone().with_role_name(role),
                )
                .provide_credentials()
                .await;
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "aliyun CLI profile mode `{other}` in {} is not supported (use AK, StsToken, RamRoleArn or EcsRamRole)",
                        path.display()
                    ),
                ));
            }
        };
        Ok(creds.with_source(SOURCE))
    }
}

impl ProvideCredentials for AliyunCliConfigProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move {
            self.load()
                .await
                .map_err(|e| e.with_provider(Provider::Alibaba))
        })
    }

    fn name(&self) -> &'static str {
        "~/.aliyun/config.json"
    }
}
