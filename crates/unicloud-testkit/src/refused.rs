//! A loopback address where connections are refused, without racing other tests for the port.
//!
//! The usual trick (bind `127.0.0.1:0`, note the port, close the listener, connect) leaves a
//! window in which any other test or process may be handed the same port, and the connection
//! then reaches it instead of being refused. [`RefusedPort`] closes that window: it keeps a
//! TCP socket *bound* to the port for as long as it lives but never calls `listen` on it. The
//! port therefore cannot be given to anyone else, and because nothing listens on it, the
//! kernel answers every connection attempt with a reset: "connection refused". (A bound
//! listener that never accepts would not do: the kernel completes the handshake itself and
//! the client hangs instead of being refused.)
//!
//! ```
//! let refused = unicloud_testkit::refused::RefusedPort::new()?;
//! let err = std::net::TcpStream::connect(refused.addr()).unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpSocket;

/// Holds a loopback port on which every connection is refused; the port is released when this
/// is dropped, so keep it alive for as long as the test connects to it.
#[derive(Debug)]
pub struct RefusedPort {
    // Bound, never listening: owning it is what reserves the port.
    _socket: TcpSocket,
    addr: SocketAddr,
}

impl RefusedPort {
    /// Binds a fresh loopback port without listening on it.
    ///
    /// Needs no Tokio runtime (the socket is never registered with one).
    pub fn new() -> std::io::Result<RefusedPort> {
        let socket = TcpSocket::new_v4()?;
        // No SO_REUSEADDR / SO_REUSEPORT: no other socket may bind this port meanwhile.
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        let addr = socket.local_addr()?;
        Ok(RefusedPort {
            _socket: socket,
            addr,
        })
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
