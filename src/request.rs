//! The request as the engine sees it: method, target, authority, headers (values as bytes), the
//! connection's peer and TLS state. Built by the host glue (or the CLI); never parsed again.

use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `:method`.
    pub method: String,
    /// `:path`: the request target as received (path and query).
    pub target: Vec<u8>,
    /// `:authority` (the Host).
    pub authority: Vec<u8>,
    /// Every header, in order, pseudo-headers included; names lower-case, values raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The connection's peer (Envoy `source.address`), when known.
    pub peer: Option<IpAddr>,
    /// Whether the connection to Envoy is TLS (Envoy `connection.tls_version` present).
    pub tls: bool,
    /// `x-request-id` (or Envoy `request.id`).
    pub id: String,
}

impl Request {
    /// Builds the view from a header list; pseudo-headers fill method, target and authority.
    pub fn from_headers(headers: Vec<(String, Vec<u8>)>) -> Request {
        let mut r = Request { headers, ..Default::default() };
        for (name, value) in &r.headers {
            match name.as_str() {
                ":method" => r.method = String::from_utf8_lossy(value).into_owned(),
                ":path" => r.target = value.clone(),
                ":authority" => r.authority = value.clone(),
                "host" if r.authority.is_empty() => r.authority = value.clone(),
                "x-request-id" => r.id = String::from_utf8_lossy(value).into_owned(),
                _ => {}
            }
        }
        r
    }

    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// Every value of a header, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// The path of the target without query values, for audit records: `/a/b?x&y`.
    pub fn path_without_query_values(&self) -> String {
        let target = String::from_utf8_lossy(&self.target);
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target.as_ref(), None),
        };
        let path = path.split('#').next().unwrap_or("");
        let mut out: String = path.chars().take(2048).collect();
        if let Some(q) = query {
            let names: Vec<&str> = q
                .split('#')
                .next()
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split('=').next().unwrap_or(""))
                .take(64)
                .collect();
            out.push('?');
            out.push_str(&names.join("&"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_headers_fill_the_view() {
        let r = Request::from_headers(vec![
            (":method".into(), b"POST".to_vec()),
            (":path".into(), b"/a?token=secret&x=1".to_vec()),
            (":authority".into(), b"example.com".to_vec()),
            ("x-request-id".into(), b"r-1".to_vec()),
        ]);
        assert_eq!(r.method, "POST");
        assert_eq!(r.authority, b"example.com");
        assert_eq!(r.id, "r-1");
        assert_eq!(r.path_without_query_values(), "/a?token&x");
    }
}
