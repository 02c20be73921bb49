//! The emulator's front door: arbitrary bytes as an HTTP request (request line, headers,
//! body) sent over loopback to one in-process emulator, through its listener, router, body
//! limits, signature parsers and every vendor's error writer. A panic in any of its tasks
//! aborts the process (libFuzzer's panic hook), and every request must get an answer or a
//! closed connection within five seconds (a hang is a finding too).
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Target {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let handle = runtime
            .block_on(
                unicloud_emulator::Emulator::builder()
                    .listen("127.0.0.1:0".parse().expect("an address"))
                    .start(),
            )
            .expect("the emulator starts");
        let addr = handle.addr();
        // The emulator lives as long as the process.
        std::mem::forget(handle);
        Target { runtime, addr }
    })
}

fuzz_target!(|data: &[u8]| {
    let t = target();
    t.runtime.block_on(async {
        let exchange = async {
            let mut sock = TcpStream::connect(t.addr).await?;
            sock.write_all(data).await?;
            sock.shutdown().await?;
            let mut reply = Vec::new();
            sock.read_to_end(&mut reply).await?;
            Ok::<_, std::io::Error>(reply)
        };
        match tokio::time::timeout(Duration::from_secs(5), exchange).await {
            // After HTTP/2's preface the server answers in HTTP/2 frames (h2c).
            Ok(Ok(reply)) => assert!(
                reply.is_empty()
                    || reply.starts_with(b"HTTP/1.")
                    || data.starts_with(b"PRI * HTTP/2.0"),
                "not an HTTP reply: {:?}",
                String::from_utf8_lossy(&reply[..reply.len().min(64)])
            ),
            Ok(Err(_)) => {}
            Err(_) => panic!("no answer within 5 s"),
        }
    });
});
