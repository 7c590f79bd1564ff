//! Splitting an organisation's audit over machines (`--shard K/N`) and merging the shard reports
//! (`sgaudit merge`).
//!
//! A shard holds the accounts whose ID hashes (XXH3) to `K - 1` modulo `N`: the same accounts on every run
//! and every machine, whatever order the organisation lists them in, and about `1/N` of them each.

use super::Report;
use crate::audit::Severity;
use crate::model::{Coverage, CoverageStatus};
use serde::{Deserialize, Serialize};

/// Shard `index` of `count` (1-based), as `--shard 3/8` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

/// A text that names no shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard: write K/N with 1 <= K <= N, as in 3/8")]
pub struct BadShard(pub String);

impl std::str::FromStr for Shard {
    type Err = BadShard;
    fn from_str(s: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether this shard audits `account`.
    pub fn holds(&self, account: &str) -> bool {
        xxhash_rust::xxh3::xxh3_64(account.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// Why reports cannot be merged: each names the report files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// An account is in two reports.
    #[error("account {account} is in both {first} and {second}: merge each account's report once")]
    AccountTwice {
        /// The account.
        account: String,
        /// The first report that holds it.
        first: String,
        /// The second report that holds it.
        second: String,
    },
    /// Two reports come from different `--shard` splits.
    #[error("{} is shard {} and {} is shard {}: the reports come from different splits", first.0, first.1, second.0, second.1)]
    OtherSplit {
        /// One report and its shard.
        first: (String, Shard),
        /// A report of another split, and its shard.
        second: (String, Shard),
    },
    /// One shard is given twice.
    #[error("shard {shard} is in both {first} and {second}")]
    ShardTwice {
        /// The shard.
        shard: Shard,
        /// The first report that is it.
        first: String,
        /// The second report that is it.
        second: String,
    },
}

/// Merges reports (of shards, or of any separate runs) into one: findings, per-account coverage, notes and the
/// summary, recomputed with `fail_on` (else the first report's). `parts` are named by their files, for the
/// errors.
///
/// Refused: an account in two reports (overlapping shards, or one report given twice) and shards of different
/// splits. A shard missing from a complete split is a failed coverage entry (the merged report is incomplete,
/// exit 2), never a silent gap. A suppression warning stays only if every report has it: "matched no
/// finding" in one shard is not true of the whole.
pub fn merge_reports(parts: Vec<(String, Report)>, fail_on: Option<Severity>) -> Result<Report, MergeError> {
    let fail_on = fail_on.or_else(|| parts.first().map(|(_, r)| r.summary.fail_on)).unwrap_or(Severity::High);
    let mut seen: std::collections::BTreeMap<&str, &str> = Default::default();
    for (name, r) in &parts {
        for a in &r.accounts {
            if let Some(first) = seen.insert(a, name) {
                return Err(MergeError::AccountTwice {
                    account: a.clone(),
                    first: first.to_string(),
                    second: name.clone(),
                });
            }
        }
    }
    let mut shards: Vec<(Shard, &str)> =
        parts.iter().flat_map(|(name, r)| r.shards.iter().map(move |s| (*s, name.as_str()))).collect();
    shards.sort();
    for w in shards.windows(2) {
        if w[0].0.count != w[1].0.count {
            return Err(MergeError::OtherSplit {
                first: (w[0].1.to_string(), w[0].0),
                second: (w[1].1.to_string(), w[1].0),
            });
        }
        if w[0].0 == w[1].0 {
            return Err(MergeError::ShardTwice {
                shard: w[0].0,
                first: w[0].1.to_string(),
                second: w[1].1.to_string(),
            });
        }
    }
    let warnings: Vec<String> = match parts.split_first() {
        Some(((_, first), rest)) => {
            first.warnings.iter().filter(|w| rest.iter().all(|(_, r)| r.warnings.contains(w))).cloned().collect()
        }
        None => Vec::new(),
    };
    let baseline = match parts.first().and_then(|(_, r)| r.baseline.clone()) {
        Some(mut b) if parts.iter().all(|(_, r)| r.baseline.is_some()) => {
            b.known = parts.iter().filter_map(|(_, r)| r.baseline.as_ref()).map(|b| b.known).sum();
            Some(b)
        }
        _ => None,
    };
    let missing: Vec<Shard> = match shards.first() {
        Some((s, _)) => (1..=s.count)
            .map(|index| Shard { index, count: s.count })
            .filter(|m| !shards.iter().any(|(s, _)| s == m))
            .collect(),
        None => Vec::new(),
    };
    let mut merged = Report::merge(parts.into_iter().map(|(_, r)| r).collect(), fail_on);
    merged.warnings = warnings;
    merged.baseline = baseline;
    if !missing.is_empty() {
        merged.coverage.extend(missing.iter().map(|m| Coverage {
            account: None,
            region: "global".to_string(),
            service: "sgaudit".to_string(),
            operation: format!("shard {m}"),
            status: CoverageStatus::Failed,
            error_code: Some("MissingShard".to_string()),
            message: Some(format!("no report of shard {m} was merged: its accounts are not in this report")),
            hint: Some(format!("run the audit with --shard {m} and merge its report with the others")),
            pages: 0,
        }));
        merged.complete = false;
        let s = &merged.summary;
        let counts = [s.security_groups, s.rules, s.network_interfaces, s.datastores];
        merged.summary = super::summarize(&merged.findings, &merged.coverage, counts, fail_on);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_every_account_exactly_once() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["0/4", "5/4", "1", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let accounts: Vec<String> = (0..1000u64).map(|i| format!("{:012}", 100_000_000_000 + i * 7919)).collect();
        let count = 8;
        let mut sizes = vec![0; count as usize];
        for a in &accounts {
            let holders: Vec<u32> = (1..=count).filter(|&index| Shard { index, count }.holds(a)).collect();
            assert_eq!(holders.len(), 1, "{a} is in exactly one shard");
            sizes[holders[0] as usize - 1] += 1;
        }
        // About an eighth each (125): no shard is empty or twice its share.
        assert!(sizes.iter().all(|&n| (60..250).contains(&n)), "{sizes:?}");
    }
}
