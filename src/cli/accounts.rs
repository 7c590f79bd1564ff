//! Which accounts an audit covers: the command line's own, the entries of a --targets file, or the active
//! accounts of the organisation; then --accounts, --exclude-accounts and --shard.

use super::args::AuditArgs;
use anyhow::anyhow;
use sgaudit::collect::{self, role_account};
use sgaudit::model::Inventory;
use sgaudit::report::Shard;

/// One entry of a --targets file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Target {
    role_arn: sgaudit::tomlfile::Spanned<String>,
    external_id: Option<String>,
    session_name: Option<String>,
    regions: Option<Vec<String>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Targets {
    target: Vec<Target>,
}

pub(crate) fn read_targets(path: &std::path::Path) -> anyhow::Result<Vec<Target>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    let file = path.display().to_string();
    let t: Targets = sgaudit::tomlfile::parse(&text, &file)?;
    for (i, target) in t.target.iter().enumerate() {
        let arn = &target.role_arn;
        if role_account(arn.get_ref()).is_none() {
            let message = format!("target #{}: `{}` is not a role ARN", i + 1, arn.get_ref());
            return Err(sgaudit::tomlfile::ConfigError::at(&file, &text, arn.span(), message).into());
        }
    }
    Ok(t.target)
}

/// The collections to run, and what listing the organisation gave: the coverage of its calls and notes on
/// the selection, as an inventory of no account that becomes one more part of the report.
pub(crate) struct Plan {
    pub(crate) runs: Vec<collect::Options>,
    pub(crate) listing: Option<Inventory>,
}

/// --accounts, --exclude-accounts and --shard.
struct Selection<'a> {
    only: &'a [String],
    exclude: &'a [String],
    shard: Option<Shard>,
}

impl Selection<'_> {
    fn keeps(&self, account: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|a| a == account))
            && !self.exclude.iter().any(|a| a == account)
            && self.shard.is_none_or(|s| s.holds(account))
    }
}

pub(crate) async fn plan(
    args: &AuditArgs,
    targets: Option<Vec<Target>>,
    opts: collect::Options,
) -> anyhow::Result<Plan> {
    let sel = Selection { only: &args.accounts, exclude: &args.exclude_accounts, shard: args.shard };
    let (external_id, session_name) = (&args.source.external_id, &args.source.session_name);
    let role = |arn: String, external: Option<String>, session: Option<String>| collect::Role {
        arn,
        external_id: external.or_else(|| external_id.clone()),
        session_name: session.unwrap_or_else(|| session_name.clone()),
    };
    if let Some(targets) = targets {
        let runs = targets
            .into_iter()
            .filter(|t| role_account(t.role_arn.get_ref()).is_some_and(|a| sel.keeps(a)))
            .map(|t| {
                let mut o = opts.clone();
                o.role = Some(role(t.role_arn.into_inner(), t.external_id, t.session_name));
                if let Some(r) = t.regions {
                    o.regions = r;
                }
                o
            })
            .collect();
        return Ok(Plan { runs, listing: None });
    }
    if !args.organization {
        if !args.accounts.is_empty() || !args.exclude_accounts.is_empty() || args.shard.is_some() {
            return Err(anyhow!("--accounts, --exclude-accounts and --shard need --organization or --targets"));
        }
        return Ok(Plan { runs: vec![opts], listing: None });
    }
    let name = args.org_role.as_deref().unwrap_or_default();
    if name.is_empty() || name.starts_with("arn:") {
        return Err(anyhow!("--org-role takes a role name (as `OrganizationAccountAccessRole`), not `{name}`"));
    }
    let (accounts, coverage) = collect::organizations::accounts(&opts).await;
    let mut listing = Inventory { coverage, ..Inventory::default() };
    for a in &args.accounts {
        if !accounts.iter().any(|o| &o.id == a) {
            listing
                .notes
                .push(format!("account {a} (--accounts) is not an active account of the organisation: not audited"));
        }
    }
    let chosen: Vec<_> = accounts.iter().filter(|a| sel.keeps(&a.id)).collect();
    if let Some(shard) = args.shard {
        listing.notes.push(format!(
            "shard {shard} audits {} of the organisation's {} active accounts",
            chosen.len(),
            accounts.len()
        ));
    }
    let runs = chosen
        .into_iter()
        .map(|a| {
            let mut o = opts.clone();
            o.role = Some(role(format!("arn:{}:iam::{}:role/{name}", a.partition, a.id), None, None));
            o
        })
        .collect();
    Ok(Plan { runs, listing: Some(listing) })
}
