//! AWS Organizations: the accounts of the organisation, from the management account or a delegated
//! administrator. Only the list is read here; each account is then collected through a role assumed in it.

use super::outcome::{drain, settle, span, Call};
use super::{base_config, for_region, Options};
use crate::model::Coverage;
use tracing::Instrument;

const SERVICE: &str = "organizations";

/// One account of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    /// The 12-digit account ID.
    pub id: String,
    /// The account's name in the organisation.
    pub name: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: from the account's ARN, for the role ARN built in it.
    pub partition: String,
}

/// The organisation's active accounts, sorted by ID, with the coverage of the calls. Suspended and closing
/// accounts are left out (no role can be assumed in them). The list is empty when ListAccounts failed; the
/// failure is in the coverage.
pub async fn accounts(opts: &Options) -> (Vec<OrgAccount>, Vec<Coverage>) {
    let base = base_config(opts, None, None).await;
    // Organizations is a global service; its endpoint answers in us-east-1 (aws-cn and GovCloud resolve
    // theirs from the profile's region).
    let region = base.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string());
    let cfg = for_region(&base, &region);
    let client = aws_sdk_organizations::Client::new(&cfg);
    let mut coverage = Vec::new();
    // 20 a page: the most ListAccounts returns.
    let result = drain(client.list_accounts().max_results(20).into_paginator().send(), |page, out| {
        out.extend(page.accounts().iter().filter(|a| active(a)).map(|a| OrgAccount {
            id: a.id().unwrap_or_default().to_string(),
            name: a.name().unwrap_or_default().to_string(),
            partition: a.arn().and_then(|arn| arn.split(':').nth(1)).unwrap_or("aws").to_string(),
        }))
    })
    .instrument(span(&region, SERVICE, "ListAccounts"))
    .await;
    let mut accounts =
        settle(Call { region: &region, service: SERVICE, operation: "ListAccounts" }, result, &mut coverage);
    accounts.retain(|a| !a.id.is_empty());
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    (accounts, coverage)
}

/// `State` where the organisation reports it (the newer field), else the older `Status`.
fn active(a: &aws_sdk_organizations::types::Account) -> bool {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};
    match (a.state(), a.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => true,
    }
}
