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
use crate::tomlfile::{ConfigError, Spanned};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The tier name that stands for the internet.
pub const INTERNET: &str = "internet";

/// The file as written, each value with where it stands in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    tiers: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    allow: Vec<RawAllow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    protocol: Option<Spanned<String>>,
    #[serde(default)]
    ports: Option<Spanned<Vec<Spanned<PortSpec>>>>,
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
    /// The allowed flows, in file order.
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
    /// Whether the group is one this selector names.
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
    /// The tier the flow starts in.
    pub from: String,
    /// The tier it ends in.
    pub to: String,
    /// What is allowed: one entry per port or range (all traffic when the protocol is `all`).
    pub traffic: Vec<Traffic>,
    /// Its line in the file.
    pub line: usize,
}

impl Allow {
    /// `from → to on tcp/443`.
    pub fn describe(&self) -> String {
        let t: Vec<String> = self.traffic.iter().map(ToString::to_string).collect();
        format!("{} → {} on {}", self.from, self.to, t.join(", "))
    }
}

impl Policy {
    /// Parses and validates a policy's text; `file` names it in errors, with the line.
    pub fn parse(text: &str, file: &str) -> Result<Policy, ConfigError> {
        let raw: Raw = crate::tomlfile::parse(text, file)?;
        let headers = crate::tomlfile::headers(text, "allow");
        // A value at fault is named where it stands.
        let at = |span: std::ops::Range<usize>, message: String| ConfigError::at(file, text, span, message);
        let mut tiers = Vec::new();
        for (name, sels) in raw.tiers {
            if name.get_ref() == INTERNET {
                return Err(at(name.span(), "tier `internet` is reserved for the internet itself".to_string()));
            }
            if sels.get_ref().is_empty() {
                return Err(at(sels.span(), format!("tier `{}` names no group", name.get_ref())));
            }
            let name = name.into_inner();
            let mut out = Vec::new();
            for s in sels.into_inner() {
                let span = s.span();
                let s = s.into_inner();
                match s.strip_prefix("tag:") {
                    Some(kv) => match kv.split_once('=') {
                        Some((k, v)) if !k.is_empty() => out.push(Selector::Tag(k.to_string(), v.to_string())),
                        _ => return Err(at(span, format!("tier `{name}`: `{s}` is not tag:KEY=VALUE"))),
                    },
                    None => out.push(Selector::Group(s)),
                }
            }
            tiers.push((name, out));
        }
        let mut allow = Vec::new();
        for (i, a) in raw.allow.into_iter().enumerate() {
            let line = headers.get(i).copied().unwrap_or(0);
            for end in [&a.from, &a.to] {
                if end.get_ref() != INTERNET && !tiers.iter().any(|(n, _)| n == end.get_ref()) {
                    let message = format!("`{}` is neither `internet` nor a tier of [tiers]", end.get_ref());
                    return Err(at(end.span(), message));
                }
            }
            if a.to.get_ref() == INTERNET {
                let message = "flows to the internet are not audited; `to` must be a tier".to_string();
                return Err(at(a.to.span(), message));
            }
            let protocol = match &a.protocol {
                None => Protocol::Tcp,
                Some(p) => Protocol::parse(p.get_ref()).map_err(|e| at(p.span(), e.to_string()))?,
            };
            let icmp = matches!(protocol, Protocol::Icmp | Protocol::Icmpv6);
            let (ports_span, ports) = match a.ports {
                Some(p) => (Some(p.span()), p.into_inner()),
                None => (None, Vec::new()),
            };
            // Without `ports`, an ICMP flow is every type.
            let traffic = if !protocol.has_ports() || (protocol == Protocol::All) || (icmp && ports.is_empty()) {
                vec![Traffic { protocol, ports: PortRange::ALL }]
            } else {
                if ports.is_empty() {
                    let message = "`ports` is empty (list ports, or set protocol = \"all\")".to_string();
                    return Err(match ports_span {
                        Some(span) => at(span, message),
                        None => ConfigError::line(file, line, message),
                    });
                }
                let mut v = Vec::new();
                for p in &ports {
                    let here = |message: String| at(p.span(), message);
                    let ports = match p.get_ref() {
                        // For ICMP, `ports` lists types.
                        PortSpec::One(n) if icmp => match u8::try_from(*n) {
                            Ok(t) => PortRange::icmp(Some(t), None),
                            Err(_) => return Err(here(format!("ICMP type {n} is not 0-255"))),
                        },
                        PortSpec::Range(s) if icmp => {
                            return Err(here(format!("`{s}`: list ICMP types one by one")));
                        }
                        PortSpec::One(n) => PortRange::single(*n),
                        PortSpec::Range(s) => {
                            let parsed = s
                                .split_once('-')
                                .and_then(|(f, t)| Some((f.trim().parse().ok()?, t.trim().parse().ok()?)));
                            match parsed {
                                Some((f, t)) if f <= t => PortRange { from: f, to: t },
                                _ => return Err(here(format!("`{s}` is not a port or a FROM-TO range"))),
                            }
                        }
                    };
                    v.push(Traffic { protocol, ports });
                }
                v
            };
            allow.push(Allow { from: a.from.into_inner(), to: a.to.into_inner(), traffic, line });
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
                "p.toml: line 5, column 6: `b` is neither",
            ),
            (
                "[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"a\"\nports = [\"9-1\"]\n",
                "p.toml: line 6, column 10: `9-1` is not a port",
            ),
            (
                "[tiers]\na = [\"tag:novalue\"]\n",
                "p.toml: line 2, column 6: tier `a`: `tag:novalue` is not tag:KEY=VALUE",
            ),
            ("[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"a\"\n", "p.toml: line 3: `ports` is empty"),
            (
                "[tiers]\na = [\"x\"]\n[[allow]]\nfrom = \"a\"\nto = \"a\"\nports = []\n",
                "p.toml: line 6, column 9: `ports` is empty",
            ),
            ("[tiers]\na = [\"x\"]\nbogus = 1\n", "p.toml: line 3, column 9"),
            ("[tiers]\na = []\n", "p.toml: line 2, column 5: tier `a` names no group"),
            (
                "[[allow]]\nfrom = \"internet\"\nto = \"internet\"\nports = [1]\n",
                "p.toml: line 3, column 6: flows to the internet",
            ),
            (
                "[[allow]]\nfrom = \"internet\"\nto = \"a\"\nprotocol = \"tcpx\"\n",
                "p.toml: line 3, column 6: `a` is neither",
            ),
        ];
        for (text, want) in cases {
            let err = Policy::parse(text, "p.toml").unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
