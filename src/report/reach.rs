//! The answer of `sgaudit reach`, as text for people and JSON for scripts.

use crate::flow::{Answer, Hop, Network, Node};
use crate::model::{Coverage, Rule};
use serde::Serialize;

/// The JSON schema identifier of a reach answer.
pub const REACH_SCHEMA: &str = "sgaudit/reach@1";

/// A `reach` answer, as the JSON output shows it (docs/report-schema.md).
#[derive(Debug, Serialize)]
pub struct ReachView {
    /// Always [`REACH_SCHEMA`].
    pub schema: &'static str,
    /// The source, as the question named it.
    pub from: String,
    /// The destination, as the question named it.
    pub to: String,
    /// The traffic asked about.
    pub traffic: String,
    /// Whether some path carries it.
    pub reachable: bool,
    /// Why neither "reachable" nor "not reachable" can be said (a transit gateway route table that could not
    /// be read, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
    /// False when some collection call failed: a "not reachable" answer may then be wrong (rules only add).
    pub complete: bool,
    /// The hops of the path found.
    pub hops: Vec<HopView>,
    /// What the direct flow lacks, with the commands that add it.
    pub missing: Vec<MissingView>,
    /// What the reader should know about the answer.
    pub notes: Vec<String>,
    /// Failed calls the answer depends on.
    pub coverage_gaps: Vec<Coverage>,
}

#[derive(Debug, Serialize)]
pub struct HopView {
    pub from: String,
    pub to: String,
    pub traffic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<RuleView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<RuleView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The network-ACL half: the entries that let the hop through, or the one that blocks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_acl: Option<String>,
    /// Between VPCs: the routes that carry the hop each way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RuleView {
    pub group_id: String,
    pub rule_id: String,
    pub rule: String,
}

#[derive(Debug, Serialize)]
pub struct MissingView {
    pub half: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

fn rule_view(net: &Network, r: &Rule) -> RuleView {
    RuleView {
        group_id: r.group_id.clone(),
        rule_id: r.label(),
        rule: format!("{} {} {}", r.traffic(), r.direction.preposition(), net.peer_text(r)),
    }
}

/// The label of a node; the destination is named as the question named it.
fn node(net: &Network, n: Node, last: bool, answer: &Answer) -> String {
    match n {
        Node::Class(_) if last => answer.to.clone(),
        n => net.node_label(n),
    }
}

fn hop_view(net: &Network, answer: &Answer, i: usize, h: &Hop) -> HopView {
    let last = i + 1 == answer.hops.len();
    let from = if i == 0 { answer.from.clone() } else { node(net, h.from, false, answer) };
    HopView {
        from,
        to: node(net, h.to, last, answer),
        traffic: h.traffic.to_string(),
        egress: h.egress.map(|r| rule_view(net, r)),
        ingress: h.ingress.map(|r| rule_view(net, r)),
        address: crate::flow::FamilyReach::describe(&h.address),
        network_acl: h.acl.as_ref().and_then(crate::flow::AclHalf::text),
        route: h.route.clone(),
    }
}

/// The answer's view, with the network's labels.
pub fn view(net: &Network, answer: &Answer) -> ReachView {
    let gaps: Vec<Coverage> =
        net.inventory().coverage.iter().filter(|c| c.status == crate::model::CoverageStatus::Failed).cloned().collect();
    ReachView {
        schema: REACH_SCHEMA,
        from: answer.from.clone(),
        to: answer.to.clone(),
        traffic: answer.want.to_string(),
        reachable: answer.reachable,
        unknown: answer.unknown.clone(),
        complete: gaps.is_empty(),
        hops: answer.hops.iter().enumerate().map(|(i, h)| hop_view(net, answer, i, h)).collect(),
        missing: answer
            .missing
            .iter()
            .map(|m| MissingView { half: m.half.to_string(), detail: m.detail.clone(), command: m.command.clone() })
            .collect(),
        notes: answer.notes.clone(),
        coverage_gaps: gaps,
    }
}

/// The view as pretty JSON.
pub fn render_reach_json(v: &ReachView) -> String {
    serde_json::to_string_pretty(v).expect("a reach answer serializes") + "\n"
}

/// The view as text, for a terminal.
pub fn render_reach_text(v: &ReachView) -> String {
    let mut out = String::new();
    if v.reachable {
        let hops = if v.hops.len() == 1 { "directly".to_string() } else { format!("in {} hops", v.hops.len()) };
        out.push_str(&format!("REACHABLE: {} → {} on {}, {hops}\n", v.from, v.to, v.traffic));
    } else if let Some(why) = &v.unknown {
        out.push_str(&format!("UNKNOWN: {} → {} on {}: {why}\n", v.from, v.to, v.traffic));
    } else {
        out.push_str(&format!("NOT REACHABLE: {} → {} on {}\n", v.from, v.to, v.traffic));
    }
    for (i, h) in v.hops.iter().enumerate() {
        out.push_str(&format!("\n  {}. {} → {}: {}\n", i + 1, h.from, h.to, h.traffic));
        if let Some(e) = &h.egress {
            out.push_str(&format!("       egress  {} of {}: {}\n", e.rule_id, e.group_id, e.rule));
        }
        if let Some(r) = &h.ingress {
            out.push_str(&format!("       ingress {} of {}: {}\n", r.rule_id, r.group_id, r.rule));
        }
        if let Some(a) = &h.address {
            out.push_str(&format!("       address {a}\n"));
        }
        if let Some(r) = &h.route {
            out.push_str(&format!("       route   {r}\n"));
        }
        if let Some(a) = &h.network_acl {
            out.push_str(&format!("       acl     {a}\n"));
        }
    }
    if !v.missing.is_empty() {
        out.push_str("\nMissing:\n");
        for m in &v.missing {
            out.push_str(&format!("  - {}: {}\n", m.half, m.detail));
            if let Some(c) = &m.command {
                out.push_str(&format!("      {c}\n"));
            }
        }
    }
    for n in &v.notes {
        out.push_str(&format!("\nnote: {n}\n"));
    }
    if !v.complete {
        let ops: Vec<String> = v.coverage_gaps.iter().map(|c| format!("{} {}", c.region, c.operation)).collect();
        out.push_str(&format!(
            "\nINCOMPLETE: {} call(s) failed ({}); rules only allow, so a path shown exists, but a missing one may not be missing\n",
            ops.len(),
            ops.join(", ")
        ));
    }
    out
}
