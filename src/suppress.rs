//! Suppressions: accepted findings, listed in `sgaudit.toml` with a reason and an optional expiry date.
//!
//! Raw TOML → [`Config::parse`] (every error names the file and line) → [`apply`], a pure function of the
//! findings, the inventory and today's date, which marks matching findings and returns warnings for
//! suppressions that expired or never matched.

use crate::engine::Finding;
pub use crate::engine::Suppressed;
use crate::model::Inventory;
use crate::tomlfile::{ConfigError, Spanned};
use serde::Deserialize;

/// The commented template `sgaudit init` writes.
pub const TEMPLATE: &str = r#"# sgaudit configuration. sgaudit reads ./sgaudit.toml, or the file given with --config.
#
# Each [[suppress]] entry accepts findings that match ALL of the fields it sets (at least one of check,
# resource, group, tag, account, region). `reason` is mandatory. After `expires` (YYYY-MM-DD, UTC) the entry
# stops matching and sgaudit warns, so that accepted risks get reviewed. Suppressed findings stay in the
# JSON and SARIF reports, marked as suppressed, and no longer count for the exit code.
#
# [[suppress]]
# check = "exposed-database"            # a check ID (`sgaudit checks`)
# resource = "legacy-reporting-db"      # the finding's resource ID (DB identifier, sg-..., eni-..., sgr-...)
# group = "sg-0123456789abcdef0"        # one of the finding's security groups
# tag = "sgaudit-accepted=true"         # a tag KEY=VALUE on one of the finding's security groups
# account = "123456789012"
# region = "us-east-1"
# reason = "Read replica for the analytics vendor; access is limited by the vendor's IP range. TICKET-123"
# expires = "2027-03-31"
"#;

/// An `sgaudit.toml`: the suppressions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Its `[[suppress]]` entries, in file order.
    pub suppress: Vec<Suppression>,
}

/// One `[[suppress]]` entry: every field given must match a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// A check ID.
    pub check: Option<String>,
    /// A resource ID.
    pub resource: Option<String>,
    /// A group among the finding's groups.
    pub group: Option<String>,
    /// `KEY=VALUE`: a tag of one of the finding's groups.
    pub tag: Option<String>,
    /// An account ID.
    pub account: Option<String>,
    /// A region.
    pub region: Option<String>,
    /// Why the finding is accepted (required).
    pub reason: String,
    /// `YYYY-MM-DD`, validated by [`Config::parse`].
    pub expires: Option<String>,
    /// The line of the entry in its file, for messages.
    pub line: usize,
}

fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    if parts.len() != 3 || !ok(parts[0], 4) || !ok(parts[1], 2) || !ok(parts[2], 2) {
        return false;
    }
    let (m, d): (u32, u32) = (parts[1].parse().unwrap_or(0), parts[2].parse().unwrap_or(0));
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// A suppression as written, each value with where it stands in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    suppress: Vec<RawSuppression>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    check: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
    group: Option<Spanned<String>>,
    tag: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Option<Spanned<String>>,
}

impl Config {
    /// Parses and validates a configuration file's text; `file` names it in errors, with the line and column
    /// of the value at fault.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = crate::tomlfile::parse(text, file)?;
        let headers = crate::tomlfile::headers(text, "suppress");
        let mut config = Config::default();
        for (i, r) in raw.suppress.into_iter().enumerate() {
            let line = headers.get(i).copied().unwrap_or(0);
            // A value at fault is named where it stands; a missing one, at the entry's header.
            let at = |value: &Spanned<String>, message: String| {
                ConfigError::at(file, text, value.span(), format!("suppression #{}: {message}", i + 1))
            };
            if r.reason.get_ref().trim().is_empty() {
                return Err(at(&r.reason, "`reason` must say why the finding is accepted".to_string()));
            }
            let selectors = [&r.check, &r.resource, &r.group, &r.tag, &r.account, &r.region];
            if selectors.iter().all(|f| f.is_none()) {
                let message =
                    format!("suppression #{}: set at least one of check, resource, group, tag, account, region", i + 1);
                return Err(ConfigError::line(file, line, message));
            }
            if let Some(c) = &r.check {
                if crate::checks::find(c.get_ref()).is_none() {
                    return Err(at(c, format!("unknown check `{}` (`sgaudit checks` lists them)", c.get_ref())));
                }
            }
            if let Some(t) = &r.tag {
                if !t.get_ref().contains('=') {
                    return Err(at(t, format!("tag `{}` must be KEY=VALUE", t.get_ref())));
                }
            }
            if let Some(d) = &r.expires {
                if !valid_date(d.get_ref()) {
                    return Err(at(d, format!("expires `{}` is not a date (YYYY-MM-DD)", d.get_ref())));
                }
            }
            let value = |v: Option<Spanned<String>>| v.map(Spanned::into_inner);
            config.suppress.push(Suppression {
                check: value(r.check),
                resource: value(r.resource),
                group: value(r.group),
                tag: value(r.tag),
                account: value(r.account),
                region: value(r.region),
                reason: r.reason.into_inner(),
                expires: value(r.expires),
                line,
            });
        }
        Ok(config)
    }
}

impl Suppression {
    fn matches(&self, f: &Finding, inv: &Inventory) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        if !eq(&self.check, &f.check)
            || !eq(&self.resource, &f.resource.id)
            || !eq(&self.region, &f.region)
            || !eq(&self.account, inv.account.as_deref().unwrap_or(""))
        {
            return false;
        }
        if let Some(g) = &self.group {
            if !f.group_ids.contains(g) {
                return false;
            }
        }
        if let Some(t) = &self.tag {
            let (k, v) = t.split_once('=').unwrap_or((t, ""));
            let tagged = inv
                .groups
                .iter()
                .filter(|g| f.group_ids.contains(&g.id))
                .any(|g| g.tags.get(k).is_some_and(|val| val == v));
            if !tagged {
                return false;
            }
        }
        true
    }

    fn expired(&self, today: &str) -> bool {
        // ISO dates compare as strings.
        self.expires.as_deref().is_some_and(|d| d < today)
    }
}

/// Marks the findings that a live suppression matches; returns warnings for suppressions that expired or
/// matched nothing. `today` is `YYYY-MM-DD`.
pub fn apply(findings: &mut [Finding], inv: &Inventory, config: &Config, today: &str) -> Vec<String> {
    let used = mark(findings, inv, config, today);
    warnings(config, [used.as_slice()], today)
}

/// Marks one account's findings; returns, per suppression, whether it matched any of them. An audit of many
/// accounts marks each as its report is made and asks for [`warnings`] once, with the flags of all, so that
/// "matched nothing" means in none of them.
pub fn mark(findings: &mut [Finding], inv: &Inventory, config: &Config, today: &str) -> Vec<bool> {
    let mut used = vec![false; config.suppress.len()];
    for f in findings.iter_mut() {
        for (i, s) in config.suppress.iter().enumerate() {
            if !s.expired(today) && s.matches(f, inv) {
                used[i] = true;
                f.suppressed = Some(Suppressed { reason: s.reason.clone(), expires: s.expires.clone() });
                break;
            }
        }
    }
    used
}

/// Warnings for suppressions that expired or matched nothing in any account: `used` holds each account's flags
/// from [`mark`].
pub fn warnings<'a>(config: &Config, used: impl IntoIterator<Item = &'a [bool]>, today: &str) -> Vec<String> {
    let mut any = vec![false; config.suppress.len()];
    for flags in used {
        for (a, m) in any.iter_mut().zip(flags) {
            *a |= m;
        }
    }
    let mut warnings = Vec::new();
    for (i, s) in config.suppress.iter().enumerate() {
        if s.expired(today) {
            warnings.push(format!(
                "suppression #{} (line {}) expired on {}: its findings are reported again",
                i + 1,
                s.line,
                s.expires.as_deref().unwrap_or_default()
            ));
        } else if !any[i] {
            warnings.push(format!(
                "suppression #{} (line {}) matched no finding: remove it if the risk is gone",
                i + 1,
                s.line
            ));
        }
    }
    warnings
}
