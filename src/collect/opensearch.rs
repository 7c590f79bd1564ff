//! OpenSearch Service: the domains inside a VPC (a domain with a public endpoint has no security groups; its
//! access policy decides who may call it, which sgaudit does not audit).

use super::outcome::{combine, settle, span, Call, Failure};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_opensearch::types as os;
use aws_sdk_opensearch::Client;
use tracing::Instrument;

const SERVICE: &str = "es";

/// ListDomainNames (one page: the API returns every domain), then DescribeDomains five names at a time, the
/// most the API takes, all batches at once.
///
/// A domain with a public endpoint has no security group: it comes back as a note, not a datastore.
pub async fn domains(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> (Vec<Datastore>, Vec<String>) {
    let names = async {
        let out = client.list_domain_names().send().await.map_err(Failure::from)?;
        let names: Vec<String> =
            out.domain_names().iter().filter_map(|d| d.domain_name().map(str::to_string)).collect();
        Ok::<_, Failure>((names, 1))
    }
    .instrument(span(region, SERVICE, "ListDomainNames"))
    .await;
    let names = settle(Call { region, service: SERVICE, operation: "ListDomainNames" }, names, coverage);
    if names.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let batches = futures::future::join_all(names.chunks(5).map(|chunk| {
        async move {
            let out = client.describe_domains().set_domain_names(Some(chunk.to_vec())).send().await?;
            Ok::<_, aws_sdk_opensearch::error::SdkError<_, _>>(
                out.domain_status_list().iter().map(|d| domain(d, region)).collect::<Vec<_>>(),
            )
        }
        .instrument(span(region, SERVICE, "DescribeDomains"))
    }))
    .await;
    // A failed batch fails the operation: some domains were not read.
    let result = combine(batches.into_iter().map(|b| b.map(|ds| (ds, 1)).map_err(Failure::from)));
    let mut notes = Vec::new();
    let domains = settle(Call { region, service: SERVICE, operation: "DescribeDomains" }, result, coverage)
        .into_iter()
        .filter_map(|d| match d {
            Domain::InVpc(d) => Some(d),
            Domain::Public { note } => {
                notes.push(note);
                None
            }
        })
        .collect();
    (domains, notes)
}

/// What one domain adds to the inventory.
enum Domain {
    /// A domain in a VPC: a datastore its groups guard.
    InVpc(Datastore),
    /// A domain with a public endpoint: no group applies, and the report's note says so.
    Public { note: String },
}

/// A VPC domain answers HTTPS on 443, and plain HTTP on 80 unless it enforces HTTPS. A domain without VPC
/// options has a public endpoint: the note that says so.
fn domain(d: &os::DomainStatus, region: &str) -> Domain {
    let Some(vpc) = d.vpc_options() else {
        return Domain::Public {
            note: format!(
            "{region}: opensearch-domain {} has a public endpoint ({}): no security group applies to it; its access \
             policy, which sgaudit does not read, decides who may connect",
            d.domain_name(),
            d.endpoint().unwrap_or("no endpoint yet")
        ),
        };
    };
    let enforce_https = d.domain_endpoint_options().and_then(|o| o.enforce_https()).unwrap_or(false);
    Domain::InVpc(Datastore {
        kind: ResourceKind::OpensearchDomain,
        id: d.domain_name().to_string(),
        region: region.to_string(),
        engine: d.engine_version().unwrap_or("opensearch").to_string(),
        port: Some(443),
        group_ids: vpc.security_group_ids().to_vec(),
        publicly_accessible: false,
        endpoint: d.endpoints().and_then(|e| e.get("vpc")).cloned(),
        vpc_id: vpc.vpc_id().map(str::to_string),
        parent: None,
        subnet_ids: vpc.subnet_ids().to_vec(),
        extra_ports: if enforce_https { Vec::new() } else { vec![80] },
    })
}
