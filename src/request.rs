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
    headers: Headers,
    /// The connection's peer (Envoy `source.address`), when known.
    pub peer: Option<IpAddr>,
    /// The host left `peer` unread because the policy needs it only for denials
    /// (`Policy::peer_only_for_denials`); `Host::peer_address` gives it then.
    pub peer_deferred: bool,
    /// Whether the connection to Envoy is TLS (Envoy `connection.tls_version` present).
    pub tls: bool,
    /// `x-request-id` (or Envoy `request.id`).
    pub id: String,
}

/// Headers in one buffer (names and values as received, each followed by a NUL: the layout of
/// proxy-wasm's serialized header maps, so that the host's buffer is used as it is) with the
/// position of each name and value. One allocation for all headers instead of two per header.
#[derive(Debug, Clone, Default)]
struct Headers {
    buf: Vec<u8>,
    /// Start and length of the name, start and length of the value.
    spans: Vec<[u32; 4]>,
}

impl Headers {
    fn push(&mut self, name: &[u8], value: &[u8]) {
        let name_start = self.buf.len() as u32;
        self.buf.extend_from_slice(name);
        self.buf.push(0);
        let value_start = self.buf.len() as u32;
        self.buf.extend_from_slice(value);
        self.buf.push(0);
        self.spans.push([name_start, name.len() as u32, value_start, value.len() as u32]);
    }

    /// The name's bytes (no UTF-8 check: for comparisons).
    fn name_bytes(&self, span: &[u32; 4]) -> &[u8] {
        let [ns, nl, ..] = span.map(|x| x as usize);
        &self.buf[ns..ns + nl]
    }

    fn value(&self, span: &[u32; 4]) -> &[u8] {
        let [.., vs, vl] = span.map(|x| x as usize);
        &self.buf[vs..vs + vl]
    }

    fn get(&self, span: &[u32; 4]) -> (&str, &[u8]) {
        let [ns, nl, vs, vl] = span.map(|x| x as usize);
        // Names are checked to be UTF-8 when the list is built.
        let name = std::str::from_utf8(&self.buf[ns..ns + nl]).unwrap_or_default();
        (name, &self.buf[vs..vs + vl])
    }
}

/// A proxy-wasm serialized header map that does not follow the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedHeaderMap;

impl Request {
    /// Builds the view from a header list; pseudo-headers fill method, target and authority.
    pub fn from_headers(headers: Vec<(String, Vec<u8>)>) -> Request {
        let mut list = Headers {
            buf: Vec::with_capacity(headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum()),
            spans: Vec::with_capacity(headers.len()),
        };
        for (name, value) in &headers {
            list.push(name.as_bytes(), value);
        }
        Request::from_list(list)
    }

    /// Builds the view from a header map serialized as proxy-wasm hosts return it: the number of
    /// headers (u32, little endian), then each header's name and value lengths (u32 each), then
    /// each name and value followed by a NUL byte. The buffer is kept as it is; a header name
    /// that is not UTF-8 is replaced by its lossy form.
    pub fn from_serialized_headers(buf: Vec<u8>) -> Result<Request, MalformedHeaderMap> {
        let u32_at = |at: usize| -> Result<usize, MalformedHeaderMap> {
            let b = buf.get(at..at + 4).ok_or(MalformedHeaderMap)?;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        if buf.is_empty() {
            return Ok(Request::from_list(Headers::default()));
        }
        let count = u32_at(0)?;
        let table_end = count.checked_mul(8).and_then(|t| t.checked_add(4)).ok_or(MalformedHeaderMap)?;
        if table_end > buf.len() {
            return Err(MalformedHeaderMap);
        }
        let mut spans = Vec::with_capacity(count);
        let mut at = table_end;
        let mut all_utf8 = true;
        for i in 0..count {
            let name_len = u32_at(4 + i * 8)?;
            let value_len = u32_at(8 + i * 8)?;
            let name_start = at;
            let value_start =
                name_start.checked_add(name_len).and_then(|x| x.checked_add(1)).ok_or(MalformedHeaderMap)?;
            at = value_start.checked_add(value_len).and_then(|x| x.checked_add(1)).ok_or(MalformedHeaderMap)?;
            if at > buf.len() || buf[value_start - 1] != 0 || buf[at - 1] != 0 {
                return Err(MalformedHeaderMap);
            }
            let name = &buf[name_start..name_start + name_len];
            all_utf8 &= name.is_ascii() || std::str::from_utf8(name).is_ok();
            spans.push([name_start as u32, name_len as u32, value_start as u32, value_len as u32]);
        }
        let list = Headers { buf, spans };
        if !all_utf8 {
            let mut fixed = Headers::default();
            for [ns, nl, vs, vl] in list.spans.iter().map(|s| s.map(|x| x as usize)) {
                let name = String::from_utf8_lossy(&list.buf[ns..ns + nl]);
                fixed.push(name.as_bytes(), &list.buf[vs..vs + vl]);
            }
            return Ok(Request::from_list(fixed));
        }
        Ok(Request::from_list(list))
    }

    fn from_list(headers: Headers) -> Request {
        let mut r = Request { headers, ..Default::default() };
        for span in &r.headers.spans {
            let value = r.headers.value(span);
            match r.headers.name_bytes(span) {
                b":method" => r.method = String::from_utf8_lossy(value).into_owned(),
                b":path" => r.target = value.to_vec(),
                b":authority" => r.authority = value.to_vec(),
                b"host" if r.authority.is_empty() => r.authority = value.to_vec(),
                b"x-request-id" => r.id = String::from_utf8_lossy(value).into_owned(),
                _ => {}
            }
        }
        r
    }

    /// Every header, in order: (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + Clone + '_ {
        self.headers.spans.iter().map(|s| self.headers.get(s))
    }

    /// How many headers (pseudo-headers included).
    pub fn header_count(&self) -> usize {
        self.headers.spans.len()
    }

    /// How many regular headers (pseudo-headers left out) and their names' and values' bytes.
    pub fn regular_header_totals(&self) -> (u64, u64) {
        let h = &self.headers;
        h.spans
            .iter()
            .filter(|s| !h.name_bytes(s).starts_with(b":"))
            .fold((0, 0), |(count, bytes), s| (count + 1, bytes + u64::from(s[1]) + u64::from(s[3])))
    }

    /// Adds a header at the end (for requests built by hand: tests, the CLI).
    pub fn push_header(&mut self, name: &str, value: &[u8]) {
        self.headers.push(name.as_bytes(), value);
    }

    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        let h = &self.headers;
        h.spans.iter().find(|s| h.name_bytes(s) == name.as_bytes()).map(|s| h.value(s))
    }

    /// Every value of a header, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let h = &self.headers;
        h.spans.iter().filter(move |s| h.name_bytes(s) == name.as_bytes()).map(move |s| h.value(s))
    }

    /// The path of the target without query values, for audit records: `/a/b?x&y`.
    pub fn path_without_query_values(&self) -> String {
        path_without_query_values(&self.target)
    }
}

/// The path of a request target without query values, for audit records: `/a/b?x&y`.
pub fn path_without_query_values(target: &[u8]) -> String {
    let target = String::from_utf8_lossy(target);
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

/// Serializes headers in the proxy-wasm map layout that `Request::from_serialized_headers` reads.
pub fn serialize_headers<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])> + Clone) -> Vec<u8> {
    let count = headers.clone().count();
    let bytes: usize = headers.clone().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut out = Vec::with_capacity(4 + 8 * count + bytes);
    out.extend_from_slice(&(count as u32).to_le_bytes());
    for (n, v) in headers.clone() {
        out.extend_from_slice(&(n.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (n, v) in headers {
        out.extend_from_slice(n.as_bytes());
        out.push(0);
        out.extend_from_slice(v);
        out.push(0);
    }
    out
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

    fn serialize(headers: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = (headers.len() as u32).to_le_bytes().to_vec();
        for (n, v) in headers {
            out.extend_from_slice(&(n.len() as u32).to_le_bytes());
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        }
        for (n, v) in headers {
            out.extend_from_slice(n);
            out.push(0);
            out.extend_from_slice(v);
            out.push(0);
        }
        out
    }

    #[test]
    fn a_serialized_header_map_is_read_in_place_and_equals_the_list_form() {
        let pairs: Vec<(&[u8], &[u8])> = vec![
            (b":method", b"GET"),
            (b":path", b"/x?a=1"),
            (b"cookie", b"a=1"),
            (b"cookie", b""),
            (b"x-b", b"\xff\x00z"),
        ];
        let r = Request::from_serialized_headers(serialize(&pairs)).unwrap();
        let list = Request::from_headers(
            pairs.iter().map(|(n, v)| (String::from_utf8(n.to_vec()).unwrap(), v.to_vec())).collect(),
        );
        assert_eq!(r.headers().collect::<Vec<_>>(), list.headers().collect::<Vec<_>>());
        assert_eq!(r.header_count(), 5);
        assert_eq!(r.method, "GET");
        assert_eq!(r.header_values("cookie").collect::<Vec<_>>(), vec![b"a=1".as_slice(), b""]);
        assert_eq!(r.header("x-b"), Some(b"\xff\x00z".as_slice()));
        assert_eq!(Request::from_serialized_headers(Vec::new()).unwrap().header_count(), 0);
        assert_eq!(serialize_headers(r.headers()), serialize(&pairs));
    }

    #[test]
    fn a_malformed_or_non_utf8_serialized_map_is_refused_or_repaired_never_a_panic() {
        let good = serialize(&[(b"a", b"1"), (b"b", b"22")]);
        for cut in 0..good.len() {
            let _ = Request::from_serialized_headers(good[..cut].to_vec());
        }
        assert!(Request::from_serialized_headers(good[..good.len() - 1].to_vec()).is_err());
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Request::from_serialized_headers(huge).is_err());
        let mut no_nul = good.clone();
        let n = no_nul.len();
        no_nul[n - 1] = b'x';
        assert!(Request::from_serialized_headers(no_nul).is_err());
        let r = Request::from_serialized_headers(serialize(&[(b"n\xffame", b"v")])).unwrap();
        assert_eq!(r.headers().next(), Some(("n\u{fffd}ame", b"v".as_slice())));
    }
}
