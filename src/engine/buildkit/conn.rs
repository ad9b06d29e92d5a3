//! Raw connections to the engine, for what bollard does not expose: the `/session` upgrade
//! and a `/build` request that names our own session.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Where the engine listens, from `DOCKER_HOST`.
#[derive(Debug, Clone, PartialEq)]
pub enum Host {
    Unix(PathBuf),
    Tcp(String),
}

impl Host {
    pub fn parse(docker_host: Option<&str>) -> Result<Host, String> {
        let host = docker_host
            .filter(|h| !h.is_empty())
            .unwrap_or("unix:///var/run/docker.sock");
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Host::Unix(PathBuf::from(path)));
        }
        match host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            Some(addr) => Ok(Host::Tcp(addr.trim_end_matches('/').to_string())),
            None => Err(format!("BuildKit builds cannot reach the engine at {host}")),
        }
    }

    pub async fn dial(&self) -> io::Result<Conn> {
        match self {
            Host::Unix(path) => UnixStream::connect(path).await.map(Conn::Unix),
            Host::Tcp(addr) => TcpStream::connect(addr).await.map(Conn::Tcp),
        }
    }
}

/// A connection to the engine, whichever the transport.
pub enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    /// Sends an HTTP/1.1 upgrade request and reads the answer's head; on `101` the
    /// connection is the upgraded protocol's from the next byte on.
    pub async fn upgrade(mut self, path: &str, headers: &[(&str, String)]) -> io::Result<Conn> {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.write_all(request.as_bytes()).await?;
        let mut head = Vec::new();
        // Byte by byte: whatever follows the head belongs to the upgraded protocol.
        while !head.ends_with(b"\r\n\r\n") {
            let byte = self.read_u8().await?;
            head.push(byte);
            if head.len() > 64 * 1024 {
                return Err(io::Error::other(
                    "the engine's answer to the session upgrade is too long",
                ));
            }
        }
        let head = String::from_utf8_lossy(&head);
        let status = head.lines().next().unwrap_or_default();
        if status.split_whitespace().nth(1) != Some("101") {
            return Err(io::Error::other(format!(
                "the engine refused a BuildKit session: {status}"
            )));
        }
        Ok(self)
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_names_a_socket_or_an_address() {
        assert_eq!(
            Host::parse(None).unwrap(),
            Host::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            Host::parse(Some("tcp://127.0.0.1:2375")).unwrap(),
            Host::Tcp("127.0.0.1:2375".into())
        );
        assert!(Host::parse(Some("ssh://me@host"))
            .unwrap_err()
            .contains("ssh://me@host"));
    }
}
