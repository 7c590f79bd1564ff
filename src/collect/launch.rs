//! What launches instances later: EC2 launch templates (the default and latest versions, and the versions
//! auto-scaling groups name) and, through aws-sdk-autoscaling, auto-scaling groups and launch configurations.
//! An auto-scaling group holds the groups of the template version or configuration it launches with.

use super::outcome::{combine, drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use std::collections::{BTreeMap, BTreeSet};
use tracing::Instrument;

/// One launch template version, as far as groups go.
#[derive(Debug, Clone)]
struct Version {
    template_id: String,
    template_name: String,
    number: i64,
    default: bool,
    ids: Vec<String>,
    names: Vec<String>,
}

/// How an auto-scaling group names a template: by ID or name, and a version (`$Default` when unset).
#[derive(Debug, Clone)]
struct TemplateRef {
    template: String,
    version: String,
}

struct Group {
    name: String,
    instances: usize,
    config: Option<String>,
    templates: Vec<TemplateRef>,
}

pub async fn holders(
    ec2: &aws_sdk_ec2::Client,
    autoscaling: &aws_sdk_autoscaling::Client,
    region: &str,
    coverage: &mut Vec<Coverage>,
) -> Vec<Holder> {
    let versions = drain(
        ec2.describe_launch_template_versions()
            .versions("$Default")
            .versions("$Latest")
            .max_results(200)
            .into_paginator()
            .send(),
        |page, out: &mut Vec<Version>| out.extend(page.launch_template_versions().iter().map(version)),
    )
    .instrument(span(region, "ec2", "DescribeLaunchTemplateVersions"));
    let groups = drain(
        autoscaling.describe_auto_scaling_groups().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Group>| out.extend(page.auto_scaling_groups().iter().map(group)),
    )
    .instrument(span(region, "autoscaling", "DescribeAutoScalingGroups"));
    let configs =
        drain(
            autoscaling.describe_launch_configurations().max_records(100).into_paginator().send(),
            |page, out: &mut Vec<(String, Vec<String>)>| {
                out.extend(page.launch_configurations().iter().map(|c| {
                    (c.launch_configuration_name().unwrap_or_default().to_string(), c.security_groups().to_vec())
                }))
            },
        )
        .instrument(span(region, "autoscaling", "DescribeLaunchConfigurations"));
    let (versions, groups, configs) = tokio::join!(versions, groups, configs);
    let lt_call = Call { region, service: "ec2", operation: "DescribeLaunchTemplateVersions" };
    let mut in_use = settle(lt_call, versions, coverage);
    let groups =
        settle(Call { region, service: "autoscaling", operation: "DescribeAutoScalingGroups" }, groups, coverage);
    let configs =
        settle(Call { region, service: "autoscaling", operation: "DescribeLaunchConfigurations" }, configs, coverage);

    // A template may list both its default and its latest version as the same one.
    dedup(&mut in_use);
    // Versions an auto-scaling group names by number that are neither the default nor the latest.
    let mut wanted: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for t in groups.iter().flat_map(|g| &g.templates) {
        if let Ok(n) = t.version.parse::<i64>() {
            if resolve(&in_use, t).is_empty() {
                wanted.entry(t.template.as_str()).or_default().insert(n);
            }
        }
    }
    let extra = futures::future::join_all(wanted.iter().map(|(template, numbers)| {
        let mut req = ec2.describe_launch_template_versions();
        req = if template.starts_with("lt-") {
            req.launch_template_id(*template)
        } else {
            req.launch_template_name(*template)
        };
        for n in numbers {
            req = req.versions(n.to_string());
        }
        drain(req.max_results(200).into_paginator().send(), |page, out: &mut Vec<Version>| {
            out.extend(page.launch_template_versions().iter().map(version))
        })
        .instrument(span(region, "ec2", "DescribeLaunchTemplateVersions"))
    }))
    .await;
    // One more call per template at most; it counts as a page of the same operation.
    let mut used_by_groups = if extra.is_empty() { Vec::new() } else { settle(lt_call, combine(extra), coverage) };
    dedup(&mut used_by_groups);
    let all: Vec<Version> = in_use.iter().chain(&used_by_groups).cloned().collect();

    let mut out = Vec::new();
    let latest: BTreeMap<&str, i64> = in_use.iter().fold(BTreeMap::new(), |mut m, v| {
        let e = m.entry(v.template_id.as_str()).or_insert(v.number);
        *e = (*e).max(v.number);
        m
    });
    for v in &in_use {
        let is_latest = latest.get(v.template_id.as_str()) == Some(&v.number);
        let role = match (v.default, is_latest) {
            (true, true) => "the default and latest",
            (true, false) => "the default",
            _ => "the latest",
        };
        out.push(template_holder(v, region, format!("version {} ({role})", v.number)));
    }
    for v in &used_by_groups {
        let users: Vec<&str> = groups
            .iter()
            .filter(|g| g.templates.iter().any(|t| resolve(&all, t).iter().any(|u| same(u, v))))
            .map(|g| g.name.as_str())
            .collect();
        out.push(template_holder(v, region, format!("version {} (used by {})", v.number, users.join(", "))));
    }
    let config_groups: BTreeMap<&str, &Vec<String>> = configs.iter().map(|(n, g)| (n.as_str(), g)).collect();
    for (name, groups) in &configs {
        let (ids, names) = split(groups);
        out.push(Holder {
            kind: HolderKind::LaunchConfiguration,
            id: name.clone(),
            region: region.to_string(),
            detail: String::new(),
            group_ids: ids,
            group_names: names,
        });
    }
    for g in &groups {
        let mut ids = Vec::new();
        let mut names = Vec::new();
        if let Some(list) = g.config.as_deref().and_then(|c| config_groups.get(c)) {
            let (i, n) = split(list);
            ids.extend(i);
            names.extend(n);
        }
        for t in &g.templates {
            for v in resolve(&all, t) {
                ids.extend(v.ids.iter().cloned());
                names.extend(v.names.iter().cloned());
            }
        }
        ids.sort();
        ids.dedup();
        names.sort();
        names.dedup();
        let s = if g.instances == 1 { "" } else { "s" };
        out.push(Holder {
            kind: HolderKind::AutoScalingGroup,
            id: g.name.clone(),
            region: region.to_string(),
            detail: format!("at {} instance{s}", g.instances),
            group_ids: ids,
            group_names: names,
        });
    }
    out
}

fn version(v: &aws_sdk_ec2::types::LaunchTemplateVersion) -> Version {
    let data = v.launch_template_data();
    let mut ids: Vec<String> = data.map(|d| d.security_group_ids().to_vec()).unwrap_or_default();
    if let Some(d) = data {
        ids.extend(d.network_interfaces().iter().flat_map(|n| n.groups().iter().cloned()));
    }
    ids.sort();
    ids.dedup();
    Version {
        template_id: v.launch_template_id().unwrap_or_default().to_string(),
        template_name: v.launch_template_name().unwrap_or_default().to_string(),
        number: v.version_number().unwrap_or_default(),
        default: v.default_version() == Some(true),
        ids,
        names: data.map(|d| d.security_groups().to_vec()).unwrap_or_default(),
    }
}

fn group(g: &aws_sdk_autoscaling::types::AutoScalingGroup) -> Group {
    let spec = |s: &aws_sdk_autoscaling::types::LaunchTemplateSpecification| {
        s.launch_template_id()
            .or(s.launch_template_name())
            .map(|t| TemplateRef { template: t.to_string(), version: s.version().unwrap_or("$Default").to_string() })
    };
    let mut templates: Vec<TemplateRef> = g.launch_template().and_then(spec).into_iter().collect();
    if let Some(lt) = g.mixed_instances_policy().and_then(|p| p.launch_template()) {
        templates.extend(lt.launch_template_specification().and_then(spec));
        templates.extend(lt.overrides().iter().filter_map(|o| o.launch_template_specification().and_then(spec)));
    }
    Group {
        name: g.auto_scaling_group_name().unwrap_or_default().to_string(),
        instances: g.instances().len(),
        config: g.launch_configuration_name().map(str::to_string),
        templates,
    }
}

/// The versions a reference means, among those read.
fn resolve<'v>(versions: &'v [Version], t: &TemplateRef) -> Vec<&'v Version> {
    let of_template: Vec<&Version> =
        versions.iter().filter(|v| v.template_id == t.template || v.template_name == t.template).collect();
    let latest = of_template.iter().map(|v| v.number).max();
    of_template
        .into_iter()
        .filter(|v| match t.version.as_str() {
            "$Default" => v.default,
            "$Latest" => Some(v.number) == latest,
            n => n.parse() == Ok(v.number),
        })
        .collect()
}

fn same(a: &Version, b: &Version) -> bool {
    a.template_id == b.template_id && a.number == b.number
}

fn dedup(versions: &mut Vec<Version>) {
    versions.sort_by(|a, b| (&a.template_id, a.number).cmp(&(&b.template_id, b.number)));
    versions.dedup_by(|a, b| same(a, b));
}

fn template_holder(v: &Version, region: &str, detail: String) -> Holder {
    Holder {
        kind: HolderKind::LaunchTemplate,
        id: v.template_id.clone(),
        region: region.to_string(),
        detail,
        group_ids: v.ids.clone(),
        group_names: v.names.clone(),
    }
}

/// A launch configuration names groups by ID, or by name for the default VPC.
fn split(groups: &[String]) -> (Vec<String>, Vec<String>) {
    groups.iter().cloned().partition(|g| g.starts_with("sg-"))
}
