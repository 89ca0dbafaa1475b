//! The `next` link of a list page. gcorelabscloud-go requests its `href`
//! verbatim as the next URL, so it must be absolute: it is built from the
//! request's own `Host` (or HTTP/2 authority) and path, and the scheme the
//! server serves (`https` with TLS), which `X-Forwarded-Proto: http|https`
//! overrides for a server behind a TLS-terminating proxy. Both headers only
//! shape the link in the answer to the client that sent them.

use axum::http::{HeaderMap, Uri, header, uri::Authority};

use super::input::ListParams;
use crate::http::ApiError;

/// The next page's URL, or `None` on the last page (or an empty one).
pub fn next_page(
    headers: &HeaderMap,
    uri: &Uri,
    https: bool,
    params: &ListParams,
    shown: usize,
    count: u64,
) -> Result<Option<String>, ApiError> {
    let next = params.offset.saturating_add(shown as u64);
    if shown == 0 || next >= count {
        return Ok(None);
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("project_id", &params.project.0.to_string());
    if let Some(user) = &params.user {
        query.append_pair("user_id", user);
    }
    if let Some(fingerprint) = &params.fingerprint {
        query.append_pair("fingerprint", fingerprint.as_str());
    }
    if params.limit_given {
        query.append_pair("limit", &params.limit.to_string());
    }
    query.append_pair("offset", &next.to_string());
    let (scheme, host) = (scheme(headers, https), host(headers, uri)?);
    Ok(Some(format!("{scheme}://{host}{}?{}", uri.path(), query.finish())))
}

/// `Host`, or the HTTP/2 `:authority`; a host and optional port only.
fn host(headers: &HeaderMap, uri: &Uri) -> Result<String, ApiError> {
    let raw = match headers.get(header::HOST) {
        Some(value) => value.to_str().ok(),
        None => uri.authority().map(Authority::as_str),
    };
    raw.and_then(|h| h.parse::<Authority>().ok())
        .filter(|a| !a.as_str().contains('@'))
        .map(|a| a.as_str().to_owned())
        .ok_or_else(|| ApiError::validation("the Host header is missing or invalid; the next page's link needs it"))
}

fn scheme(headers: &HeaderMap, https: bool) -> &'static str {
    let forwarded = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
    match forwarded.map(|v| v.split(',').next().unwrap_or("").trim()) {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        Some(p) if p.eq_ignore_ascii_case("http") => "http",
        _ if https => "https",
        _ => "http",
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::domain::{KeyFingerprint, ProjectId};

    fn params(user: Option<&str>, limit: Option<u32>, offset: u64) -> ListParams {
        let (limit_given, limit) = (limit.is_some(), limit.unwrap_or(100));
        ListParams {
            project: ProjectId(5),
            user: user.map(str::to_owned),
            fingerprint: None,
            limit,
            limit_given,
            offset,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn the_next_link_is_absolute_and_repeats_the_query_with_the_next_offset() {
        let uri: Uri = "/cloud/v2/keypairs?project_id=5&user_id=a+b".parse().unwrap();
        let host = headers(&[("host", "keys.example:8443")]);
        let next = next_page(&host, &uri, true, &params(Some("a b"), None, 0), 100, 250).unwrap();
        assert_eq!(
            next.as_deref(),
            Some("https://keys.example:8443/cloud/v2/keypairs?project_id=5&user_id=a+b&offset=100")
        );
        let next = next_page(&host, &uri, false, &params(None, Some(2), 4), 2, 7).unwrap();
        assert_eq!(next.as_deref(), Some("http://keys.example:8443/cloud/v2/keypairs?project_id=5&limit=2&offset=6"));
        let sha = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        let filtered = ListParams { fingerprint: KeyFingerprint::parse(sha).ok(), ..params(None, Some(1), 0) };
        let next = next_page(&host, &uri, false, &filtered, 1, 2).unwrap().unwrap();
        let expected = "?project_id=5&fingerprint=SHA256%3A47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU&limit=1";
        assert!(next.ends_with(&format!("{expected}&offset=1")), "the fingerprint is kept, encoded: {next}");
    }

    #[test]
    fn the_last_page_and_an_empty_page_have_no_link() {
        let uri: Uri = "/cloud/v2/keypairs".parse().unwrap();
        let host = headers(&[("host", "h")]);
        assert_eq!(next_page(&host, &uri, false, &params(None, Some(2), 4), 2, 6).unwrap(), None);
        assert_eq!(next_page(&host, &uri, false, &params(None, None, 900), 0, 6).unwrap(), None);
    }

    #[test]
    fn a_proxy_may_set_the_scheme_and_a_bad_host_is_refused() {
        let uri: Uri = "/cloud/v2/keypairs".parse().unwrap();
        let proxied = headers(&[("host", "h"), ("x-forwarded-proto", "HTTPS")]);
        let next = next_page(&proxied, &uri, false, &params(None, None, 0), 1, 2).unwrap().unwrap();
        assert!(next.starts_with("https://h/"), "{next}");
        for bad in [headers(&[("host", "user@h")]), headers(&[("host", "h/x")]), HeaderMap::new()] {
            assert!(next_page(&bad, &uri, false, &params(None, None, 0), 1, 2).is_err(), "{bad:?}");
        }
    }
}
