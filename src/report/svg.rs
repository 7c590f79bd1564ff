//! The flow graph as SVG, drawn by sgaudit: the layered layout of `layout.rs` over a [`GraphView`]. The same
//! drawing is `sgaudit graph --format svg` and the HTML report's figure. No fonts are loaded: text uses the
//! reader's sans-serif, and node widths are estimated from character counts.

use super::layout::{layout, Box2, Rank};
use super::view::{GraphView, NodeKind};
use std::fmt::Write;

/// Longest line of text in a node, in characters; longer lines are cut with an ellipsis (the full text is
/// in the node's tooltip and in the report's node panel).
const LINE: usize = 46;
const CHAR_W: f64 = 7.0;
const NODE_H: f64 = 62.0;
const MIN_W: f64 = 110.0;

/// What a node shows, line by line.
fn lines(n: &super::view::ViewNode) -> Vec<&str> {
    [n.title.as_str(), n.subtitle.as_str(), n.members.as_str()].into_iter().filter(|s| !s.is_empty()).collect()
}

fn cut(s: &str) -> String {
    if s.chars().count() <= LINE {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(LINE - 1).collect();
        t.push('…');
        t
    }
}

/// Escapes text for XML content and attributes.
pub(super) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
.sg-graph{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\
.sg-graph .node rect{fill:#fff;stroke:#5b6b7b;stroke-width:1.2}\
.sg-graph .node.internet rect{fill:#eef1f4}\
.sg-graph .node.datastore rect{fill:#eaf2ff}\
.sg-graph .node.vpc rect{fill:#f6f3ea;stroke-dasharray:4 3}\
.sg-graph .node.exposed rect{fill:#fde2e2;stroke:#c00;stroke-width:2.5}\
.sg-graph .node text{font-size:11px;fill:#1b2733}\
.sg-graph .node text.t{font-weight:600;font-size:13px}\
.sg-graph .edge path{fill:none;stroke:#7a8794;stroke-width:1.4}\
.sg-graph .edge.unknown path{stroke-dasharray:6 4}\
.sg-graph .edge text{font-size:11px;fill:#33414e;stroke:#fff;stroke-width:3px;paint-order:stroke}\
.sg-graph .hl rect{stroke:#e67e00;stroke-width:3.5}\
.sg-graph .hl path{stroke:#e67e00;stroke-width:3.5}\
.sg-graph.highlighting .node:not(.hl),.sg-graph.highlighting .edge:not(.hl){opacity:.3}\
.sg-graph .node.selected rect{stroke:#1d4ed8;stroke-width:3}";

/// Draws the view. `prefix` keeps element IDs unique when several graphs share one page.
pub fn render_svg(view: &GraphView, prefix: &str) -> String {
    let sizes: Vec<(f64, f64)> = view
        .nodes
        .iter()
        .map(|n| {
            let longest = lines(n).iter().map(|l| cut(l).chars().count()).max().unwrap_or(0);
            ((longest as f64 * CHAR_W + 20.0).max(MIN_W).round(), NODE_H)
        })
        .collect();
    let ranks: Vec<Rank> = view
        .nodes
        .iter()
        .map(|n| match n.kind {
            NodeKind::Internet => Rank::First,
            NodeKind::Datastore => Rank::Last,
            NodeKind::Members | NodeKind::Vpc => Rank::Middle,
        })
        .collect();
    let index = |id: &str| view.nodes.iter().position(|n| n.id == id).unwrap_or(0);
    let ends: Vec<(usize, usize)> = view.edges.iter().map(|e| (index(&e.from), index(&e.to))).collect();
    let mut l = layout(&sizes, &ranks, &ends);
    // Edges that do not go to a later layer loop below their nodes: room for the lowest loop.
    if ends.iter().any(|&(a, b)| l.layers[a] > l.layers[b]) {
        l.height += 60.0;
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sg-graph\" id=\"{p}graph\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Flow graph{acct}: {nn} node(s), {ne} edge(s)\">",
        p = prefix,
        w = l.width.round(),
        h = l.height.round(),
        acct = view.account.as_deref().map(|a| format!(" of account {a}")).unwrap_or_default(),
        nn = view.nodes.len(),
        ne = view.edges.len(),
    );
    let _ = writeln!(s, "<style>{STYLE}</style>");
    let _ = writeln!(
        s,
        "<defs><marker id=\"{prefix}arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" \
         markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7a8794\"/></marker></defs>"
    );
    let mut notes = Vec::new();
    if view.hidden > 0 {
        notes.push(format!("{} internal flow(s) admitted only by 0.0.0.0/0 or ::/0 rules not drawn", view.hidden));
    }
    if view.blocked > 0 {
        notes.push(format!("{} flow(s) the security groups allow are blocked by routes or network ACLs", view.blocked));
    }
    if view.folded > 0 {
        notes.push(format!("{} sets of members folded into one node per VPC", view.folded));
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "<desc>{}</desc>", xml(&notes.join("; ")));
    }
    for (i, e) in view.edges.iter().enumerate() {
        let (a, b) = (l.boxes[ends[i].0], l.boxes[ends[i].1]);
        let (d, mid) = curve(&a, &b, l.layers[ends[i].0].cmp(&l.layers[ends[i].1]));
        let class = if e.unknown.is_some() { "edge unknown" } else { "edge" };
        let title = |id: &str| view.nodes.iter().find(|n| n.id == id).map_or(id.to_string(), |n| n.title.clone());
        let tip = format!("{} → {}: {}", title(&e.from), title(&e.to), e.label);
        let tip = match &e.unknown {
            Some(why) => format!("{tip} (undecided: {why})"),
            None => tip,
        };
        let _ = writeln!(
            s,
            "<g class=\"{class}\" id=\"{prefix}e-{i}\" data-edge=\"{i}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>\
             <path d=\"{d}\" marker-end=\"url(#{prefix}arrow)\"/><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text></g>",
            xml(&e.from),
            xml(&e.to),
            xml(&tip),
            mid.0,
            mid.1 - 4.0,
            xml(&cut(&e.label))
        );
    }
    for (i, n) in view.nodes.iter().enumerate() {
        let b = l.boxes[i];
        let kind = match n.kind {
            NodeKind::Internet => "internet",
            NodeKind::Members => "members",
            NodeKind::Datastore => "datastore",
            NodeKind::Vpc => "vpc",
        };
        let exposed = if n.exposed { " exposed" } else { "" };
        let radius = if n.kind == NodeKind::Internet { 28 } else { 6 };
        let _ = write!(
            s,
            "<g class=\"node {kind}{exposed}\" id=\"{prefix}n-{id}\" data-node=\"{id}\" tabindex=\"0\"><title>{tip}</title>\
             <rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" rx=\"{radius}\"/>",
            b.x,
            b.y,
            b.w,
            b.h,
            id = xml(&n.id),
            tip = xml(&lines(n).join("\n")),
        );
        let texts = lines(n);
        let top = b.y + b.h / 2.0 - (texts.len() as f64 - 1.0) * 8.0 + 4.0;
        for (k, t) in texts.iter().enumerate() {
            let class = if k == 0 { " class=\"t\"" } else { "" };
            let _ = write!(
                s,
                "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\"{class}>{}</text>",
                b.x + b.w / 2.0,
                top + k as f64 * 16.0,
                xml(&cut(t))
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    s
}

/// A cubic curve from `a` to `b` and its midpoint: right side to left side when `b` is in a later layer;
/// right side to right side, bulging right, within one layer; otherwise a loop below both, bottom to bottom.
fn curve(a: &Box2, b: &Box2, layers: std::cmp::Ordering) -> (String, (f64, f64)) {
    use std::cmp::Ordering::*;
    let (p0, p1, p2, p3) = match layers {
        Less => {
            let (x0, y0, x3, y3) = (a.x + a.w, a.y + a.h / 2.0, b.x, b.y + b.h / 2.0);
            let dx = (x3 - x0) / 2.0;
            ((x0, y0), (x0 + dx, y0), (x3 - dx, y3), (x3, y3))
        }
        Equal => {
            let (x0, mut y0, x3, mut y3) = (a.x + a.w, a.y + a.h / 2.0, b.x + b.w, b.y + b.h / 2.0);
            if a == b {
                // A loop on one node (flows between sets folded into one VPC).
                (y0, y3) = (y0 - 12.0, y3 + 12.0);
            }
            let bulge = 40.0 + (y3 - y0).abs() / 4.0;
            ((x0, y0), (x0 + bulge, y0), (x3 + bulge, y3), (x3, y3))
        }
        Greater => {
            let (x0, y0, x3, y3) = (a.x + a.w / 2.0, a.y + a.h, b.x + b.w / 2.0 + 8.0, b.y + b.h);
            ((x0, y0), (x0, y0 + 50.0), (x3, y3 + 50.0), (x3, y3))
        }
    };
    let mid = ((p0.0 + 3.0 * p1.0 + 3.0 * p2.0 + p3.0) / 8.0, (p0.1 + 3.0 * p1.1 + 3.0 * p2.1 + p3.1) / 8.0);
    let d =
        format!("M{:.0},{:.0} C{:.0},{:.0} {:.0},{:.0} {:.0},{:.0}", p0.0, p0.1, p1.0, p1.1, p2.0, p2.1, p3.0, p3.1);
    (d, mid)
}
