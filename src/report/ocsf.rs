//! OCSF: one Detection Finding (class 2004, schema [`OCSF_VERSION`]) per finding, and one per failed call, as
//! a JSON array. The mapping is documented in docs/outputs.md ("OCSF").

use super::arn::{arn, partition};
use super::Report;
use crate::audit::{Finding, Severity};
use crate::checks::REGISTRY;
use crate::model::{Coverage, ResourceKind};
use serde_json::{json, Map, Value};

/// The OCSF schema version every event states in `metadata.version`.
pub const OCSF_VERSION: &str = "1.5.0";

/// Detection Finding: class 2004 in category 2 (Findings); activity 1 (Create), so type 200401.
const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;

/// The check type of the events that stand for a failed call, not for a finding.
pub const COVERAGE_GAP: &str = "coverage-gap";

/// Renders the report as OCSF Detection Findings (pretty JSON). `time_ms` is the events' time: when the report
/// was written, in milliseconds since the Unix epoch.
pub fn render_ocsf(report: &Report, time_ms: i64) -> String {
    let mut events: Vec<Value> = report.findings.iter().map(|f| finding(report, f, time_ms)).collect();
    events.extend(report.failures().map(|c| gap(report, c, time_ms)));
    let mut s = serde_json::to_string_pretty(&Value::Array(events)).expect("OCSF serializes");
    s.push('\n');
    s
}

/// OCSF's severity: ID and caption.
fn severity(sev: Severity) -> (u32, &'static str) {
    match sev {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The attributes every event shares: class, activity, time, metadata, cloud.
fn base(report: &Report, account: Option<&str>, region: &str, time_ms: i64, sev: Severity) -> Map<String, Value> {
    let (severity_id, severity_name) = severity(sev);
    let mut cloud = json!({ "provider": "AWS", "region": region });
    if let Some(account) = account {
        cloud["account"] = json!({ "uid": account, "name": account, "type_id": 10, "type": "AWS Account" });
    }
    let event = json!({
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity_name,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": "sgaudit",
                "vendor_name": "sgaudit",
                "uid": "sgaudit",
                "version": report.tool.version,
            },
        },
        "cloud": cloud,
    });
    match event {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

fn finding(report: &Report, f: &Finding, time_ms: i64) -> Value {
    let account = f.account.as_deref().or(report.account.as_deref());
    let mut event = base(report, account, &f.region, time_ms, f.severity);
    let title = REGISTRY.iter().find(|c| c.id == f.check).map_or(f.check.as_str(), |c| c.title);
    event.insert("message".into(), json!(f.message));
    event.insert("finding_info".into(), json!({ "uid": f.id, "title": title, "desc": f.message, "types": [f.check] }));
    match &f.suppressed {
        Some(s) => {
            let detail = match &s.expires {
                Some(date) => format!("{} (until {date})", s.reason),
                None => s.reason.clone(),
            };
            event.insert("status_id".into(), json!(3));
            event.insert("status".into(), json!("Suppressed"));
            event.insert("status_detail".into(), json!(detail));
        }
        None => {
            event.insert("status_id".into(), json!(1));
            event.insert("status".into(), json!("New"));
        }
    }
    // An unconfirmed verdict needed data a failed call did not return.
    let (confidence_id, confidence) = if f.is_unconfirmed() { (1, "Low") } else { (3, "High") };
    event.insert("confidence_id".into(), json!(confidence_id));
    event.insert("confidence".into(), json!(confidence));
    event.insert("resources".into(), json!([resource(f, account)]));
    event.insert("remediation".into(), json!({ "desc": f.remediation.text("\n    ") }));
    let evidences: Vec<Value> = f
        .evidence
        .iter()
        .map(|e| {
            let name = e.rule_id.clone().unwrap_or_else(|| e.group_id.clone());
            json!({ "name": name, "data": e })
        })
        .collect();
    if !evidences.is_empty() {
        event.insert("evidences".into(), json!(evidences));
    }
    event.insert(
        "unmapped".into(),
        json!({
            "check": f.check,
            "group_ids": f.group_ids,
            "rule_ids": f.rule_ids,
            "remediation_commands": f.remediation.commands,
            "report_complete": report.complete,
        }),
    );
    Value::Object(event)
}

/// A failed call as an event of its own, so that an incomplete run is visible where the findings are: status
/// Other ("Coverage gap"), severity medium, the error in the description and the hint as the remediation.
fn gap(report: &Report, c: &Coverage, time_ms: i64) -> Value {
    let account = c.account.as_deref().or(report.account.as_deref());
    let mut event = base(report, account, &c.region, time_ms, Severity::Medium);
    let call = format!("{}:{}", c.service, c.operation);
    let mut uid = xxhash_rust::xxh3::Xxh3::new();
    for part in [COVERAGE_GAP, account.unwrap_or(""), c.region.as_str(), call.as_str()] {
        uid.update(part.as_bytes());
        uid.update(&[0u8]);
    }
    let uid = hex::encode(uid.digest128().to_be_bytes());
    let error = [c.error_code.as_deref(), c.message.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(": ");
    let desc = format!(
        "{call} failed in {}{}: {}. Findings that needed what it returns may be missing from this run.",
        c.region,
        account.map(|a| format!(" of account {a}")).unwrap_or_default(),
        if error.is_empty() { "no error text" } else { &error },
    );
    event.insert("message".into(), json!(desc));
    event.insert(
        "finding_info".into(),
        json!({
            "uid": uid,
            "title": format!("Coverage gap: {call} failed in {}", c.region),
            "desc": desc,
            "types": [COVERAGE_GAP],
        }),
    );
    event.insert("status_id".into(), json!(99));
    event.insert("status".into(), json!("Coverage gap"));
    if let Some(code) = &c.error_code {
        event.insert("status_code".into(), json!(code));
    }
    event.insert("status_detail".into(), json!(error));
    event.insert(
        "resources".into(),
        json!([{ "uid": call, "name": call, "type": "AWS API operation", "region": c.region }]),
    );
    let hint = c.hint.clone().unwrap_or_else(|| "Rerun once the call succeeds.".to_string());
    event.insert("remediation".into(), json!({ "desc": hint }));
    event.insert("unmapped".into(), json!({ "check": COVERAGE_GAP, "report_complete": report.complete }));
    Value::Object(event)
}

/// The finding's resource: its ARN as `uid` where the ID is enough to build one, else its ID.
fn resource(f: &Finding, account: Option<&str>) -> Value {
    let r = &f.resource;
    let uid = account.and_then(|a| arn(r.kind, &r.id, &f.region, a)).unwrap_or_else(|| r.id.clone());
    let mut value = json!({
        "uid": uid,
        "type": resource_type(r.kind),
        "region": f.region,
        "cloud_partition": partition(&f.region),
        "data": { "id": r.id, "kind": r.kind.as_str() },
    });
    if let Some(name) = &r.name {
        value["name"] = json!(name);
    }
    value
}

/// AWS's own name for the resource type (CloudFormation's and AWS Config's), or sgaudit's for a flow.
fn resource_type(kind: ResourceKind) -> &'static str {
    use ResourceKind as K;
    match kind {
        K::SecurityGroup => "AWS::EC2::SecurityGroup",
        K::SecurityGroupRule => "AWS::EC2::SecurityGroupRule",
        K::NetworkInterface => "AWS::EC2::NetworkInterface",
        K::RdsInstance => "AWS::RDS::DBInstance",
        K::RdsCluster => "AWS::RDS::DBCluster",
        K::DocdbInstance => "AWS::DocDB::DBInstance",
        K::DocdbCluster => "AWS::DocDB::DBCluster",
        K::NeptuneInstance => "AWS::Neptune::DBInstance",
        K::NeptuneCluster => "AWS::Neptune::DBCluster",
        K::RdsProxy => "AWS::RDS::DBProxy",
        K::RdsProxyEndpoint => "AWS::RDS::DBProxyEndpoint",
        K::ElasticacheCluster => "AWS::ElastiCache::CacheCluster",
        K::ElasticacheReplicationGroup => "AWS::ElastiCache::ReplicationGroup",
        K::ElasticacheServerless => "AWS::ElastiCache::ServerlessCache",
        K::RedshiftCluster => "AWS::Redshift::Cluster",
        K::RedshiftServerless => "AWS::RedshiftServerless::Workgroup",
        K::OpensearchDomain => "AWS::OpenSearchService::Domain",
        K::MemorydbCluster => "AWS::MemoryDB::Cluster",
        K::Flow => "sgaudit flow",
    }
}
