//! Transit gateways: the attachments (with the route table each is associated with) and, when there are
//! attachments, the transit gateway route tables with their active and blackhole routes.
//!
//! DescribeTransitGatewayAttachments and DescribeTransitGatewayRouteTables page with 1,000 a page;
//! SearchTransitGatewayRoutes runs per route table, eight at a time, and is one coverage entry. A route table
//! whose routes could not be read (or that has more than the 1,000 routes one search returns) keeps `None`:
//! a path through it is then *unknown*, never "not reachable".

use super::outcome::{combine, drain, settle, span, Call, Failure, Outcome};
use crate::model::{Coverage, TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable};
use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use futures::StreamExt;
use tracing::Instrument;

const SERVICE: &str = "ec2";
const CONCURRENCY: usize = 8;
/// The most routes SearchTransitGatewayRoutes returns, and its default page size: it has no paging, so
/// `MaxResults` is left at that default (moto 5.2 also fails on an explicit `MaxResults`).
const MAX_ROUTES: i32 = 1000;

pub async fn transit(
    client: &Client,
    region: &str,
    coverage: &mut Vec<Coverage>,
) -> (Vec<TransitGatewayAttachment>, Vec<TransitGatewayRouteTable>) {
    let call = |operation| Call { region, service: SERVICE, operation };
    let attachments =
        drain(client.describe_transit_gateway_attachments().max_results(1000).into_paginator().send(), |page, out| {
            out.extend(page.transit_gateway_attachments().iter().map(|a| {
                TransitGatewayAttachment {
                    id: a.transit_gateway_attachment_id().unwrap_or_default().to_string(),
                    region: region.to_string(),
                    transit_gateway_id: a.transit_gateway_id().unwrap_or_default().to_string(),
                    resource_type: a.resource_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    resource_id: a.resource_id().map(str::to_string),
                    resource_owner: a.resource_owner_id().map(str::to_string),
                    state: a.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    route_table_id: a
                        .association()
                        .filter(|x| x.state().is_none_or(|s| s.as_str() == "associated"))
                        .and_then(|x| x.transit_gateway_route_table_id())
                        .map(str::to_string),
                }
            }))
        })
        .instrument(span(region, SERVICE, "DescribeTransitGatewayAttachments"))
        .await;
    let attachments = settle(call("DescribeTransitGatewayAttachments"), attachments, coverage);
    if attachments.is_empty() {
        return (attachments, Vec::new());
    }
    let tables =
        drain(client.describe_transit_gateway_route_tables().max_results(1000).into_paginator().send(), |page, out| {
            out.extend(page.transit_gateway_route_tables().iter().map(|t| TransitGatewayRouteTable {
                id: t.transit_gateway_route_table_id().unwrap_or_default().to_string(),
                region: region.to_string(),
                transit_gateway_id: t.transit_gateway_id().unwrap_or_default().to_string(),
                routes: None,
            }))
        })
        .instrument(span(region, SERVICE, "DescribeTransitGatewayRouteTables"))
        .await;
    let mut tables = settle(call("DescribeTransitGatewayRouteTables"), tables, coverage);
    if tables.is_empty() {
        return (attachments, tables);
    }
    let routes: Vec<Outcome<TransitGatewayRoute>> =
        futures::stream::iter(tables.iter().map(|t| routes(client, region, &t.id)))
            .buffered(CONCURRENCY)
            .collect()
            .await;
    for (t, r) in tables.iter_mut().zip(&routes) {
        t.routes = r.as_ref().ok().map(|(routes, _)| routes.clone());
    }
    let all = combine(routes.into_iter().map(|r| r.map(|(_, pages)| (Vec::<()>::new(), pages))));
    settle(call("SearchTransitGatewayRoutes"), all, coverage);
    (attachments, tables)
}

/// The active and blackhole routes of one transit gateway route table.
async fn routes(client: &Client, region: &str, table: &str) -> Outcome<TransitGatewayRoute> {
    let out = client
        .search_transit_gateway_routes()
        .transit_gateway_route_table_id(table)
        .filters(Filter::builder().name("state").values("active").values("blackhole").build())
        .send()
        .instrument(span(region, SERVICE, "SearchTransitGatewayRoutes"))
        .await?;
    if out.additional_routes_available() == Some(true) {
        return Err(Failure {
            code: "TooManyRoutes".to_string(),
            message: format!("{table} has more than {MAX_ROUTES} routes, the most one search returns"),
        });
    }
    let routes = out
        .routes()
        .iter()
        .filter_map(|r| {
            Some(TransitGatewayRoute {
                destination: r.destination_cidr_block()?.parse().ok()?,
                attachments: r
                    .transit_gateway_attachments()
                    .iter()
                    .filter_map(|a| a.transit_gateway_attachment_id().map(str::to_string))
                    .collect(),
                blackhole: r.state().is_some_and(|s| s.as_str() == "blackhole"),
                propagated: r.r#type().is_some_and(|t| t.as_str() == "propagated"),
            })
        })
        .collect();
    Ok((routes, 1))
}
