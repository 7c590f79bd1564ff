//! CodeBuild: a project built inside a VPC names the groups of its build containers, which exist only while a
//! build runs.

use super::outcome::{combine, drain, settle, span, Call, Outcome};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_codebuild::Client;
use tracing::Instrument;

const SERVICE: &str = "codebuild";
/// The most projects BatchGetProjects takes at once.
const BATCH: usize = 100;

/// ListProjects, then BatchGetProjects 100 at a time.
pub async fn projects(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let names =
        drain(client.list_projects().into_paginator().send(), |page, out| out.extend(page.projects().iter().cloned()))
            .instrument(span(region, SERVICE, "ListProjects"))
            .await;
    let names = settle(Call { region, service: SERVICE, operation: "ListProjects" }, names, coverage);
    if names.is_empty() {
        return Vec::new();
    }
    let batches: Vec<Outcome<Holder>> = futures::future::join_all(names.chunks(BATCH).map(|chunk| {
        async move {
            let out = client.batch_get_projects().set_names(Some(chunk.to_vec())).send().await?;
            let holders = out
                .projects()
                .iter()
                .filter_map(|p| {
                    let groups = p.vpc_config().map(|v| v.security_group_ids().to_vec()).unwrap_or_default();
                    (!groups.is_empty()).then(|| Holder {
                        kind: HolderKind::CodeBuildProject,
                        id: p.name().unwrap_or_default().to_string(),
                        region: region.to_string(),
                        detail: String::new(),
                        group_ids: groups,
                        group_names: Vec::new(),
                    })
                })
                .collect();
            Ok((holders, 1))
        }
        .instrument(span(region, SERVICE, "BatchGetProjects"))
    }))
    .await;
    settle(Call { region, service: SERVICE, operation: "BatchGetProjects" }, combine(batches), coverage)
}
