//! The compiled, immutable policy: everything a request needs, built once from the configuration.
//! `compile` validates the whole configuration and reports every mistake with its JSON path; the
//! request path only reads the result.

use crate::auth::{Authenticators, PolicyAuth};
use crate::config::{self, Config, ConfigError, Mode, PolicyConfig};
use crate::denial::{Denial, Reason};
use crate::host::Host;
use crate::ip::{ClientIpRule, IpSet};
use crate::limits::Limits;
use crate::ratelimit::{PenaltyBox, RateLimitRules, RateLimitStore, Seed};
use crate::response_headers::ResponseHeaderRules;
use crate::route::Route;
use crate::waf::Waf;
use std::net::IpAddr;

/// Allow and deny lists at one place of the configuration (global or a policy).
#[derive(Debug, Clone, Default)]
pub struct IpLists {
    allow: IpSet,
    deny: IpSet,
    at: String,
}

impl IpLists {
    fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    fn compile(cfg: &config::IpListsConfig, at: &str, errors: &mut Vec<ConfigError>) -> IpLists {
        IpLists {
            allow: IpSet::compile(&cfg.allow, &format!("{at}.allow"), errors),
            deny: IpSet::compile(&cfg.deny, &format!("{at}.deny"), errors),
            at: at.to_string(),
        }
    }

    /// Deny wins; a non-empty allow list admits only its members. An unknown client address
    /// is denied by any non-empty list (fail closed).
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Denial> {
        if self.allow.is_empty() && self.deny.is_empty() {
            return Ok(());
        }
        let Some(ip) = client else {
            return Err(
                Denial::new(Reason::IpNotAllowed, "the client address is unknown").rule(format!("{}.allow", self.at))
            );
        };
        if self.deny.contains(ip) {
            return Err(
                Denial::new(Reason::IpDenied, "the client address is on a deny list").rule(format!("{}.deny", self.at))
            );
        }
        if !self.allow.is_empty() && !self.allow.contains(ip) {
            return Err(Denial::new(Reason::IpNotAllowed, "the client address is not on the allow list")
                .rule(format!("{}.allow", self.at)));
        }
        Ok(())
    }
}

/// One compiled policy.
#[derive(Debug)]
pub struct PolicyRules {
    pub name: String,
    pub mode: Mode,
    pub ip: IpLists,
    pub require_tls: bool,
    pub limits: Limits,
    pub response_headers: ResponseHeaderRules,
    pub rate_limits: RateLimitRules,
    pub waf: Option<Waf>,
    pub auth: PolicyAuth,
}

impl PolicyRules {
    fn compile(
        name: &str,
        cfg: &PolicyConfig,
        global_mode: Mode,
        store: &RateLimitStore,
        authenticators: &Authenticators,
        errors: &mut Vec<ConfigError>,
    ) -> PolicyRules {
        let at = format!("policies.{name}");
        PolicyRules {
            name: name.to_string(),
            mode: cfg.mode.unwrap_or(global_mode),
            ip: IpLists::compile(&cfg.ip, &format!("{at}.ip"), errors),
            require_tls: cfg.require_tls,
            limits: Limits::compile(&cfg.limits, &format!("{at}.limits"), errors),
            response_headers: ResponseHeaderRules::compile(
                &cfg.response_headers,
                &format!("{at}.response_headers"),
                errors,
            ),
            rate_limits: RateLimitRules::compile(name, &cfg.rate_limits, store, &format!("{at}.rate_limits"), errors),
            auth: PolicyAuth::compile(&cfg.auth, authenticators, &format!("{at}.auth"), errors),
            waf: cfg.waf.as_ref().and_then(|w| match Waf::compile(w, &format!("{at}.waf")) {
                Ok(waf) => Some(waf),
                Err(more) => {
                    errors.extend(more);
                    None
                }
            }),
        }
    }
}

/// Everything the engine reads per request.
#[derive(Debug)]
pub struct Policy {
    pub client_ip: ClientIpRule,
    pub ip: IpLists,
    pub routes: Vec<Route>,
    pub policies: Vec<PolicyRules>,
    pub default_policy: usize,
    pub audit: config::AuditConfig,
    /// The shared rate-limit table; `None` when no policy has a rate limit.
    pub rate_store: Option<RateLimitStore>,
    /// The penalty box, when configured.
    pub penalty: Option<PenaltyBox>,
    /// JWT providers, API keys and each worker's verified-token cache.
    pub auth: Authenticators,
    /// Some policy requires TLS: the host must read the connection's TLS state itself (otherwise
    /// `:scheme` is enough, for HSTS).
    pub needs_connection_tls: bool,
    /// No decision needs the client address (it is the connection's peer, and no IP list, rate
    /// limit key, penalty box or per-request audit uses it): the host may leave `Request::peer`
    /// unread and give it through `Host::peer_address` when a denial's audit record needs it.
    pub peer_only_for_denials: bool,
}

fn check_policy_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Policy {
    /// Parses and compiles configuration bytes: the one entry point used by the filter and the CLI.
    pub fn from_json(bytes: &[u8]) -> Result<Policy, Vec<ConfigError>> {
        let (cfg, mut errors) = config::parse_lenient(bytes);
        let Some(cfg) = cfg else {
            return Err(errors);
        };
        match Policy::compile(&cfg) {
            Ok(policy) if errors.is_empty() => Ok(policy),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    pub fn compile(cfg: &Config) -> Result<Policy, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let client_ip = ClientIpRule::compile(&cfg.client_ip, &mut errors);
        let ip = IpLists::compile(&cfg.ip, "ip", &mut errors);
        // Budgets are placed by a keyed hash whose seed every worker derives from the same
        // stable material: the rate-limiting section and the policy names.
        let mut material = serde_json::to_vec(&cfg.rate_limiting).unwrap_or_default();
        for name in cfg.policies.keys() {
            material.extend_from_slice(name.as_bytes());
            material.push(0);
        }
        let seed = Seed::derive(&material);
        let store = RateLimitStore::compile(&cfg.rate_limiting.table, "rate_limiting.table", seed, &mut errors);
        let penalty = cfg
            .rate_limiting
            .penalty_box
            .as_ref()
            .map(|pb| PenaltyBox::compile(pb, "rate_limiting.penalty_box", seed, &mut errors));
        let mut kept_claims: Vec<String> = Vec::new();
        for p in cfg.policies.values() {
            kept_claims.extend(PolicyAuth::claim_paths(&p.auth));
            for rule in &p.rate_limits {
                for part in rule.key.iter().flatten() {
                    if let crate::ratelimit::KeyPartConfig::Claim(c) = part {
                        kept_claims.push(c.clone());
                    }
                }
            }
        }
        kept_claims.sort();
        kept_claims.dedup();
        let authenticators = Authenticators::compile(&cfg.auth, &kept_claims, &mut errors);
        let mut policies = Vec::with_capacity(cfg.policies.len() + 1);
        for (name, p) in &cfg.policies {
            if !check_policy_name(name) {
                errors.push(ConfigError::new(
                    format!("policies.{name}"),
                    "a policy name uses letters, digits, '-' and '_' (at most 64)",
                ));
            }
            policies.push(PolicyRules::compile(name, p, cfg.mode, &store, &authenticators, &mut errors));
        }
        let default_policy = match policies.iter().position(|p| p.name == cfg.default_policy) {
            Some(i) => i,
            None if cfg.default_policy == "default" => {
                policies.push(PolicyRules::compile(
                    "default",
                    &PolicyConfig::default(),
                    cfg.mode,
                    &store,
                    &authenticators,
                    &mut errors,
                ));
                policies.len() - 1
            }
            None => {
                errors.push(ConfigError::new(
                    "default_policy",
                    format!("no policy named \"{}\" in \"policies\"", cfg.default_policy),
                ));
                0
            }
        };
        let lookup = |name: &str| policies.iter().position(|p| p.name == name);
        let mut routes = Vec::with_capacity(cfg.routes.len());
        for (i, r) in cfg.routes.iter().enumerate() {
            if let Some(route) = Route::compile(r, i, &lookup, &mut errors) {
                routes.push(route);
            }
        }
        if errors.is_empty() {
            let any_rules = policies.iter().any(|p| !p.rate_limits.rules().is_empty());
            Ok(Policy {
                client_ip,
                ip,
                routes,
                policies,
                default_policy,
                audit: cfg.audit.clone(),
                rate_store: any_rules.then_some(store),
                penalty,
                auth: authenticators,
                needs_connection_tls: false,
                peer_only_for_denials: false,
            }
            .with_tls_need())
        } else {
            Err(errors)
        }
    }

    fn with_tls_need(mut self) -> Policy {
        self.needs_connection_tls = self.policies.iter().any(|p| p.require_tls);
        self.peer_only_for_denials = self.client_ip.is_peer()
            && self.ip.is_empty()
            && self.penalty.is_none()
            && !self.audit.log_allowed
            && !self.audit.filter_state
            && self.policies.iter().all(|p| p.ip.is_empty() && !p.rate_limits.uses_client_ip());
        self
    }

    /// Prepares shared state (creates the fixed set of shared-data keys); called once per
    /// configuration by the host, before requests. Returns the number of keys created.
    pub fn prime(&self, host: &dyn Host) -> u32 {
        let mut created = 0;
        if let Some(store) = &self.rate_store {
            created += store.prime(host);
        }
        if let Some(penalty) = &self.penalty {
            created += penalty.prime(host);
        }
        crate::auth::jwks_refresh::prime(&self.auth.providers, host);
        created
    }

    /// Counter names derived from the configuration (per rate-limit rule), for hosts that
    /// define metrics up front.
    pub fn named_metrics(&self) -> Vec<String> {
        self.policies
            .iter()
            .flat_map(|p| {
                p.rate_limits
                    .rules()
                    .iter()
                    .flat_map(|r| [r.allowed_metric().to_string(), r.limited_metric().to_string()])
            })
            .collect()
    }

    /// The first matching route (its index) and the policy that applies.
    pub fn select(&self, method: &str, normalized_path: &str, host: &str) -> (Option<usize>, usize) {
        for (i, r) in self.routes.iter().enumerate() {
            if r.matches(method, normalized_path, host) {
                return (Some(i), r.policy);
            }
        }
        (None, self.default_policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(json: &str) -> Vec<String> {
        match Policy::from_json(json.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn three_semantic_mistakes_are_reported_together() {
        let errs = errors_of(
            r#"{"ip": {"deny": ["10.0.0.0/8", "1.2.3.4", "10.0.0.0/33"]},
                "policies": {"admin": {"limits": {"methods": ["get"]}}},
                "routes": [{"prefix": "/admin", "policy": "missing"}]}"#,
        );
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("ip.deny[2]: \"10.0.0.0/33\" is not a valid CIDR"), "{errs:?}");
        assert!(errs[1].starts_with("policies.admin.limits.methods[0]"), "{errs:?}");
        assert!(errs[2].starts_with("routes[0].policy"), "{errs:?}");
    }

    #[test]
    fn an_implicit_default_policy_exists() {
        let p = Policy::from_json(b"{}").unwrap();
        assert_eq!(p.policies[p.default_policy].name, "default");
        assert_eq!(p.select("GET", "/", "h"), (None, p.default_policy));
    }

    #[test]
    fn a_named_default_policy_must_exist() {
        let errs = errors_of(r#"{"default_policy": "strict"}"#);
        assert_eq!(errs, vec!["default_policy: no policy named \"strict\" in \"policies\""]);
    }

    #[test]
    fn first_matching_route_wins() {
        let p = Policy::from_json(
            br#"{"policies": {"a": {}, "b": {}},
                 "routes": [{"prefix": "/x/y", "policy": "a"}, {"prefix": "/x", "policy": "b"}]}"#,
        )
        .unwrap();
        let a = p.policies.iter().position(|x| x.name == "a").unwrap();
        let b = p.policies.iter().position(|x| x.name == "b").unwrap();
        assert_eq!(p.select("GET", "/x/y/z", "h"), (Some(0), a));
        assert_eq!(p.select("GET", "/x/q", "h"), (Some(1), b));
    }

    #[test]
    fn ip_lists_deny_wins_and_allow_admits_only_members() {
        let mut errors = Vec::new();
        let l = IpLists::compile(
            &config::IpListsConfig { allow: vec!["10.0.0.0/8".into()], deny: vec!["10.6.6.0/24".into()] },
            "ip",
            &mut errors,
        );
        assert!(l.check(Some("10.1.1.1".parse().unwrap())).is_ok());
        assert_eq!(l.check(Some("10.6.6.6".parse().unwrap())).unwrap_err().reason, Reason::IpDenied);
        assert_eq!(l.check(Some("192.0.2.1".parse().unwrap())).unwrap_err().reason, Reason::IpNotAllowed);
        assert_eq!(l.check(None).unwrap_err().reason, Reason::IpNotAllowed);
        assert!(IpLists::default().check(None).is_ok());
    }
}
