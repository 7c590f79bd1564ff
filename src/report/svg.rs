//! The flow graph as SVG, drawn by sgaudit: the layered layout of `layout.rs` over a [`GraphView`]. The same
//! drawing is `sgaudit graph --format svg` and the HTML report's figure. No fonts are loaded: text uses the
//! reader's sans-serif, and node widths are estimated from character counts.

use super::layout::{layout, Box2, Heading, Rank, Route, LOOP_TURN};
use super::view::{GraphView, NodeKind};
use std::fmt::Write;

/// Longest line of text in a node, in characters; longer lines are cut with an ellipsis (the full text is
/// in the node's tooltip and in the report's node panel).
const LINE: usize = 46;
const CHAR_W: f64 = 7.0;
const NODE_H: f64 = 62.0;
const MIN_W: f64 = 110.0;
/// An edge label's longest line in characters, its most lines, and their measures.
const LABEL_LINE: usize = 30;
const LABEL_LINES: usize = 3;
const LABEL_CHAR_W: f64 = 6.4;
const LABEL_LINE_H: f64 = 13.0;

/// What a node shows, line by line.
fn lines(n: &super::view::ViewNode) -> Vec<&str> {
    [n.title.as_str(), n.subtitle.as_str(), n.members.as_str()].into_iter().filter(|s| !s.is_empty()).collect()
}

fn cut(s: &str) -> String {
    cut_to(s, LINE)
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
    let texts: Vec<Vec<String>> = view.edges.iter().map(|e| label_lines(&e.label)).collect();
    let label_sizes: Vec<(f64, f64)> = texts
        .iter()
        .map(|t| {
            let longest = t.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            ((longest as f64 * LABEL_CHAR_W + 8.0).round(), t.len() as f64 * LABEL_LINE_H + 6.0)
        })
        .collect();
    let l = layout(&sizes, &ranks, &ends, &label_sizes);
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
        notes.push(format!(
            "{} sets of members folded into one node per VPC; drawn one by one: the exposed databases, the sets the \
             internet reaches and the paths between them",
            view.folded
        ));
    }
    if view.left_out > 0 {
        notes.push(format!("{} edge(s) neither from the internet nor about a finding not drawn", view.left_out));
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "<desc>{}</desc>", xml(&notes.join("; ")));
    }
    for (i, e) in view.edges.iter().enumerate() {
        let (a, b) = (l.boxes[ends[i].0], l.boxes[ends[i].1]);
        let route = &l.routes[i];
        let d = path(&a, &b, ends[i].0 == ends[i].1, route);
        let class = if e.unknown.is_some() { "edge unknown" } else { "edge" };
        let title = |id: &str| view.nodes.iter().find(|n| n.id == id).map_or(id.to_string(), |n| n.title.clone());
        let tip = format!("{} → {}: {}", title(&e.from), title(&e.to), e.label);
        let tip = match &e.unknown {
            Some(why) => format!("{tip} (undecided: {why})"),
            None => tip,
        };
        let _ = write!(
            s,
            "<g class=\"{class}\" id=\"{prefix}e-{}\" data-edge=\"{i}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>\
             <path d=\"{d}\" marker-end=\"url(#{prefix}arrow)\"/>",
            xml(&e.id()),
            xml(&e.from),
            xml(&e.to),
            xml(&tip),
        );
        let at = route.via[route.label];
        for (k, t) in texts[i].iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text>",
                at.x + at.w / 2.0,
                at.y + LABEL_LINE_H * (k as f64 + 1.0) - 2.0,
                xml(t)
            );
        }
        s.push_str("</g>\n");
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

/// The lines of an edge's label: its ports, comma-separated, packed into lines of at most [`LABEL_LINE`]
/// characters, at most [`LABEL_LINES`] of them; what does not fit is counted on the last line (`+4 more`), and
/// the whole label is in the edge's tooltip.
fn label_lines(label: &str) -> Vec<String> {
    let parts: Vec<String> = label.split(", ").filter(|p| !p.is_empty()).map(|p| cut_to(p, LABEL_LINE)).collect();
    let all = pack(&parts);
    if all.len() <= LABEL_LINES {
        return all;
    }
    // The most ports that fit with the count of the others after them (fewer ports never take more lines).
    let with_count = |keep: usize| {
        let mut items = parts[..keep].to_vec();
        items.push(format!("+{} more", parts.len() - keep));
        pack(&items)
    };
    let (mut lo, mut hi) = (0, parts.len() - 1);
    while lo < hi {
        let keep = (lo + hi).div_ceil(2);
        if with_count(keep).len() <= LABEL_LINES {
            lo = keep;
        } else {
            hi = keep - 1;
        }
    }
    with_count(lo)
}

/// Packs items, comma-separated, into lines of at most [`LABEL_LINE`] characters.
fn pack(items: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 2 + item.chars().count() <= LABEL_LINE => {
                line.push_str(", ");
                line.push_str(item);
            }
            _ => lines.push(item.clone()),
        }
    }
    lines
}

fn cut_to(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// The path of an edge from `a` to `b` through its route's boxes: curves with level ends between boxes, a
/// straight run under the label. `same` when it starts and ends at one node (a loop, entered a little lower).
fn path(a: &Box2, b: &Box2, same: bool, route: &Route) -> String {
    let mid = |v: &Box2| v.y + v.h / 2.0;
    // Waypoints have no width: the edge passes through their centre. Labels sit on the edge; a loop runs
    // under its label, turns down and back (the layout left room for the turn).
    let turn = if route.heading == Heading::Loop { LOOP_TURN } else { 0.0 };
    let rail = |v: &Box2| if v.w == 0.0 { mid(v) } else { v.y + v.h - 2.0 - turn };
    let offset = if same { 10.0 } else { 0.0 };
    // Each point after the first, with how it is reached: a straight run, a level curve, or the turn.
    let mut points: Vec<((f64, f64), Step)> = Vec::new();
    let start = match route.heading {
        Heading::Right => (a.x + a.w, mid(a)),
        Heading::Left => (a.x, mid(a)),
        Heading::Loop => (a.x + a.w, mid(a) - offset),
    };
    for v in &route.via {
        let (entry, exit) = match route.heading {
            Heading::Right | Heading::Loop => (v.x, v.x + v.w),
            Heading::Left => (v.x + v.w, v.x),
        };
        points.push(((entry, rail(v)), Step::Curve));
        if v.w > 0.0 {
            points.push(((exit, rail(v)), Step::Run));
        }
        if route.heading == Heading::Loop {
            points.push(((exit, rail(v) + turn), Step::Turn));
        }
    }
    points.push((
        match route.heading {
            Heading::Right => (b.x, mid(b)),
            Heading::Left | Heading::Loop => (b.x + b.w, mid(b) + offset),
        },
        Step::Curve,
    ));
    let mut d = format!("M{:.0},{:.0}", start.0, start.1);
    let mut p = start;
    for (q, step) in points {
        match step {
            Step::Run => {
                let _ = write!(d, " L{:.0},{:.0}", q.0, q.1);
            }
            Step::Turn => {
                let r = (q.1 - p.1) * 0.9;
                let _ = write!(d, " C{:.0},{:.0} {:.0},{:.0} {:.0},{:.0}", p.0 + r, p.1, q.0 + r, q.1, q.0, q.1);
            }
            Step::Curve => {
                // Level at both ends: leaves and enters horizontally, whichever way it runs.
                let dx = (q.0 - p.0) / 2.0;
                let _ = write!(d, " C{:.0},{:.0} {:.0},{:.0} {:.0},{:.0}", p.0 + dx, p.1, q.0 - dx, q.1, q.0, q.1);
            }
        }
        p = q;
    }
    d
}

/// How a path reaches its next point.
#[derive(Clone, Copy)]
enum Step {
    Run,
    Curve,
    Turn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_wrap_at_commas_and_count_what_does_not_fit() {
        assert_eq!(label_lines("tcp/443"), vec!["tcp/443"]);
        assert_eq!(label_lines("tcp/5000-6000, tcp/5432"), vec!["tcp/5000-6000, tcp/5432"]);
        let many: Vec<String> = (1..=40).map(|p| format!("tcp/{}", 1000 + p)).collect();
        let lines = label_lines(&many.join(", "));
        assert_eq!(lines.len(), LABEL_LINES, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= LABEL_LINE), "{lines:?}");
        let shown = lines.join(", ").split(", ").filter(|p| p.starts_with("tcp/")).count();
        assert!(lines[2].ends_with(&format!("+{} more", 40 - shown)), "{lines:?}");
        assert!(shown >= 8, "{shown} ports shown: {lines:?}");
        let long = "x".repeat(80);
        assert_eq!(label_lines(&long)[0].chars().count(), LABEL_LINE);
    }
}
