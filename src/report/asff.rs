//! AWS Security Finding Format: what `--security-hub` sends for each finding. Pure: the collector's
//! `securityhub` module adds the times (which depend on what Security Hub already holds) and converts these into
//! SDK types at the boundary.

use super::arn::{arn, partition};
use super::Report;
use crate::audit::{Finding, Severity};
use crate::checks::REGISTRY;
use crate::model::ResourceKind;
use std::collections::BTreeMap;

/// Every finding sgaudit sends has a `GeneratorId` that starts with this, then the check ID: how sgaudit finds
/// its own findings again.
pub const GENERATOR_PREFIX: &str = "sgaudit/";

/// ASFF's limits (BatchImportFindings refuses longer values).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const PRODUCT_FIELD_VALUE_MAX: usize = 2048;
const RESOURCES_MAX: usize = 32;

/// One finding in ASFF's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsffFinding {
    /// `Id`: the finding's stable ID, so that a re-import updates the finding instead of adding one.
    pub id: String,
    /// `ProductArn`: the account's default product in the finding's region.
    pub product_arn: String,
    /// `GeneratorId`: `sgaudit/{check}`.
    pub generator_id: String,
    /// `AwsAccountId`.
    pub account: String,
    /// `Region`.
    pub region: String,
    /// `Types`.
    pub types: Vec<String>,
    /// `Title`, within ASFF's 256 characters.
    pub title: String,
    /// `Description`, within ASFF's 1,024 characters.
    pub description: String,
    /// `Severity.Label`: CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL.
    pub severity: &'static str,
    /// `Resources`: the finding's resource first, then its security groups.
    pub resources: Vec<AsffResource>,
    /// `Remediation.Recommendation.Text`, within ASFF's 512 characters.
    pub recommendation: String,
    /// `ProductFields`: `sgaudit/check`, `sgaudit/rule_ids`, `sgaudit/report_id` (and the suppression's reason).
    pub product_fields: BTreeMap<String, String>,
    /// `Workflow.Status`: NEW, or SUPPRESSED for a suppressed finding.
    pub workflow: &'static str,
}

/// One resource of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsffResource {
    /// `Type`: `AwsEc2SecurityGroup`, `AwsEc2NetworkInterface`, `AwsRdsDbInstance`, ..., or `Other`.
    pub kind: &'static str,
    /// `Id`: the ARN where one can be built, else the resource's ID.
    pub id: String,
    /// `Partition`.
    pub partition: &'static str,
    /// `Region`.
    pub region: String,
}

/// The report's findings in ASFF, for the accounts it names. A finding whose account is unknown is left out
/// (Security Hub needs one). `report_id` names this run in each finding's `ProductFields`.
pub fn asff_findings(report: &Report, report_id: &str) -> Vec<AsffFinding> {
    report
        .findings
        .iter()
        .filter_map(|f| {
            let account = f.account.as_deref().or(report.account.as_deref())?;
            Some(finding(f, account, report_id))
        })
        .collect()
}

fn finding(f: &Finding, account: &str, report_id: &str) -> AsffFinding {
    let title = REGISTRY.iter().find(|c| c.id == f.check).map_or(f.check.as_str(), |c| c.title);
    let title = match &f.resource.name {
        Some(name) => format!("{title}: {} ({name})", f.resource.id),
        None => format!("{title}: {}", f.resource.id),
    };
    let recommendation = f.remediation.text("\n");
    let mut fields = BTreeMap::new();
    fields.insert("sgaudit/check".to_string(), f.check.clone());
    fields.insert("sgaudit/rule_ids".to_string(), clip(&f.rule_ids.join(","), PRODUCT_FIELD_VALUE_MAX));
    fields.insert("sgaudit/report_id".to_string(), report_id.to_string());
    if let Some(s) = &f.suppressed {
        fields.insert("sgaudit/suppressed".to_string(), clip(&s.reason, PRODUCT_FIELD_VALUE_MAX));
    }
    let mut resources = vec![resource(f.resource.kind, &f.resource.id, &f.region, account)];
    for group in &f.group_ids {
        if resources.len() < RESOURCES_MAX
            && !(f.resource.kind == ResourceKind::SecurityGroup && *group == f.resource.id)
        {
            resources.push(resource(ResourceKind::SecurityGroup, group, &f.region, account));
        }
    }
    AsffFinding {
        id: f.id.clone(),
        product_arn: format!(
            "arn:{}:securityhub:{}:{account}:product/{account}/default",
            partition(&f.region),
            f.region
        ),
        generator_id: format!("{GENERATOR_PREFIX}{}", f.check),
        account: account.to_string(),
        region: f.region.clone(),
        types: vec![format!("Software and Configuration Checks/AWS Security Best Practices/{}", f.check)],
        title: clip(&title, TITLE_MAX),
        description: clip(&f.message, DESCRIPTION_MAX),
        severity: label(f.severity),
        resources,
        recommendation: clip(&recommendation, RECOMMENDATION_MAX),
        product_fields: fields,
        workflow: if f.suppressed.is_some() { "SUPPRESSED" } else { "NEW" },
    }
}

fn resource(kind: ResourceKind, id: &str, region: &str, account: &str) -> AsffResource {
    use ResourceKind as K;
    let asff_type = match kind {
        K::SecurityGroup => "AwsEc2SecurityGroup",
        K::NetworkInterface => "AwsEc2NetworkInterface",
        K::RdsInstance | K::DocdbInstance | K::NeptuneInstance => "AwsRdsDbInstance",
        K::RdsCluster | K::DocdbCluster | K::NeptuneCluster => "AwsRdsDbCluster",
        K::RedshiftCluster => "AwsRedshiftCluster",
        K::OpensearchDomain => "AwsOpenSearchServiceDomain",
        _ => "Other",
    };
    AsffResource {
        kind: asff_type,
        id: arn(kind, id, region, account).unwrap_or_else(|| id.to_string()),
        partition: partition(region),
        region: region.to_string(),
    }
}

fn label(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_asff_limits_in_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip(&"é".repeat(2000), DESCRIPTION_MAX).chars().count(), DESCRIPTION_MAX);
    }
}
