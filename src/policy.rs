//! Intended flows: a small TOML file naming the tiers (by security group name, ID or tag) and the flows
//! allowed between them, like the summary table of an architecture document. `sgaudit audit --policy FILE`
//! compares the account's actual flows with it (checks `flow-not-in-policy` and `policy-flow-broken`).
//!
//! ```toml
//! [tiers]
//! alb = ["ielts-prod-alb-sg"]                 # group names or IDs
//! backend = ["tag:Tier=backend"]              # or tag:KEY=VALUE
//! database = ["ielts-prod-rds-sg"]
//!
//! [[allow]]
//! from = "internet"                           # a tier, or "internet"
//! to = "alb"
//! ports = [80, 443]                           # ports or "FROM-TO" ranges; protocol defaults to tcp
//!
//! [[allow]]
//! from = "backend"
//! to = "database"
//! ports = [5432]
//! ```

use crate::flow::Traffic;
use crate::model::{PortRange, Protocol, SecurityGroup};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const INTERNET: &str = "internet";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    tiers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    allow: Vec<RawAllow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    from: String,
    to: String,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    ports: Vec<PortSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum PortSpec {
    One(u16),
    Range(String),
}

/// A parsed, validated policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The file it came from, for messages.
    pub file: String,
    /// Tier name → selectors, in file order of names.
    pub tiers: Vec<(String, Vec<Selector>)>,
    pub allow: Vec<Allow>,
}

/// How a tier names its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// A group ID (`sg-…`) or name.
    Group(String),
    /// `tag:KEY=VALUE` on the group.
    Tag(String, String),
}

impl Selector {
    pub fn matches(&self, g: &SecurityGroup) -> bool {
        match self {
            Selector::Group(s) => g.id == *s || g.name == *s,
            Selector::Tag(k, v) => g.tags.get(k) == Some(v),
        }
    }
}

/// One allowed flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub from: String,
    pub to: String,
    /// What is allowed: one entry per port or range (all traffic when the protocol is `all`).
    pub traffic: Vec<Traffic>,
    /// Its line in the file.
    pub line: usize,
}

impl Allow {
    pub fn describe(&self) -> String {
        let t: Vec<String> = self.traffic.iter().map(ToString::to_string).collect();
        format!("{} → {} on {}", self.from, self.to, t.join(", "))
    }
}

impl Policy {
    /// Parses and validates a policy's text; `file` names it in errors, with the line.
    pub fn parse(text: &str, file: &str) -> Result<Policy, String> {
        let raw: Raw = crate::tomlfile::parse(text, file)?;
        let headers = crate::tomlfile::headers(text, "allow");
        let mut tiers = Vec::new();
        for (name, sels) in raw.tiers {
            if name == INTERNET {
                return Err(format!("{file}: tier `internet` is reserved for the internet itself"));
            }
            if sels.is_empty() {
                return Err(format!("{file}: tier `{name}` names no group"));
            }
            let mut out = Vec::new();
            for s in sels {
                match s.strip_prefix("tag:") {
                    Some(kv) => match kv.split_once('=') {
                        Some((k, v)) if !k.is_empty() => out.push(Selector::Tag(k.to_string(), v.to_string())),
                        _ => return Err(format!("{file}: tier `{name}`: `{s}` is not tag:KEY=VALUE")),
                    },
                    None => out.push(Selector::Group(s)),
                }
            }
            tiers.push((name, out));
        }
        let mut allow = Vec::new();
        for (i, a) in raw.allow.into_iter().enumerate() {
            let line = headers.get(i).copied().unwrap_or(0);
            let at = format!("{file}: line {line}");
            for end in [&a.from, &a.to] {
                if end != INTERNET && !tiers.iter().any(|(n, _)| n == end) {
                    return Err(format!("{at}: `{end}` is neither `internet` nor a tier of [tiers]"));
                }
            }
            if a.to == INTERNET {
                return Err(format!("{at}: flows to the internet are not audited; `to` must be a tier"));
            }
            let protocol = match &a.protocol {
                None => Protocol::Tcp,
                Some(p) => Protocol::parse(p).map_err(|e| format!("{at}: {e}"))?,
            };
            let icmp = matches!(protocol, Protocol::Icmp | Protocol::Icmpv6);
            // Without `ports`, an ICMP flow is every type.
            let traffic = if !protocol.has_ports() || (protocol == Protocol::All) || (icmp && a.ports.is_empty()) {
                vec![Traffic { protocol, ports: PortRange::ALL }]
            } else {
                if a.ports.is_empty() {
                    return Err(format!("{at}: `ports` is empty (list ports, or set protocol = \"all\")"));
                }
                let mut v = Vec::new();
                for p in &a.ports {
                    let ports = match p {
                        // For ICMP, `ports` lists types.
                        PortSpec::One(n) if icmp => match u8::try_from(*n) {
                            Ok(t) => PortRange::icmp(Some(t), None),
                            Err(_) => return Err(format!("{at}: ICMP type {n} is not 0-255")),
                        },
                        PortSpec::Range(s) if icmp => {
                            return Err(format!("{at}: `{s}`: list ICMP types one by one"));
                        }
                        PortSpec::One(n) => PortRange::single(*n),
                        PortSpec::Range(s) => {
                            let parsed = s
                                .split_once('-')
                                .and_then(|(f, t)| Some((f.trim().parse().ok()?, t.trim().parse().ok()?)));
                            match parsed {
                                Some((f, t)) if f <= t => PortRange { from: f, to: t },
                                _ => return Err(format!("{at}: `{s}` is not a port or a FROM-TO range")),
                            }
                        }
                    };
                    v.push(Traffic { protocol, ports });
                }
                v
            };
            allow.push(Allow { from: a.from, to: a.to, traffic, line });
        }
        Ok(Policy { file: file.to_string(), tiers, allow })
    }

    /// The tier of a group: the first tier (in name order) with a selector that matches it.
    pub fn tier_of(&self, g: &SecurityGroup) -> Option<&str> {
        self.tiers.iter().find(|(_, sels)| sels.iter().any(|s| s.matches(g))).map(|(n, _)| n.as_str())
    }

    /// The allow entries from one tier (or the internet) to another.
    pub fn allowed(&self, from: &str, to: &str) -> impl Iterator<Item = &Allow> {
        let (from, to) = (from.to_string(), to.to_string());
        self.allow.iter().filter(move |a| a.from == from && a.to == to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tiers_selectors_and_ports() {
        let p = Policy::parse(
            "[tiers]\nalb = [\"alb-sg\"]\ndb = [\"tag:Tier=db\", \"sg-1\"]\n\n[[allow]]\nfrom = \"internet\"\nto = \"alb\"\nports = [80, \"8000-8080\"]\n\n[[allow]]\nfrom = \"alb\"\nto = \"db\"\nprotocol = \"all\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.tiers.len(), 2);
        assert_eq!(p.allow[0].traffic[1].ports, PortRange { from: 8000, to: 8080 });
        assert_eq!(p.allow[0].line, 5);
        assert_eq!(p.allow[1].traffic[0].protocol, Protocol::All);
    }

    #[test]
    fn selectors_match_ids_names_and_tags() {
        let g = SecurityGroup {
            id: "sg-1".into(),
            name: "web".into(),
            region: "us-east-1".into(),
            vpc_id: None,
            owner_id: None,
            description: String::new(),
            tags: [("Tier".to_string(), "front".to_string())].into_iter().collect(),
        };
        assert!(Selector::Group("sg-1".into()).matches(&g));
        assert!(Selector::Group("web".into()).matches(&g));
        assert!(Selector::Tag("Tier".into(), "front".into()).matches(&g));
        assert!(!Selector::Tag("Tier".into(), "back".into()).matches(&g));
        assert!(!Selector::Group("sg-2".into()).matches(&g));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            (
                "[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"b\"\nports = [1]\n",
                "p.toml: line 3: `b` is neither",
            ),
            (
                "[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"a\"\nports = [\"9-1\"]\n",
                "line 3: `9-1` is not a port",
            ),
            ("[tiers]\na = [\"tag:novalue\"]\n", "`tag:novalue` is not tag:KEY=VALUE"),
            ("[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"a\"\n", "`ports` is empty"),
            ("[tiers]\na = [\"x\"]\nbogus = 1\n", "p.toml: line 3"),
            ("[[allow]]\nfrom = \"internet\"\nto = \"internet\"\nports = [1]\n", "not audited"),
        ];
        for (text, want) in cases {
            let err = Policy::parse(text, "p.toml").unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
