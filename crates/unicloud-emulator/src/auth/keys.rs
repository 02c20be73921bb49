//! The key store: the static key pairs the emulator was started with, the temporary
//! credentials its STS front-ends issue (evicted once expired), and Alibaba's nonce cache.

use super::*;

#[derive(Clone)]
pub(super) struct TempKey {
    pub(super) secret: String,
    pub(super) token: String,
    pub(super) expires: SystemTime,
    pub(super) role_arn: String,
    pub(super) session_name: String,
}

/// Temporary credentials issued by an STS front-end (written into the STS reply, never
/// logged: no `Debug`).
#[derive(Clone)]
pub(crate) struct IssuedCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret: String,
    pub(crate) token: String,
    pub(crate) expires: SystemTime,
}

/// What a lookup found for an access key id.
pub(super) enum Lookup {
    Static(String),
    Temp(TempKey),
}

/// Every key pair the emulator accepts, plus the replay cache for Alibaba nonces.
///
/// Its `Debug` shows key ids and counts, never a secret or a session token.
#[derive(Default)]
pub(crate) struct KeyStore {
    static_keys: HashMap<(Provider, String), String>,
    temp: Mutex<HashMap<(Provider, String), TempKey>>,
    nonces: Mutex<HashMap<String, i64>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<String> = self
            .static_keys
            .keys()
            .map(|(p, id)| format!("{p}:{id}"))
            .collect();
        ids.sort();
        f.debug_struct("KeyStore")
            .field("static_keys", &ids)
            .field("temporary_keys", &self.temp.lock().map_or(0, |t| t.len()))
            .field("nonces", &self.nonces.lock().map_or(0, |n| n.len()))
            .finish()
    }
}

/// Allowed clock skew between a request's timestamp and the emulator's clock.
pub(crate) const MAX_SKEW_SECS: i64 = 300;

/// At most this many unexpired temporary keys are kept; issuing one more evicts the one that
/// expires first. Expired keys are evicted whenever a key is issued.
pub(crate) const MAX_TEMP_KEYS: usize = 100_000;

/// At most this many Alibaba nonces are remembered (each for twice the skew window).
pub(crate) const MAX_NONCES: usize = 100_000;

impl KeyStore {
    /// A store holding `keys` (provider, id, secret).
    pub(crate) fn new(keys: &[(Provider, String, String)]) -> Self {
        Self {
            static_keys: keys
                .iter()
                .map(|(p, id, s)| ((*p, id.clone()), s.clone()))
                .collect(),
            ..Self::default()
        }
    }

    pub(super) fn lookup(&self, provider: Provider, id: &str) -> Option<Lookup> {
        if let Some(s) = self.static_keys.get(&(provider, id.to_owned())) {
            return Some(Lookup::Static(s.clone()));
        }
        let temp = self.temp.lock().ok()?;
        temp.get(&(provider, id.to_owned()))
            .cloned()
            .map(Lookup::Temp)
    }

    /// Issues temporary credentials for `provider` valid for `duration` from `now`.
    pub(crate) fn issue(
        &self,
        provider: Provider,
        now: SystemTime,
        duration: Duration,
        role_arn: &str,
        session_name: &str,
    ) -> IssuedCredentials {
        use crate::util::{LOWER_ALNUM, UPPER_ALNUM, random_from};
        let id = match provider {
            Provider::Aws => format!("ASIA{}", random_from(UPPER_ALNUM, 16)),
            Provider::Tencent => format!("AKID{}", random_from(UPPER_ALNUM, 32)),
            _ => format!("STS.{}", random_from(UPPER_ALNUM, 24)),
        };
        let secret = random_from(LOWER_ALNUM, 40);
        let token = random_from(LOWER_ALNUM, 96);
        let expires = now + duration;
        if let Ok(mut temp) = self.temp.lock() {
            temp.retain(|_, t| t.expires > now);
            if temp.len() >= MAX_TEMP_KEYS
                && let Some(first) = temp
                    .iter()
                    .min_by_key(|(_, t)| t.expires)
                    .map(|(k, _)| k.clone())
            {
                temp.remove(&first);
            }
            temp.insert(
                (provider, id.clone()),
                TempKey {
                    secret: secret.clone(),
                    token: token.clone(),
                    expires,
                    role_arn: role_arn.to_owned(),
                    session_name: session_name.to_owned(),
                },
            );
        }
        IssuedCredentials {
            access_key_id: id,
            secret,
            token,
            expires,
        }
    }

    /// Records an Alibaba nonce; false when it was already used within the skew window.
    pub(super) fn use_nonce(&self, key: &str, nonce: &str, now: i64) -> bool {
        let Ok(mut nonces) = self.nonces.lock() else {
            return true;
        };
        if nonces.len() >= MAX_NONCES {
            nonces.retain(|_, seen| now - *seen <= 2 * MAX_SKEW_SECS);
            if nonces.len() >= MAX_NONCES {
                // Bounded memory wins over replay protection in an emulator: forget them all.
                tracing::warn!("nonce cache full; forgetting {} nonces", nonces.len());
                nonces.clear();
            }
        }
        let k = format!("{key}\n{nonce}");
        match nonces.get(&k) {
            Some(seen) if now - *seen <= 2 * MAX_SKEW_SECS => false,
            _ => {
                nonces.insert(k, now);
                true
            }
        }
    }
}

pub(super) fn principal(provider: Provider, id: &str, temp: Option<&TempKey>) -> Principal {
    let account = match provider {
        Provider::Aws => AWS_ACCOUNT,
        Provider::Tencent => TENCENT_ACCOUNT,
        _ => ALIBABA_ACCOUNT,
    };
    Principal {
        access_key_id: id.to_owned(),
        account: account.to_owned(),
        role: temp.map(|t| (t.role_arn.clone(), t.session_name.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_ids_never_secrets_or_tokens() {
        let keys = KeyStore::new(&[(Provider::Aws, "AKIDEBUG".into(), "debug-secret-1".into())]);
        let c = keys.issue(
            Provider::Tencent,
            SystemTime::UNIX_EPOCH,
            Duration::from_secs(60),
            "qcs::cam::uin/1:roleName/r",
            "s",
        );
        let shown = format!("{keys:?}");
        assert!(shown.contains("AKIDEBUG"), "{shown}");
        for secret in ["debug-secret-1", c.secret.as_str(), c.token.as_str()] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn expired_temporary_keys_are_evicted_when_another_is_issued() {
        let keys = KeyStore::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let old = keys.issue(
            Provider::Aws,
            t0,
            Duration::from_secs(900),
            "arn:aws:iam::1:role/r",
            "s",
        );
        assert!(keys.lookup(Provider::Aws, &old.access_key_id).is_some());
        let later = t0 + Duration::from_secs(901);
        let new = keys.issue(
            Provider::Aws,
            later,
            Duration::from_secs(900),
            "arn:aws:iam::1:role/r",
            "s",
        );
        assert!(keys.lookup(Provider::Aws, &old.access_key_id).is_none());
        assert!(keys.lookup(Provider::Aws, &new.access_key_id).is_some());
        assert_eq!(keys.temp.lock().unwrap().len(), 1);
    }

    #[test]
    fn the_temporary_key_table_is_capped() {
        let keys = KeyStore::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        {
            let mut temp = keys.temp.lock().unwrap();
            for n in 0..MAX_TEMP_KEYS {
                temp.insert(
                    (Provider::Aws, format!("ASIA{n}")),
                    TempKey {
                        secret: String::new(),
                        token: String::new(),
                        expires: t0 + Duration::from_secs(10 + n as u64),
                        role_arn: String::new(),
                        session_name: String::new(),
                    },
                );
            }
        }
        keys.issue(
            Provider::Aws,
            t0,
            Duration::from_secs(900),
            "arn:aws:iam::1:role/r",
            "s",
        );
        let temp = keys.temp.lock().unwrap();
        assert_eq!(temp.len(), MAX_TEMP_KEYS);
        assert!(
            !temp.contains_key(&(Provider::Aws, "ASIA0".to_owned())),
            "the first to expire goes"
        );
    }
}
