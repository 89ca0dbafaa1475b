//! One HTTP/1.1 GET to the sshkeyd server (hyper's client over a plain or
//! rustls TCP stream), sorted into what the caller acts on: keys, a refusal
//! of the token, the server being unavailable, or any other failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use sshkeyd::domain::{KeyFingerprint, is_hidden_or_breaking};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, pki_types::CertificateDer, pki_types::ServerName};
use zeroize::Zeroizing;

/// Debian's (and Ubuntu's) bundle of the system's trusted CAs.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Largest answer read; a project's every key fits many times over.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Where to ask, from `--server`.
pub struct Server {
    https: bool,
    host: String,
    port: u16,
    /// `host[:port]` as the `Host` header carries it.
    authority: String,
    /// Any path before `/cloud/...` (a server behind a path prefix).
    base_path: String,
    ca_file: PathBuf,
}

/// How the request went.
pub enum Answer {
    /// 200 with `text/plain`: the lines, not yet checked.
    Keys(String),
    /// 401 or 403: the token is revoked, expired or lacks the project.
    Refused(String),
    /// No connection, no answer within the timeout, or a 5xx.
    Unavailable(String),
    /// Anything else (a 400, a redirect, a TLS certificate that does not
    /// verify, an answer that is not text): an error, with no fallback.
    Failed(String),
}

impl Server {
    pub fn parse(raw: &str, ca_file: Option<&Path>) -> anyhow::Result<Self> {
        let uri: Uri = raw.parse().with_context(|| format!("--server {raw:?} is not a URL"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => bail!("--server must start with http:// or https://"),
        };
        let authority = uri.authority().context("--server has no host")?;
        if authority.as_str().contains('@') || uri.query().is_some() {
            bail!("--server must be scheme://host[:port][/path], without credentials or a query");
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        Ok(Self {
            https,
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
            host,
            authority: authority.as_str().to_owned(),
            base_path: uri.path().trim_end_matches('/').to_owned(),
            ca_file: ca_file.map_or_else(|| PathBuf::from(SYSTEM_CA_BUNDLE), Path::to_path_buf),
        })
    }

    /// The path and query asking for `project`'s keys of `owner` (all the
    /// token sees when `None`), with `fingerprint` when given.
    pub fn request_path(&self, project: i64, owner: Option<&str>, fingerprint: Option<&KeyFingerprint>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(owner) = owner {
            query.append_pair("owner", owner);
        }
        if let Some(fingerprint) = fingerprint {
            query.append_pair("fingerprint", fingerprint.as_str());
        }
        let query = query.finish();
        let path = format!("{}/cloud/v1/ssh_keys/{project}/authorized_keys", self.base_path);
        if query.is_empty() { path } else { format!("{path}?{query}") }
    }

    /// GETs `path`, all of it within `timeout`.
    pub async fn get(&self, path: &str, token: &str, timeout: Duration) -> Answer {
        match tokio::time::timeout(timeout, self.exchange(path, token)).await {
            Err(_) => Answer::Unavailable(format!("no answer from {} within {timeout:?}", self.authority)),
            Ok(Err(Failure::Unreachable(e))) => Answer::Unavailable(format!("{}: {e:#}", self.authority)),
            Ok(Err(Failure::Other(e))) => Answer::Failed(format!("{}: {e:#}", self.authority)),
            Ok(Ok((status, content_type, body))) => sort(status, content_type.as_deref(), body),
        }
    }

    async fn exchange(&self, path: &str, token: &str) -> Result<(StatusCode, Option<String>, Bytes), Failure> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| Failure::Unreachable(anyhow::Error::new(e).context("connecting")))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = if self.https { Box::new(self.tls(tcp).await?) } else { Box::new(tcp) };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Failure::Unreachable(e.into()))?;
        tokio::spawn(connection);
        let mut authorization = HeaderValue::try_from(Zeroizing::new(format!("APIKey {token}")).as_str())
            .map_err(|_| Failure::Other(anyhow::anyhow!("the token cannot be sent in a header")))?;
        authorization.set_sensitive(true);
        let request = Request::get(path)
            .header(HOST, &self.authority)
            .header(USER_AGENT, concat!("sshkeyd-authorized-keys/", env!("CARGO_PKG_VERSION")))
            .header(AUTHORIZATION, authorization)
            .body(Empty::<Bytes>::new())
            .map_err(|e| Failure::Other(e.into()))?;
        let response = sender.send_request(request).await.map_err(|e| Failure::Unreachable(e.into()))?;
        let status = response.status();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| Failure::Unreachable(anyhow::anyhow!("reading the answer: {e}")))?
            .to_bytes();
        Ok((status, content_type, body))
    }

    async fn tls(&self, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Failure> {
        let config = client_config(&self.ca_file).map_err(Failure::Other)?;
        let name = ServerName::try_from(self.host.clone())
            .map_err(|_| Failure::Other(anyhow::anyhow!("{:?} is not a valid TLS server name", self.host)))?;
        // A certificate that does not verify is not an outage: no cache.
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| Failure::Other(anyhow::Error::new(e).context("TLS handshake")))
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

enum Failure {
    /// The server could not be reached, or the connection broke.
    Unreachable(anyhow::Error),
    Other(anyhow::Error),
}

fn client_config(ca_file: &Path) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(ca_file)
        .with_context(|| format!("reading CA certificates from {}", ca_file.display()))?;
    for certificate in certificates {
        let certificate = certificate.with_context(|| format!("parsing {}", ca_file.display()))?;
        roots.add(certificate).with_context(|| format!("a CA certificate in {}", ca_file.display()))?;
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Sorts a response by status; the server's message comes along for stderr.
fn sort(status: StatusCode, content_type: Option<&str>, body: Bytes) -> Answer {
    let message = || {
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let text = json.as_ref().and_then(|j| j["message"].as_str()).unwrap_or("");
        // sshd logs this line: a server may not break it or forge another.
        let text: String = text.chars().map(|c| if is_hidden_or_breaking(c) { '?' } else { c }).collect();
        format!("the server answered {status}{}{text}", if text.is_empty() { "" } else { ": " })
    };
    match status {
        StatusCode::OK => {
            let plain = content_type.is_some_and(|t| t.split(';').next().is_some_and(|m| m.trim() == "text/plain"));
            match String::from_utf8(body.to_vec()) {
                Ok(text) if plain => Answer::Keys(text),
                _ => Answer::Failed("the server's 200 answer is not UTF-8 text/plain".into()),
            }
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Answer::Refused(message()),
        s if s.is_server_error() => Answer::Unavailable(message()),
        _ => Answer::Failed(message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_give_host_port_and_path_prefix() {
        let server = Server::parse("https://keys.internal:8443/sshkeyd/", None).unwrap();
        assert_eq!((server.https, server.host.as_str(), server.port), (true, "keys.internal", 8443));
        let fingerprint = KeyFingerprint::parse("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
        assert_eq!(
            server.request_path(7, Some("alice"), Some(&fingerprint)),
            "/sshkeyd/cloud/v1/ssh_keys/7/authorized_keys?owner=alice\
             &fingerprint=SHA256%3A47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        let plain = Server::parse("http://127.0.0.1", None).unwrap();
        assert_eq!((plain.https, plain.port, plain.authority.as_str()), (false, 80, "127.0.0.1"));
        assert_eq!(plain.request_path(1, None, None), "/cloud/v1/ssh_keys/1/authorized_keys");
        let v6 = Server::parse("http://[::1]:8080", None).unwrap();
        assert_eq!((v6.host.as_str(), v6.authority.as_str()), ("::1", "[::1]:8080"));
        for bad in ["keys.internal", "ftp://x", "http://u:p@x", "http://x/?a=1", ""] {
            assert!(Server::parse(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_decide_between_keys_refusal_outage_and_failure() {
        let text = Some("text/plain; charset=utf-8");
        assert!(matches!(sort(StatusCode::OK, text, Bytes::from("x\n")), Answer::Keys(b) if b == "x\n"));
        assert!(matches!(sort(StatusCode::OK, Some("text/html"), Bytes::new()), Answer::Failed(_)));
        assert!(matches!(sort(StatusCode::OK, text, Bytes::from(vec![0xff])), Answer::Failed(_)));
        let json = Bytes::from(r#"{"message": "invalid, expired or revoked API token"}"#);
        let refused = sort(StatusCode::UNAUTHORIZED, None, json);
        assert!(matches!(refused, Answer::Refused(m) if m.ends_with("revoked API token")));
        assert!(matches!(sort(StatusCode::FORBIDDEN, None, Bytes::new()), Answer::Refused(_)));
        assert!(matches!(sort(StatusCode::BAD_GATEWAY, None, Bytes::new()), Answer::Unavailable(_)));
        assert!(matches!(sort(StatusCode::SERVICE_UNAVAILABLE, None, Bytes::new()), Answer::Unavailable(_)));
        assert!(matches!(sort(StatusCode::BAD_REQUEST, None, Bytes::new()), Answer::Failed(_)));
        assert!(matches!(sort(StatusCode::MOVED_PERMANENTLY, None, Bytes::new()), Answer::Failed(_)));
    }
}
