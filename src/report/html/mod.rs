//! The HTML report: one self-contained file (styles, script and the flow graph inline; nothing fetched when
//! it is opened), readable printed and in a narrow window. A pure function of the report, the graph views
//! of its accounts and the time to show: the same input gives the same bytes.
//!
//! The page works without its script (every finding is in the table, details open by default when
//! printed); the script adds the filters, opening a finding, highlighting its hops in the graph, the node
//! panel and the copy buttons.

mod findings;

use super::diff::Diff;
use super::svg::{render_svg, xml};
use super::view::GraphView;
use super::Report;
use crate::audit::{Finding, Severity};
use crate::model::CoverageStatus;
use std::fmt::Write;

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// The page around a body: head with the inline style, the script at the end. `data` is the JSON the script
/// reads (nodes of the graphs).
fn page(title: &str, body: &str, data: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'; img-src data:\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\
         <script type=\"application/json\" id=\"sg-data\">{}</script>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        xml(title),
        // In a script element only `</` can end it early; JSON allows `<` escaped.
        data.replace('<', "\\u003c")
    )
}

fn counts(by: &[(Severity, usize)]) -> String {
    let mut s = String::from("<ul class=\"counts\">");
    for (sev, n) in by {
        let _ = write!(s, "<li class=\"sev sev-{sev}\"><b>{n}</b> {sev}</li>");
    }
    s.push_str("</ul>\n");
    s
}

/// The completeness banner: every failed call, or a line saying there was none.
fn completeness(report: &Report) -> String {
    let failed: Vec<_> = report.coverage.iter().filter(|c| c.status == CoverageStatus::Failed).collect();
    if failed.is_empty() {
        return format!(
            "<p class=\"banner complete\">Complete: all {} operation(s) succeeded.</p>\n",
            report.coverage.len()
        );
    }
    let mut s = format!(
        "<div class=\"banner incomplete\" role=\"alert\"><p><b>Incomplete audit:</b> {} operation(s) failed, so the \
         findings are a lower bound and verdicts that needed the missing data are marked.</p><ul>\n",
        failed.len()
    );
    for c in failed {
        let _ = writeln!(
            s,
            "<li>{}<code>{}</code> {} {}: <code>{}</code> {}{}</li>",
            c.account.as_deref().map(|a| format!("account {} · ", xml(a))).unwrap_or_default(),
            xml(&c.region),
            xml(&c.service),
            xml(&c.operation),
            xml(c.error_code.as_deref().unwrap_or("error")),
            xml(c.message.as_deref().unwrap_or("")),
            c.hint.as_deref().map(|h| format!(" <i>Hint: {}</i>", xml(h))).unwrap_or_default()
        );
    }
    s.push_str("</ul></div>\n");
    s
}

fn header(title: &str, accounts: &[String], regions: &[String], generated: Option<&str>) -> String {
    let mut s = format!("<header>\n<h1>{}</h1>\n<dl class=\"meta\">", xml(title));
    let list = |v: &[String]| if v.is_empty() { "unknown".to_string() } else { xml(&v.join(", ")) };
    let _ = write!(s, "<dt>Account(s)</dt><dd>{}</dd><dt>Region(s)</dt><dd>{}</dd>", list(accounts), list(regions));
    if let Some(t) = generated {
        let _ = write!(s, "<dt>Generated</dt><dd><time>{}</time></dd>", xml(t));
    }
    let _ = writeln!(s, "<dt>Tool</dt><dd>sgaudit {}</dd></dl>", env!("CARGO_PKG_VERSION"));
    s
}

fn list_section(id: &str, title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut s = format!("<section id=\"{id}\"><h2>{title}</h2><ul>");
    for i in items {
        let _ = write!(s, "<li>{}</li>", xml(i));
    }
    s.push_str("</ul></section>\n");
    s
}

/// The figures: one per account, with what was left out of each and a panel for the selected node.
fn graph_section(graphs: &[GraphView]) -> String {
    if graphs.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<section id=\"graph\"><h2>Flow graph</h2>\n<p class=\"hint\">The internet on the left, databases on the \
         right; ports on the edges; exposed databases in red; dashed edges could not be decided. Select a finding \
         to highlight its hops, or a node to list its groups, members and findings.</p>\n",
    );
    for (k, g) in graphs.iter().enumerate() {
        s.push_str("<figure class=\"graph\">\n");
        if graphs.len() > 1 {
            let _ = writeln!(s, "<figcaption>Account {}</figcaption>", xml(g.account.as_deref().unwrap_or("unknown")));
        }
        let mut notes = Vec::new();
        if g.folded > 0 {
            notes.push(format!(
                "The graph has more than {} sets of members, so {} of them are folded into one node per VPC. Drawn one \
                 by one (at most {}): the databases with exposure findings, the sets the internet reaches and the \
                 sets on the paths between them. Select a VPC to draw its sets{}.",
                super::view::COLLAPSE_ABOVE,
                g.folded,
                super::view::KEEP,
                match g.nodes.iter().filter(|n| n.kind == super::view::NodeKind::Vpc).count() {
                    n if n > g.expansions.len() => format!(
                        " (the {} VPCs whose folded sets matter most can be drawn; the others list their groups)",
                        g.expansions.len()
                    ),
                    _ => String::new(),
                }
            ));
        }
        if g.left_out > 0 {
            notes.push(format!(
                "{} edge(s) are not drawn: a folded graph draws the edges from the internet and those a finding is \
                 about (`sgaudit graph --format dot` has every edge).",
                g.left_out
            ));
        }
        if g.hidden > 0 {
            notes.push(format!(
                "{} internal flow(s) admitted only by 0.0.0.0/0 or ::/0 rules are not drawn (`sgaudit graph --all-flows`).",
                g.hidden
            ));
        }
        if g.blocked > 0 {
            notes.push(format!(
                "{} flow(s) the security groups allow are not drawn: routes or network ACLs block them (`sgaudit reach` says which).",
                g.blocked
            ));
        }
        for n in notes {
            let _ = writeln!(s, "<p class=\"note\">{}</p>", xml(&n));
        }
        if !g.expansions.is_empty() {
            let _ = writeln!(
                s,
                "<p class=\"graph-nav\" id=\"g{k}-nav\" hidden><button type=\"button\" class=\"to-overview\" \
                 data-graph=\"{k}\">Back to the overview</button> <span class=\"expanded\"></span></p>"
            );
        }
        let _ = writeln!(s, "<div class=\"graph-wrap\" id=\"g{k}-wrap\">{}</div>", render_svg(g, &format!("g{k}-")));
        for x in &g.expansions {
            let _ = writeln!(
                s,
                "<template id=\"g{k}-x-{}\">{}</template>",
                xml(x.expands.as_deref().unwrap_or_default()),
                render_svg(x, &format!("g{k}-")).trim_end()
            );
        }
        let _ = write!(
            s,
            "<aside class=\"node-panel\" id=\"g{k}-panel\" aria-live=\"polite\"><p class=\"hint\">Select a node.</p>\
             </aside>\n</figure>\n"
        );
    }
    s.push_str("</section>\n");
    s
}

/// What the script needs of each graph: the nodes of its first view for the panel, and of each expansion its
/// title, nodes, and the highlights that differ from the first view's (the rows carry those).
fn graph_data(graphs: &[GraphView]) -> String {
    let value: Vec<serde_json::Value> = graphs
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let views: serde_json::Map<String, serde_json::Value> = g
                .expansions
                .iter()
                .map(|x| {
                    let hl: serde_json::Map<String, serde_json::Value> = x
                        .highlights
                        .iter()
                        .map(|(id, h)| (id, findings::highlight_ids(k, x, h)))
                        .filter(|(id, ids)| {
                            g.highlights.get(*id).map(|h| findings::highlight_ids(k, g, h)).as_ref() != Some(ids)
                        })
                        .map(|(id, ids)| (id.clone(), ids.into()))
                        .collect();
                    let title =
                        x.expands.as_ref().and_then(|v| g.nodes.iter().find(|n| &n.id == v)).map(|n| n.title.clone());
                    // Nodes drawn the same in the first view are read from there.
                    let nodes: Vec<&super::view::ViewNode> =
                        x.nodes.iter().filter(|n| !g.nodes.iter().any(|o| o == *n)).collect();
                    (
                        x.expands.clone().unwrap_or_default(),
                        serde_json::json!({ "title": title, "nodes": nodes, "hl": hl }),
                    )
                })
                .collect();
            serde_json::json!({ "account": g.account, "nodes": g.nodes, "views": views })
        })
        .collect();
    serde_json::json!({ "graphs": value }).to_string()
}

/// The audit report as one HTML page. `graphs` are the flow graphs of its accounts (none when they are not
/// known); `generated` the time to show in the header (none in snapshots).
pub fn render_html(report: &Report, graphs: &[GraphView], generated: Option<&str>) -> String {
    let mut body = header("sgaudit report", &report.accounts, &report.regions, generated);
    body.push_str(&completeness(report));
    let by: Vec<(Severity, usize)> =
        Severity::ALL.iter().map(|s| (*s, report.summary.by_severity.get(s.as_str()).copied().unwrap_or(0))).collect();
    body.push_str(&counts(&by));
    let _ = writeln!(
        body,
        "<p class=\"summary\">{} finding(s){}; {} security group(s), {} rule(s), {} interface(s), {} datastore(s); exit \
         code {} (fail on {}).</p>\n</header>",
        report.summary.findings,
        match report.summary.suppressed {
            0 => String::new(),
            n => format!(", {n} suppressed"),
        },
        report.summary.security_groups,
        report.summary.rules,
        report.summary.network_interfaces,
        report.summary.datastores,
        report.summary.exit_code,
        report.summary.fail_on
    );
    body.push_str("<main>\n");
    body.push_str(&graph_section(graphs));
    let all: Vec<&Finding> = report.findings.iter().collect();
    body.push_str("<section id=\"findings\"><h2>Findings</h2>\n");
    body.push_str(&findings::filters(&all, None));
    let rows: Vec<(&Finding, Option<&str>)> = all.iter().map(|f| (*f, None)).collect();
    body.push_str(&findings::table(&rows, graphs));
    body.push_str("</section>\n");
    let flow_logs: Vec<String> = report.flow_logs.iter().map(|f| f.summary()).collect();
    body.push_str(&list_section("flow-logs", "Flow logs", &flow_logs));
    body.push_str(&list_section("notes", "Notes", &report.notes));
    body.push_str(&list_section("warnings", "Warnings", &report.warnings));
    body.push_str("</main>\n");
    page("sgaudit report", &body, &graph_data(graphs))
}

/// `sgaudit diff` as one HTML page: new and resolved findings in one filterable table, then what changed.
pub fn render_diff_html(diff: &Diff, old: &Report, new: &Report, generated: Option<&str>) -> String {
    let mut accounts: Vec<String> = old.accounts.iter().chain(&new.accounts).cloned().collect();
    accounts.sort();
    accounts.dedup();
    let mut regions: Vec<String> = old.regions.iter().chain(&new.regions).cloned().collect();
    regions.sort();
    regions.dedup();
    let mut body = header("sgaudit diff", &accounts, &regions, generated);
    let _ = writeln!(
        body,
        "<ul class=\"counts\"><li class=\"change new\"><b>{}</b> new</li><li class=\"change resolved\"><b>{}</b> \
         resolved</li><li><b>{}</b> changed</li><li><b>{}</b> unchanged</li></ul>",
        diff.new.len(),
        diff.resolved.len(),
        diff.changed.len(),
        diff.unchanged
    );
    for (which, r) in [("earlier", old), ("later", new)] {
        if !r.complete {
            let _ = writeln!(
                body,
                "<p class=\"banner incomplete\" role=\"alert\">The {which} report is incomplete: {} operation(s) \
                 failed, so some differences may come from missing data.</p>",
                r.summary.failed_operations
            );
        }
    }
    body.push_str(
        "</header>\n<main>\n<p class=\"hint\">Two JSON reports carry no inventory, so a diff has no flow graph: \
         each run's own HTML report has it.</p>\n<section id=\"findings\"><h2>New and resolved findings</h2>\n",
    );
    let rows: Vec<(&Finding, Option<&str>)> =
        diff.new.iter().map(|f| (f, Some("new"))).chain(diff.resolved.iter().map(|f| (f, Some("resolved")))).collect();
    let all: Vec<&Finding> = rows.iter().map(|(f, _)| *f).collect();
    body.push_str(&findings::filters(&all, Some(("change", "Change", &["new", "resolved"]))));
    body.push_str(&findings::table(&rows, &[]));
    body.push_str("</section>\n<section id=\"changed\"><h2>Changed findings</h2>\n");
    if diff.changed.is_empty() {
        body.push_str("<p>None.</p>\n");
    } else {
        body.push_str(
            "<table class=\"changed\"><thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>What changed</th>\
             <th>Message</th></tr></thead><tbody>\n",
        );
        for c in &diff.changed {
            let sev = if c.old_severity == c.new_severity {
                format!("<span class=\"sev sev-{0}\">{0}</span>", c.new_severity)
            } else {
                format!(
                    "<span class=\"sev sev-{0}\">{0}</span> → <span class=\"sev sev-{1}\">{1}</span>",
                    c.old_severity, c.new_severity
                )
            };
            let _ = writeln!(
                body,
                "<tr><td>{sev}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                xml(&c.check),
                xml(&c.resource),
                xml(&c.fields.join(", ")),
                xml(&c.message)
            );
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str("</section>\n</main>\n");
    page("sgaudit diff", &body, &graph_data(&[]))
}
