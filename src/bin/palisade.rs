//! The `palisade` command: the filter's own engine outside Envoy — check configurations, print
//! the JSON Schema. Every subcommand calls the same library code the filter runs.

use clap::{Parser, Subcommand, ValueEnum};
use palisade::cli;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "palisade", version, about = "Palisade API-security filter: configuration and request tools")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    /// One JSON object per line (per case, for `eval`).
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Validate configurations exactly as the filter does (bare JSON, or Envoy YAML/JSON holding
    /// Palisade filters). Exit status 1 when any has errors.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run one request through the engine and show the verdict and why.
    Explain {
        /// The configuration (bare JSON).
        #[arg(long)]
        config: PathBuf,
        /// The TCP peer address of the request (default 127.0.0.1, or the request file's).
        #[arg(long)]
        client_ip: Option<String>,
        /// Treat the connection as TLS.
        #[arg(long)]
        tls: bool,
        /// Time of the request, as RFC 3339 or seconds since the epoch (default: now).
        #[arg(long)]
        time: Option<String>,
        /// Keys for a JWT provider with remote JWKS, as `PROVIDER=FILE` (a JWKS JSON file); may be
        /// repeated. Without it such providers have no keys (as before Envoy's first fetch).
        #[arg(long, value_name = "PROVIDER=FILE")]
        jwks: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A request file (JSON/YAML: method, path, headers, body) or a curl command line
        /// (`curl -X POST -H 'a: b' -d 'x' http://host/path`).
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
        request: Vec<String>,
    },
    /// Run a corpus of recorded requests (JSON lines) through the engine; print detection and
    /// false-positive rates per category and the cases that went wrong.
    Eval {
        /// The configuration (bare JSON).
        #[arg(long)]
        config: PathBuf,
        /// The corpus (JSON lines: id, category, attack, method, uri, headers, body).
        corpus: PathBuf,
        /// Threads to use (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Status codes counted as blocked.
        #[arg(long, value_delimiter = ',', default_value = "403")]
        blocked_statuses: Vec<u16>,
        /// How many wrong cases to list (text output).
        #[arg(long, default_value_t = 20)]
        show_wrong: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Read an API key on standard input and print its configuration entry (SHA-256 digest).
    HashKey {
        /// The consumer the key identifies.
        #[arg(long, default_value = "CONSUMER")]
        consumer: String,
        /// Scopes granted to the key (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// Make a new high-entropy API key; print it (once) and its configuration entry.
    GenKey {
        /// The consumer the key identifies.
        #[arg(long, default_value = "CONSUMER")]
        consumer: String,
        /// Scopes granted to the key (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// Print the JSON Schema (draft 2020-12) of the configuration.
    Schema,
    /// Read audit records (Envoy's log, or an access log with the filter state) and propose the
    /// narrowest WAF exclusions that would let the requests over the threshold through.
    Tune {
        /// The configuration (bare JSON) the records were made with.
        #[arg(long)]
        config: PathBuf,
        /// Write the configuration with the proposed exclusions added to this file (checked by
        /// the filter's own compiler first).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Propose a rule on a target only when at least this many requests over the threshold
        /// matched it there.
        #[arg(long, default_value_t = 3)]
        min_requests: usize,
        /// ... and they came from at least this many client addresses.
        #[arg(long, default_value_t = 2)]
        min_clients: usize,
        /// Output format (`json`: the report, proposals and the exclusions to add per policy).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Log files (`-` for standard input).
        #[arg(required = true)]
        logs: Vec<PathBuf>,
    },
}

/// Writes to standard output, ignoring a closed pipe (`palisade eval ... | head`).
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes to standard error, ignoring errors.
fn eout(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn fail(msg: &str) -> ExitCode {
    eout(&format!("palisade: {msg}\n"));
    ExitCode::from(2)
}

fn parse_time(t: &str) -> Result<u64, String> {
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(secs.saturating_mul(1000));
    }
    humantime::parse_rfc3339_weak(t)
        .map_err(|e| format!("--time {t}: {e}"))
        .and_then(|st| st.duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string()))
        .map(|d| d.as_millis() as u64)
}

#[allow(clippy::too_many_arguments)]
fn explain(
    config: PathBuf,
    client_ip: Option<String>,
    tls: bool,
    time: Option<String>,
    jwks: Vec<String>,
    format: Format,
    request: Vec<String>,
) -> ExitCode {
    use palisade::cli::explain as ex;
    let bytes = match std::fs::read(&config) {
        Ok(b) => b,
        Err(e) => return fail(&format!("cannot read {}: {e}", config.display())),
    };
    let policy = match palisade::Policy::from_json(&bytes) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors {
                eout(&format!("{}: {e}\n", config.display()));
            }
            return ExitCode::from(1);
        }
    };
    for entry in &jwks {
        let Some((name, file)) = entry.split_once('=') else {
            return fail(&format!("--jwks {entry}: write PROVIDER=FILE"));
        };
        let Some(provider) = policy.auth.providers.iter().find(|p| p.name == name) else {
            return fail(&format!("--jwks {entry}: no provider named \"{name}\" in auth.jwt_providers"));
        };
        match std::fs::read(file).map_err(|e| e.to_string()).and_then(|b| {
            palisade::auth::Jwks::parse(&b)
                .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
        }) {
            Ok(set) => {
                provider.keys.replace(set);
            }
            Err(e) => return fail(&format!("--jwks {entry}: {e}")),
        }
    }
    let spec = if request.len() == 1 && !request[0].starts_with("http") && std::path::Path::new(&request[0]).is_file() {
        match std::fs::read(&request[0]).map_err(|e| e.to_string()).and_then(|b| ex::parse_request_file(&b)) {
            Ok(s) => s,
            Err(e) => return fail(&format!("{}: {e}", request[0])),
        }
    } else {
        // A whole curl command given as one quoted argument is split like a shell would.
        let request = match request.as_slice() {
            [one] if one.trim_start().starts_with("curl ") => match shell_words::split(one) {
                Ok(words) => words,
                Err(e) => return fail(&format!("cannot split the curl command: {e}")),
            },
            _ => request,
        };
        match ex::parse_curl(&request) {
            Ok(s) => s,
            Err(e) => return fail(&e),
        }
    };
    let req = match ex::to_request(&spec, client_ip.as_deref(), tls.then_some(true)) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let now_ms = match time.as_deref().map(parse_time).transpose() {
        Ok(Some(t)) => t,
        Ok(None) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        Err(e) => return fail(&e),
    };
    let v = ex::explain(&policy, &spec, &req, now_ms);
    match format {
        Format::Text => out(&ex::render_text(&v, cli::color_stdout()).to_string()),
        Format::Json | Format::Jsonl => out(&format!("{v}\n")),
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Check { files, format } => {
            let mut reports = Vec::new();
            for f in &files {
                reports.extend(cli::check::check_file(f));
            }
            let failed = reports.iter().any(|r| !r.errors.is_empty());
            match format {
                Format::Text => out(&cli::check::render_text(&reports, cli::color_stdout()).to_string()),
                Format::Json | Format::Jsonl => out(&format!("{}\n", cli::check::render_json(&reports))),
            }
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Explain { config, client_ip, tls, time, jwks, format, request } => {
            explain(config, client_ip, tls, time, jwks, format, request)
        }
        Command::Eval { config, corpus, jobs, blocked_statuses, show_wrong, format } => {
            let policy = match std::fs::read(&config).map_err(|e| e.to_string()).and_then(|b| {
                palisade::Policy::from_json(&b)
                    .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
            }) {
                Ok(p) => p,
                Err(e) => return fail(&format!("{}: {e}", config.display())),
            };
            let text = match std::fs::read_to_string(&corpus) {
                Ok(t) => t,
                Err(e) => return fail(&format!("cannot read {}: {e}", corpus.display())),
            };
            let (cases, errors) = cli::eval::load(&text);
            for e in &errors {
                eout(&format!("{}: {e}\n", corpus.display()));
            }
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            let results = cli::eval::run(&policy, &cases, jobs, now);
            match format {
                Format::Text => out(&cli::eval::render_text(&results, &blocked_statuses, show_wrong).to_string()),
                Format::Json => out(&format!("{}\n", cli::eval::render_json(&results, &blocked_statuses))),
                Format::Jsonl => out(&cli::eval::render_jsonl(&results).to_string()),
            }
            ExitCode::SUCCESS
        }
        Command::Tune { config, out: out_file, min_requests, min_clients, format, logs } => {
            tune(config, out_file, cli::tune::Options { min_requests, min_clients }, format, logs)
        }
        Command::HashKey { consumer, scopes } => {
            let mut input = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut input) {
                return fail(&format!("cannot read standard input: {e}"));
            }
            match cli::keys::key_from_input(&input) {
                Ok(key) => {
                    out(&format!("{}\n", cli::keys::entry(key, &consumer, &scopes)));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::GenKey { consumer, scopes } => match cli::keys::generate() {
            Ok(key) => {
                eout("New API key (shown once; give it to the client, keep only the entry):\n");
                out(&format!("{key}\n"));
                eout("Configuration entry for auth.api_keys.keys:\n");
                out(&format!("{}\n", cli::keys::entry(&key, &consumer, &scopes)));
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Schema => {
            out(&format!("{}\n", cli::schema::schema_json()));
            ExitCode::SUCCESS
        }
    }
}

fn tune(
    config: PathBuf,
    out_file: Option<PathBuf>,
    opts: cli::tune::Options,
    format: Format,
    logs: Vec<PathBuf>,
) -> ExitCode {
    let bytes = match std::fs::read(&config) {
        Ok(b) => b,
        Err(e) => return fail(&format!("cannot read {}: {e}", config.display())),
    };
    if let Err(errors) = palisade::Policy::from_json(&bytes) {
        for e in &errors {
            eout(&format!("{}: {e}\n", config.display()));
        }
        return ExitCode::from(1);
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return fail(&format!("{}: not a bare JSON configuration", config.display()));
    };
    let mut records = Vec::new();
    let mut unreadable = 0;
    for log in &logs {
        let text = if log.as_os_str() == "-" {
            let mut t = String::new();
            match std::io::Read::read_to_string(&mut std::io::stdin(), &mut t) {
                Ok(_) => t,
                Err(e) => return fail(&format!("cannot read standard input: {e}")),
            }
        } else {
            match std::fs::read(log) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => return fail(&format!("cannot read {}: {e}", log.display())),
            }
        };
        let (mut r, bad) = cli::tune::read_records(&text);
        records.append(&mut r);
        unreadable += bad;
    }
    let mut report = cli::tune::tune(&value, &records, opts);
    report.unreadable = unreadable;
    let tuned = match serde_json::to_vec_pretty(&report.config) {
        Ok(t) => t,
        Err(e) => return fail(&e.to_string()),
    };
    if let Err(errors) = palisade::Policy::from_json(&tuned) {
        for e in &errors {
            eout(&format!("the tuned configuration: {e}\n"));
        }
        return ExitCode::from(1);
    }
    if let Some(path) = &out_file {
        let mut tuned = tuned;
        tuned.push(b'\n');
        if let Err(e) = std::fs::write(path, tuned) {
            return fail(&format!("cannot write {}: {e}", path.display()));
        }
    }
    match format {
        Format::Json | Format::Jsonl => {
            let mut add = serde_json::Map::new();
            for p in &report.proposals {
                let list = add.entry(p.policy.clone()).or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.push(serde_json::json!({"target": p.target, "tags": p.categories}));
                }
            }
            let mut v = serde_json::to_value(&report).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("exclusions_to_add".into(), serde_json::Value::Object(add));
            }
            out(&format!("{v}\n"));
        }
        Format::Text => {
            out(&cli::tune::render_text(&report, opts));
            match &out_file {
                Some(p) => out(&format!("Wrote the configuration with these exclusions to {}.\n", p.display())),
                None if !report.proposals.is_empty() => {
                    out("Add --out FILE to write the configuration with these exclusions.\n")
                }
                None => {}
            }
        }
    }
    ExitCode::SUCCESS
}
