//! Suppressions: accepted findings, listed in `sgaudit.toml` with a reason and an optional expiry date.
//!
//! Raw TOML → [`Config::parse`] (every error names the file and line) → [`apply`], a pure function of the
//! findings, the inventory and today's date, which marks matching findings and returns warnings for
//! suppressions that expired or never matched.

use crate::audit::Finding;
use crate::model::Inventory;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub suppress: Vec<Suppression>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub check: Option<String>,
    pub resource: Option<String>,
    pub group: Option<String>,
    pub tag: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`, validated by [`Config::parse`].
    pub expires: Option<String>,
    /// The line of the entry in its file, for messages.
    #[serde(skip)]
    pub line: usize,
}

/// How a finding was suppressed, as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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

impl Config {
    /// Parses and validates a configuration file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, String> {
        let mut config: Config = crate::tomlfile::parse(text, file)?;
        let headers = crate::tomlfile::headers(text, "suppress");
        for (i, s) in config.suppress.iter_mut().enumerate() {
            s.line = headers.get(i).copied().unwrap_or(0);
            let at = format!("{file}: line {}: suppression #{}", s.line, i + 1);
            if s.reason.trim().is_empty() {
                return Err(format!("{at}: `reason` must say why the finding is accepted"));
            }
            if [&s.check, &s.resource, &s.group, &s.tag, &s.account, &s.region].iter().all(|f| f.is_none()) {
                return Err(format!("{at}: set at least one of check, resource, group, tag, account, region"));
            }
            if let Some(c) = &s.check {
                if crate::checks::find(c).is_none() {
                    return Err(format!("{at}: unknown check `{c}` (`sgaudit checks` lists them)"));
                }
            }
            if let Some(t) = &s.tag {
                if !t.contains('=') {
                    return Err(format!("{at}: tag `{t}` must be KEY=VALUE"));
                }
            }
            if let Some(d) = &s.expires {
                if !valid_date(d) {
                    return Err(format!("{at}: expires `{d}` is not a date (YYYY-MM-DD)"));
                }
            }
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
