//! One configured HTTP client: https only (loopback excepted), no redirects, capped bodies, timeouts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use arc_swap::ArcSwap;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use url::{Host, Url};

use crate::error::{Error, Result};
use crate::server_text::secrets_sent;
use crate::time;
use crate::token::Secret;

/// The largest response body dbfed reads; token and discovery documents are a few KB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Network settings shared by every request a credential makes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Time allowed to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, body included (default 30 s).
    pub request_timeout: Duration,
    /// A PEM bundle of extra CA certificates to trust besides the system's.
    pub ca_bundle: Option<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            ca_bundle: None,
        }
    }
}

impl HttpOptions {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the whole-request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Trusts the CA certificates in this PEM file in addition to the system's.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }
}

/// A response whose body has been read, within [`MAX_BODY_BYTES`].
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The secrets the request carried, to mask wherever the server echoes them.
    pub sent_secrets: Vec<Secret>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn is_json(&self) -> bool {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("json"))
    }

    /// Text of this response fit to quote in a message (see [`crate::server_text::quoted`]).
    pub fn quoted(&self, text: &str) -> String {
        crate::server_text::quoted(text, &self.sent_secrets)
    }

    /// The `Retry-After` header, as seconds or an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(time::capped(Duration::from_secs(seconds)));
        }
        httpdate::parse_http_date(value).ok().map(time::until)
    }

    /// The server's request id, from the usual headers.
    pub fn request_id(&self) -> Option<String> {
        ["x-request-id", "x-databricks-request-id", "x-ms-request-id"]
            .iter()
            .find_map(|name| self.headers.get(*name)?.to_str().ok())
            .map(str::to_owned)
    }
}

/// The HTTP client every dbfed request goes through.
///
/// After `fork()` the child rebuilds its client on first use: pooled connections belong to the
/// parent's runtime and sockets.
#[derive(Debug)]
pub(crate) struct HttpClient {
    options: HttpOptions,
    /// Whether proxies are bypassed (for link-local services no proxy can reach).
    direct: bool,
    client: ArcSwap<(u32, reqwest::Client)>,
}

impl HttpClient {
    pub fn new(options: &HttpOptions) -> Result<Self> {
        Self::build(options, false)
    }

    /// A client that never uses a proxy, for the Azure instance metadata service.
    pub fn direct(options: &HttpOptions) -> Result<Self> {
        Self::build(options, true)
    }

    fn build(options: &HttpOptions, direct: bool) -> Result<Self> {
        let client = build_client(options, direct)?;
        Ok(HttpClient {
            options: options.clone(),
            direct,
            client: ArcSwap::from_pointee((std::process::id(), client)),
        })
    }

    /// This process's client (rebuilt after a fork).
    fn client(&self) -> Result<reqwest::Client> {
        self.client_of(std::process::id())
    }

    /// The client of process `pid`, built if the one at hand is another process's (a parent's,
    /// after a fork). The parent's client is leaked, never dropped: dropping its pooled
    /// connections wakes tasks of the parent's runtime, whose locks a parent thread may have
    /// held at the moment of the fork, and the child would wait for them forever.
    fn client_of(&self, pid: u32) -> Result<reqwest::Client> {
        let current = self.client.load();
        if current.0 == pid {
            return Ok(current.1.clone());
        }
        let client = build_client(&self.options, self.direct)?;
        let previous = self
            .client
            .compare_and_swap(&*current, std::sync::Arc::new((pid, client.clone())));
        if std::sync::Arc::ptr_eq(&previous, &current) {
            // Ours replaced the parent's client.
            std::mem::forget(std::sync::Arc::clone(&previous));
            Ok(client)
        } else {
            // Another thread of this process rebuilt it first; use that one.
            Ok(previous.1.clone())
        }
    }
}

impl Drop for HttpClient {
    /// Leaks a parent's client, as `client_of` does, when a child drops what it inherited.
    fn drop(&mut self) {
        let current = self.client.load_full();
        if current.0 != std::process::id() {
            std::mem::forget(current);
        }
    }
}

/// A reqwest client with dbfed's settings: no redirects, timeouts, extra CA certificates, and
/// no proxy when `direct`.
fn build_client(options: &HttpOptions, direct: bool) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("dbfed/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout);
    if direct {
        builder = builder.no_proxy();
    }
    if let Some(path) = &options.ca_bundle {
        let pem = std::fs::read(path).map_err(|err| {
            Error::config(format!("cannot read CA bundle {}: {err}", path.display()))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
            Error::config(format!(
                "CA bundle {} is not valid PEM: {err}",
                path.display()
            ))
        })?;
        if certificates.is_empty() {
            return Err(Error::config(format!(
                "CA bundle {} holds no certificate",
                path.display()
            )));
        }
        builder = builder.tls_certs_merge(certificates);
    }
    builder
        .build()
        .map_err(|err| Error::config(format!("cannot build the HTTP client: {err}")))
}

impl HttpClient {
    /// GETs `url` with the given extra headers.
    pub async fn get(&self, url: &Url, headers: &[(&str, &str)]) -> Result<HttpResponse> {
        let mut request = self.client()?.get(url.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request, secrets_sent(&[], headers)).await
    }

    /// POSTs `form` to `url`, form-encoded, with the given extra headers.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse> {
        let mut request = self
            .client()?
            .post(url.clone())
            .header("Accept", "application/json")
            .form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request, secrets_sent(form, headers)).await
    }

    /// POSTs an empty JSON body to `url` with the given extra headers.
    pub async fn post_empty(&self, url: &Url, headers: &[(&str, &str)]) -> Result<HttpResponse> {
        let mut request = self
            .client()?
            .post(url.clone())
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body("{}");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request, secrets_sent(&[], headers)).await
    }

    async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
        sent_secrets: Vec<Secret>,
    ) -> Result<HttpResponse> {
        let endpoint = display_url(url);
        let mut response = request
            .send()
            .await
            .map_err(|err| transport_error(&endpoint, err))?;
        let status = response.status().as_u16();
        if let Some(length) = response.content_length()
            && length > MAX_BODY_BYTES as u64
        {
            return Err(body_too_large(&endpoint, status));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| transport_error(&endpoint, err))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(body_too_large(&endpoint, status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers: response.headers().clone(),
            body,
            sent_secrets,
        })
    }
}

fn body_too_large(endpoint: &str, status: u16) -> Error {
    Error::Malformed {
        endpoint: endpoint.to_owned(),
        status,
        reason: format!("response body larger than {MAX_BODY_BYTES} bytes"),
    }
}

fn transport_error(endpoint: &str, err: reqwest::Error) -> Error {
    // A body cut short is reported as a decode error: the connection failed, so it is retryable.
    let retryable = err.is_connect()
        || err.is_timeout()
        || err.is_request()
        || err.is_body()
        || err.is_decode();
    let message = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "connection failed".to_owned()
    };
    let err = err.without_url();
    Error::Transport {
        endpoint: endpoint.to_owned(),
        message: format!("{message} ({})", error_chain(&err)),
        retryable,
        cause: Some(std::sync::Arc::new(err)),
    }
}

/// An error and its causes on one line, since reqwest's own message is often just "error sending request".
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A URL for messages: scheme, host, port and path, never the query (which may carry a secret).
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

/// Parses `url` and refuses anything but `https`, or `http` to a loopback host.
pub(crate) fn secure_url(url: &str, what: &str) -> Result<Url> {
    let parsed = parse_url(url, what)?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::config(format!(
            "{what} `{}` uses plain http; only https is allowed (http only to loopback hosts)",
            display_url(&parsed)
        ))),
        other => Err(Error::config(format!(
            "{what} `{}` has unsupported scheme `{other}`",
            display_url(&parsed)
        ))),
    }
}

/// Like [`secure_url`], but also lets plain http reach a cloud metadata server: the link-local
/// addresses `169.254.169.254` and `fd00:ec2::254`, and `metadata.google.internal`. Only
/// sources that talk to such a server use it.
pub(crate) fn metadata_service_url(url: &str, what: &str) -> Result<Url> {
    let parsed = parse_url(url, what)?;
    let metadata_host = match parsed.host() {
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::new(169, 254, 169, 254),
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("metadata.google.internal"),
        None => false,
    };
    if parsed.scheme() == "http" && metadata_host {
        return Ok(parsed);
    }
    secure_url(url, what)
}

/// Parses `url`, refusing one that carries a user name or password (`user:secret@host`):
/// neither is ever sent, and errors show neither.
fn parse_url(url: &str, what: &str) -> Result<Url> {
    let parsed = Url::parse(url.trim()).map_err(|err| {
        Error::config(format!(
            "{what} `{}` is not a URL: {err}",
            without_userinfo(url)
        ))
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "{what} `{}` carries a user name or password (`user:…@`); dbfed takes credentials only from its own options",
            display_url(&parsed)
        )));
    }
    Ok(parsed)
}

/// A text that failed to parse as a URL, for a message: anything before an `@` after the
/// scheme (a user name or password) masked, control characters dropped.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let shown = match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://…{}", &rest[at..]),
        None if scheme.is_empty() => rest.to_owned(),
        None => format!("{scheme}://{rest}"),
    };
    crate::server_text::quoted(&shown, &[])
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_builds_its_own_client_and_never_drops_the_parents() {
        let http = HttpClient::new(&HttpOptions::default()).unwrap();
        let parents = std::sync::Arc::downgrade(&http.client.load_full());
        let child_pid = std::process::id().wrapping_add(1);

        http.client_of(child_pid).unwrap();

        assert_eq!(
            http.client.load().0,
            child_pid,
            "the child has a client of its own"
        );
        assert!(
            parents.upgrade().is_some(),
            "the parent's client was dropped in the child"
        );
        http.client_of(child_pid).unwrap();
        assert_eq!(http.client.load().0, child_pid);
    }

    #[test]
    fn a_child_dropping_what_it_inherited_leaks_the_parents_client() {
        let http = HttpClient::new(&HttpOptions::default()).unwrap();
        let parent_pid = std::process::id().wrapping_add(1);
        let parents =
            std::sync::Arc::new((parent_pid, build_client(&http.options, false).unwrap()));
        let weak = std::sync::Arc::downgrade(&parents);
        http.client.store(parents);

        drop(http);

        assert!(
            weak.upgrade().is_some(),
            "the parent's client was dropped in the child"
        );
    }

    #[test]
    fn only_https_or_loopback_http_is_accepted() {
        for ok in [
            "https://example.com/x",
            "http://127.0.0.1:8080/x",
            "http://127.9.9.9/x",
            "http://[::1]:1/x",
            "http://localhost/x",
        ] {
            assert!(secure_url(ok, "url").is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/x",
            "http://10.0.0.1/x",
            "http://localhost.evil.com/x",
            "ftp://example.com",
            "not a url",
        ] {
            assert!(
                matches!(secure_url(bad, "url"), Err(Error::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn plain_http_reaches_only_metadata_servers_and_loopback() {
        for ok in [
            "http://169.254.169.254/metadata/identity/oauth2/token",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://[fd00:ec2::254]/latest",
            "http://127.0.0.1:9/x",
        ] {
            assert!(metadata_service_url(ok, "url").is_ok(), "{ok}");
        }
        for bad in [
            "http://169.254.169.253/x",
            "http://metadata.google.internal.evil.com/",
        ] {
            assert!(metadata_service_url(bad, "url").is_err(), "{bad}");
        }
    }

    #[test]
    fn display_url_drops_query_and_credentials() {
        let url = Url::parse("https://user:pw@host/path?token=abc#frag").unwrap();
        assert_eq!(display_url(&url), "https://host/path");
    }
}
