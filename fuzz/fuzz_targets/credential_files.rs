//! Credential and config files as the default chains read them: the INI parser, then the
//! same bytes as `~/.tencentcloud/credentials`, `~/.alibabacloud/credentials` and the aliyun
//! CLI's `config.json`, read by each provider (no environment, no instance metadata, no role
//! assumer: nothing leaves the process). The first byte picks the profile name asked for.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use unicloud_core::Provider;
use unicloud_core::credentials::{
    AlibabaCredentialsFileProvider, AliyunCliConfigProvider, Env, IniFile, MetadataOptions,
    ProvideCredentials, TencentCredentialsFileProvider,
};

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    static DIR: tempfile::TempDir = tempfile::tempdir().expect("a temporary directory");
}

fuzz_target!(|data: &[u8]| {
    let [pick, text @ ..] = data else {
        return;
    };
    if let Ok(s) = std::str::from_utf8(text) {
        let _ = IniFile::parse(Path::new("credentials"), s);
    }
    let profile = match pick % 3 {
        0 => None,
        1 => Some("default".to_owned()),
        _ => Some("prod".to_owned()),
    };
    let path = DIR.with(|d| d.path().join("file"));
    if std::fs::write(&path, text).is_err() {
        return;
    }
    let env = || Env::from_pairs::<&str, &str>([]);
    let no_metadata = |p| MetadataOptions::for_provider(p).disabled(true);
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let tencent =
                TencentCredentialsFileProvider::new(env(), profile.clone()).with_path(&path);
            let _ = tencent.provide_credentials().await;
            let alibaba = AlibabaCredentialsFileProvider::new(env(), profile.clone())
                .with_path(&path)
                .with_metadata(no_metadata(Provider::Alibaba));
            let _ = alibaba.provide_credentials().await;
            let aliyun = AliyunCliConfigProvider::new(env(), profile.clone())
                .with_path(&path)
                .with_metadata(no_metadata(Provider::Alibaba));
            let _ = aliyun.provide_credentials().await;
            let _ = aliyun.region().await;
        });
    });
});
