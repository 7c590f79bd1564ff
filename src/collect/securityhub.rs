//! `--security-hub`: sends an account's findings to AWS Security Hub (BatchImportFindings), in each finding's
//! own region, and resolves the findings sgaudit sent before that this run no longer reports.
//!
//! Per audited region:
//! 1. GetFindings: the active findings whose GeneratorId starts with `sgaudit/` in this account and region (the
//!    filter is applied again here, so an endpoint that ignores filters gives the same answer). Their
//!    `CreatedAt` and `FirstObservedAt` are kept when a finding is imported again.
//! 2. BatchImportFindings, 100 at a time: this run's findings, `RecordState` ACTIVE. A finding that already
//!    exists is updated, never duplicated (its `Id` is sgaudit's stable finding ID). Workflow is set on
//!    creation; BatchUpdateFindings moves an existing finding to SUPPRESSED (or back to NEW) when its
//!    suppression changed.
//! 3. Resolution, only when the region was read completely, GetFindings succeeded, and the check ran in this
//!    run: each earlier finding absent from this run is imported again with `RecordState` ARCHIVED, then
//!    BatchUpdateFindings sets its workflow to RESOLVED. A gap never resolves a finding.
//!
//! Every call is a coverage entry, so a refused import (FailedFindings), Security Hub not enabled in a region
//! (InvalidAccessException) or a denied call is a gap with exit code 2.

use super::outcome::{self, Call, Failure};
use super::{base_config, for_region, Options};
use crate::model::Coverage;
use crate::report::{asff_findings, AsffFinding, Report, GENERATOR_PREFIX};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, Compliance, ComplianceStatus,
    Partition, Recommendation, RecordState, Remediation, Resource, Severity, SeverityLabel, StringFilter,
    StringFilterComparison, Workflow, WorkflowStatus, WorkflowUpdate,
};
use aws_sdk_securityhub::Client;
use std::collections::{BTreeMap, BTreeSet};
use tracing::Instrument;

/// BatchImportFindings and BatchUpdateFindings take at most 100 findings per call.
const BATCH: usize = 100;

/// What one account's findings did in Security Hub.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Findings Security Hub did not hold before.
    pub imported: usize,
    /// Findings it held, updated.
    pub updated: usize,
    /// Earlier findings this run no longer reports, archived and resolved.
    pub resolved: usize,
    /// One entry per operation and region: a failure is a gap in the run.
    pub coverage: Vec<Coverage>,
}

/// Sends `report`'s findings (one account's) to Security Hub with the credentials of `opts`. `ran` says
/// whether a check ran in this run (a check that did not run resolves nothing). `now` is RFC 3339.
pub async fn send(opts: &Options, report: &Report, ran: &dyn Fn(&str) -> bool, now: &str) -> Sent {
    let mut sent = Sent::default();
    let Some(account) = report.account.clone() else {
        // Findings go to their account's Security Hub; without the account nothing can be sent, which is a gap.
        let region = report.regions.first().map_or("global", String::as_str);
        let call = Call { region, service: "securityhub", operation: "BatchImportFindings" };
        let f = Failure {
            code: "AccountUnknown".to_string(),
            message: "the audited account could not be identified, so no finding was sent".to_string(),
        };
        let mut gap = outcome::failed(call, f);
        gap.hint = Some("see the failed sts:GetCallerIdentity (or AssumeRole) entry of this report".to_string());
        sent.coverage.push(gap);
        return sent;
    };
    let base = base_config(opts, None, None).await;
    let partition = opts.role.as_ref().map_or("default", |r| r.arn.as_str());
    let report_id = format!("{account}/{now}");
    let findings = asff_findings(report, &report_id);
    // A failed call outside any audited region (the account's identity, a global listing) leaves every region
    // in doubt.
    let global_gap = report.failures().any(|c| !report.regions.contains(&c.region));
    for region in &report.regions {
        let client = client!(aws_sdk_securityhub, &for_region(&base, region), partition);
        let complete = !global_gap && !report.failures().any(|c| &c.region == region);
        let mine: Vec<&AsffFinding> = findings.iter().filter(|f| &f.region == region).collect();
        let cx = Region { client: &client, account: &account, region, now };
        cx.send(&mine, complete, ran, &mut sent).await;
    }
    for c in &mut sent.coverage {
        c.account = Some(account.clone());
    }
    sent
}

struct Region<'a> {
    client: &'a Client,
    account: &'a str,
    region: &'a str,
    now: &'a str,
}

impl Region<'_> {
    fn call(&self, operation: &'static str) -> Call<'_> {
        Call { region: self.region, service: "securityhub", operation }
    }

    async fn send(&self, mine: &[&AsffFinding], complete: bool, ran: &dyn Fn(&str) -> bool, sent: &mut Sent) {
        let earlier = match self.earlier().await {
            Ok((found, pages)) => {
                sent.coverage.push(outcome::ok(self.call("GetFindings"), pages));
                Some(found)
            }
            Err(f) => {
                let not_enabled = f.code == "InvalidAccessException";
                sent.coverage.push(outcome::failed(self.call("GetFindings"), f));
                // Not enabled here: an import would fail the same way, one gap says it.
                if not_enabled {
                    return;
                }
                None
            }
        };
        let held: BTreeMap<&str, &AwsSecurityFinding> =
            earlier.iter().flatten().filter_map(|f| f.id().map(|id| (id, f))).collect();

        // This run's findings, new or updated.
        let now_findings: Vec<AwsSecurityFinding> =
            mine.iter().map(|f| to_sdk(f, held.get(f.id.as_str()).copied(), self.now)).collect();
        for id in self.import(&now_findings, sent).await {
            if held.contains_key(id.as_str()) {
                sent.updated += 1;
            } else {
                sent.imported += 1;
            }
        }
        // Suppression changed on findings Security Hub already held: their workflow follows.
        let mut to_suppress = Vec::new();
        let mut to_reopen = Vec::new();
        for f in mine {
            let Some(h) = held.get(f.id.as_str()) else { continue };
            let status = h.workflow().and_then(|w| w.status()).cloned();
            match (f.workflow, status) {
                ("SUPPRESSED", Some(s)) if s != WorkflowStatus::Suppressed => to_suppress.push(identifier(h)),
                ("NEW", Some(WorkflowStatus::Suppressed)) => to_reopen.push(identifier(h)),
                _ => {}
            }
        }
        self.set_workflow(to_suppress, WorkflowStatus::Suppressed, sent).await;
        self.set_workflow(to_reopen, WorkflowStatus::New, sent).await;

        // Resolution: only where nothing was missed.
        let Some(earlier) = earlier else { return };
        if !complete {
            return;
        }
        let current: BTreeSet<&str> = mine.iter().map(|f| f.id.as_str()).collect();
        let stale = stale(earlier, &current, ran, self.now);
        let archived: BTreeSet<String> = self.import(&stale, sent).await.into_iter().collect();
        let resolve: Vec<AwsSecurityFindingIdentifier> =
            stale.iter().filter(|f| f.id().is_some_and(|id| archived.contains(id))).map(identifier).collect();
        sent.resolved += self.set_workflow(resolve, WorkflowStatus::Resolved, sent).await;
    }

    /// The active findings sgaudit sent earlier to this account and region.
    async fn earlier(&self) -> Result<(Vec<AwsSecurityFinding>, u32), Failure> {
        let equals =
            |value: &str| StringFilter::builder().value(value).comparison(StringFilterComparison::Equals).build();
        let filters = AwsSecurityFindingFilters::builder()
            .generator_id(
                StringFilter::builder().value(GENERATOR_PREFIX).comparison(StringFilterComparison::Prefix).build(),
            )
            .aws_account_id(equals(self.account))
            .region(equals(self.region))
            .record_state(equals("ACTIVE"))
            .build();
        let pages = self.client.get_findings().filters(filters).max_results(100).into_paginator().send();
        let (found, pages) = outcome::drain(pages, |page, items| items.extend(page.findings.unwrap_or_default()))
            .instrument(outcome::span(self.region, "securityhub", "GetFindings"))
            .await?;
        let mine = found
            .into_iter()
            .filter(|f| f.generator_id().is_some_and(|g| g.starts_with(GENERATOR_PREFIX)))
            .filter(|f| f.aws_account_id() == Some(self.account))
            .filter(|f| f.region().is_none_or(|r| r == self.region))
            .filter(|f| f.record_state() != Some(&RecordState::Archived))
            .collect();
        Ok((mine, pages))
    }

    /// BatchImportFindings in batches; the IDs Security Hub took. A refused finding or a failed call is a gap.
    async fn import(&self, findings: &[AwsSecurityFinding], sent: &mut Sent) -> Vec<String> {
        let mut taken = Vec::new();
        let mut pages = 0;
        let mut refused: Vec<String> = Vec::new();
        let mut first_code = None;
        for batch in findings.chunks(BATCH) {
            let result = self
                .client
                .batch_import_findings()
                .set_findings(Some(batch.to_vec()))
                .send()
                .instrument(outcome::span(self.region, "securityhub", "BatchImportFindings"))
                .await;
            match result {
                Ok(out) => {
                    pages += 1;
                    let failed: BTreeSet<&str> = out.failed_findings().iter().filter_map(|e| e.id()).collect();
                    for e in out.failed_findings() {
                        first_code.get_or_insert_with(|| e.error_code().unwrap_or("FailedFindings").to_string());
                        refused.push(format!(
                            "{}: {} {}",
                            e.id().unwrap_or("?"),
                            e.error_code().unwrap_or(""),
                            e.error_message().unwrap_or("")
                        ));
                    }
                    if out.failed_count().unwrap_or(0) > 0 && failed.is_empty() {
                        refused
                            .push(format!("{} finding(s) refused without their IDs", out.failed_count().unwrap_or(0)));
                    }
                    taken.extend(
                        batch.iter().filter_map(|f| f.id()).filter(|id| !failed.contains(id)).map(str::to_string),
                    );
                }
                Err(e) => {
                    sent.coverage.push(outcome::failed(self.call("BatchImportFindings"), Failure::from(e)));
                    return taken;
                }
            }
        }
        if !refused.is_empty() {
            let total = refused.len();
            refused.truncate(5);
            let f = Failure {
                code: first_code.unwrap_or_else(|| "FailedFindings".to_string()),
                message: format!("{total} finding(s) refused: {}", refused.join("; ")),
            };
            sent.coverage.push(outcome::failed(self.call("BatchImportFindings"), f));
        } else if pages > 0 {
            sent.coverage.push(outcome::ok(self.call("BatchImportFindings"), pages));
        }
        taken
    }

    /// BatchUpdateFindings: sets the workflow of these findings; how many it processed.
    async fn set_workflow(
        &self,
        ids: Vec<AwsSecurityFindingIdentifier>,
        status: WorkflowStatus,
        sent: &mut Sent,
    ) -> usize {
        let mut done = 0;
        let mut pages = 0;
        for batch in ids.chunks(BATCH) {
            let result = self
                .client
                .batch_update_findings()
                .set_finding_identifiers(Some(batch.to_vec()))
                .workflow(WorkflowUpdate::builder().status(status.clone()).build())
                .send()
                .instrument(outcome::span(self.region, "securityhub", "BatchUpdateFindings"))
                .await;
            match result {
                Ok(out) => {
                    pages += 1;
                    let unprocessed = out.unprocessed_findings();
                    done += batch.len() - unprocessed.len();
                    if let Some(first) = unprocessed.first() {
                        let f = Failure {
                            code: first.error_code().unwrap_or("UnprocessedFindings").to_string(),
                            message: format!(
                                "{} finding(s) not updated to {}: {}",
                                unprocessed.len(),
                                status.as_str(),
                                first.error_message().unwrap_or("")
                            ),
                        };
                        sent.coverage.push(outcome::failed(self.call("BatchUpdateFindings"), f));
                        return done;
                    }
                }
                Err(e) => {
                    sent.coverage.push(outcome::failed(self.call("BatchUpdateFindings"), Failure::from(e)));
                    return done;
                }
            }
        }
        if pages > 0 {
            sent.coverage.push(outcome::ok(self.call("BatchUpdateFindings"), pages));
        }
        done
    }
}

/// The earlier findings to resolve, archived and stamped `now`: those this run no longer reports, of checks
/// that ran, not resolved already. The caller has checked that the region was read completely.
fn stale(
    earlier: Vec<AwsSecurityFinding>,
    current: &BTreeSet<&str>,
    ran: &dyn Fn(&str) -> bool,
    now: &str,
) -> Vec<AwsSecurityFinding> {
    earlier
        .into_iter()
        .filter(|f| f.id().is_some_and(|id| !current.contains(id)))
        .filter(|f| f.generator_id().and_then(|g| g.strip_prefix(GENERATOR_PREFIX)).is_some_and(ran))
        .filter(|f| f.workflow().and_then(|w| w.status()) != Some(&WorkflowStatus::Resolved))
        .map(|mut f| {
            f.record_state = Some(RecordState::Archived);
            f.updated_at = Some(now.to_string());
            f
        })
        .collect()
}

fn identifier(f: &AwsSecurityFinding) -> AwsSecurityFindingIdentifier {
    AwsSecurityFindingIdentifier::builder()
        .id(f.id().unwrap_or_default())
        .product_arn(f.product_arn().unwrap_or_default())
        .build()
}

/// The SDK's finding: sgaudit's ASFF, with the times. A finding Security Hub already holds keeps its creation
/// and first-observation times.
fn to_sdk(f: &AsffFinding, held: Option<&AwsSecurityFinding>, now: &str) -> AwsSecurityFinding {
    let created = held.and_then(|h| h.created_at()).unwrap_or(now);
    let first = held.and_then(|h| h.first_observed_at()).unwrap_or(created);
    let mut builder = AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.account)
        .region(&f.region)
        .set_types(Some(f.types.clone()))
        .created_at(created)
        .first_observed_at(first)
        .updated_at(now)
        .last_observed_at(now)
        .severity(Severity::builder().label(SeverityLabel::from(f.severity)).build())
        .title(&f.title)
        .description(&f.description)
        .remediation(
            Remediation::builder().recommendation(Recommendation::builder().text(&f.recommendation).build()).build(),
        )
        .compliance(Compliance::builder().status(ComplianceStatus::Failed).build())
        .set_product_fields(Some(f.product_fields.clone().into_iter().collect()))
        .record_state(RecordState::Active);
    for r in &f.resources {
        builder = builder.resources(
            Resource::builder()
                .r#type(r.kind)
                .id(&r.id)
                .partition(Partition::from(r.partition))
                .region(&r.region)
                .build(),
        );
    }
    // Workflow can be set when a finding is created; afterwards BatchUpdateFindings changes it.
    if held.is_none() {
        builder = builder.workflow(Workflow::builder().status(WorkflowStatus::from(f.workflow)).build());
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(id: &str, check: &str, workflow: WorkflowStatus) -> AwsSecurityFinding {
        AwsSecurityFinding::builder()
            .id(id)
            .generator_id(format!("{GENERATOR_PREFIX}{check}"))
            .workflow(Workflow::builder().status(workflow).build())
            .record_state(RecordState::Active)
            .build()
    }

    #[test]
    fn only_absent_findings_of_checks_that_ran_are_resolved() {
        let earlier = vec![
            held("still-there", "exposed-database", WorkflowStatus::New),
            held("fixed", "exposed-database", WorkflowStatus::New),
            held("fixed-but-suppressed", "unused-group", WorkflowStatus::Suppressed),
            held("resolved-already", "unused-rule", WorkflowStatus::Resolved),
            held("check-did-not-run", "no-traffic-rule", WorkflowStatus::New),
        ];
        let current: BTreeSet<&str> = ["still-there"].into_iter().collect();
        let ran = |check: &str| check != "no-traffic-rule";
        let out = stale(earlier, &current, &ran, "2026-12-07T01:00:00Z");
        let ids: Vec<&str> = out.iter().filter_map(|f| f.id()).collect();
        assert_eq!(ids, ["fixed", "fixed-but-suppressed"]);
        assert!(out.iter().all(|f| f.record_state() == Some(&RecordState::Archived)));
        assert!(out.iter().all(|f| f.updated_at() == Some("2026-12-07T01:00:00Z")));
    }
}
