//! The findings table of the HTML pages: one `<tbody>` per finding (a summary row and a detail row), with
//! the data attributes the page's filters and graph highlighting read.

use super::super::svg::xml;
use super::super::view::{GraphView, Highlight};
use crate::audit::{Finding, Severity};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Where a finding is drawn in the graphs' first views: the graph's index on the page, and the element IDs to
/// highlight.
pub(super) fn graph_links(graphs: &[GraphView], f: &Finding) -> Option<(usize, String)> {
    graphs.iter().enumerate().find_map(|(k, g)| {
        if g.account.is_some() && f.account.is_some() && g.account != f.account {
            return None;
        }
        Some((k, highlight_ids(k, g, g.highlights.get(&f.id)?)))
    })
}

/// The element IDs of a highlight in view `g` of graph `k`: the same in every view that draws them.
pub(super) fn highlight_ids(k: usize, g: &GraphView, h: &Highlight) -> String {
    let ids: Vec<String> = h
        .nodes
        .iter()
        .map(|n| format!("g{k}-n-{n}"))
        .chain(h.edges.iter().map(|&e| format!("g{k}-e-{}", g.edges[e].id())))
        .collect();
    ids.join(" ")
}

/// The filter bar for a table of `findings`; `extra` is one more filter (the diff's change kind).
pub(super) fn filters(findings: &[&Finding], extra: Option<(&str, &str, &[&str])>) -> String {
    let mut s = String::from("<form class=\"filters\" id=\"filters\" onsubmit=\"return false\">\n<fieldset class=\"sevs\"><legend>Severity</legend>");
    for sev in Severity::ALL {
        let n = findings.iter().filter(|f| f.severity == sev && f.suppressed.is_none()).count();
        let _ = write!(
            s,
            "<label class=\"sev-{sev}\"><input type=\"checkbox\" name=\"severity\" value=\"{sev}\" checked> {sev} ({n})</label>"
        );
    }
    s.push_str("</fieldset>\n");
    let select = |s: &mut String, name: &str, label: &str, values: BTreeSet<String>| {
        let _ = write!(s, "<label>{label} <select name=\"{name}\"><option value=\"\">all</option>");
        for v in values {
            let _ = write!(s, "<option value=\"{0}\">{0}</option>", xml(&v));
        }
        s.push_str("</select></label>\n");
    };
    if let Some((name, label, values)) = extra {
        select(&mut s, name, label, values.iter().map(|v| v.to_string()).collect());
    }
    select(&mut s, "check", "Check", findings.iter().map(|f| f.check.clone()).collect());
    select(&mut s, "region", "Region", findings.iter().map(|f| f.region.clone()).collect());
    select(&mut s, "account", "Account", findings.iter().filter_map(|f| f.account.clone()).collect());
    select(&mut s, "kind", "Resource", findings.iter().map(|f| f.resource.kind.to_string()).collect());
    let suppressed = findings.iter().filter(|f| f.suppressed.is_some()).count();
    let _ = write!(
        s,
        "<label class=\"search\">Search <input type=\"search\" name=\"q\" placeholder=\"ID, rule, group, text…\"></label>\n\
         <label><input type=\"checkbox\" name=\"suppressed\"> show suppressed ({suppressed})</label>\n\
         <output id=\"shown\" aria-live=\"polite\">{n} of {n} finding(s) shown</output>\n</form>\n",
        n = findings.len() - suppressed
    );
    s
}

/// A group of this many findings or more starts folded; smaller groups start open.
const FOLD_FROM: usize = 5;

/// What several findings share, so that the table shows them as one group: the check, the severity and, where
/// the evidence names one, the rule's peer and traffic ("0.0.0.0/0 on tcp/5432"). `None`: the finding stands
/// alone.
fn cause(f: &Finding) -> Option<(String, String)> {
    let e = f.evidence.first()?;
    let (peer, traffic) = (e.peer.as_deref()?, e.traffic.as_deref()?);
    let direction = e.direction.map(|d| format!("{} ", d.as_str())).unwrap_or_default();
    Some((
        format!("{}\u{0}{}\u{0}{direction}{peer}\u{0}{traffic}", f.check, f.severity),
        format!("{direction}{peer} on {traffic}"),
    ))
}

/// Compares names as people read them: the digits in them as numbers (db2 before db10).
pub(super) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest.find(|c: char| c.is_ascii_digit() != digit).unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some((digit, chunk))
        })
    }
    let (mut x, mut y) = (chunks(a), chunks(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some((true, p)), Some((true, q))) => {
                let (p0, q0) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                let order = p0.len().cmp(&q0.len()).then_with(|| p0.cmp(q0));
                if order.is_ne() {
                    return order;
                }
            }
            (Some((_, p)), Some((_, q))) => {
                if p != q {
                    return p.cmp(q);
                }
            }
        }
    }
}

/// A finding, with its change label on the diff page.
type Row<'a> = (&'a Finding, Option<&'a str>);

/// A row's group: its index, its number of findings, and the shared cause in words.
type Group = (usize, usize, String);

/// The rows in table order: the report's order (severity, then check), resources in natural order, and the
/// findings that share a cause together where the first of them stands. Each row with its group, if any:
/// (group index, members, the cause in words).
fn arrange<'a>(rows: &[Row<'a>]) -> Vec<(Row<'a>, Option<Group>)> {
    let name = |f: &Finding| f.resource.name.clone().unwrap_or_else(|| f.resource.id.clone());
    let mut sorted: Vec<(usize, Row)> = rows.iter().copied().enumerate().collect();
    sorted.sort_by(|(i, (a, _)), (j, (b, _))| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| natural_cmp(&name(a), &name(b)))
            .then_with(|| i.cmp(j))
    });
    let mut members: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, (f, _)) in &sorted {
        if let Some((key, _)) = cause(f) {
            *members.entry(key).or_default() += 1;
        }
    }
    // Per cause: its place in the table and its group index.
    let mut slot: std::collections::HashMap<String, (usize, usize)> = std::collections::HashMap::new();
    let mut out: Vec<Vec<(Row, Option<Group>)>> = Vec::new();
    for (_, row) in sorted {
        match cause(row.0).filter(|(key, _)| members[key] > 1) {
            Some((key, words)) => {
                let n = members[&key];
                let next = (out.len(), slot.len());
                let (at, index) = *slot.entry(key).or_insert(next);
                if at == out.len() {
                    out.push(Vec::new());
                }
                out[at].push((row, Some((index, n, words))));
            }
            None => out.push(vec![(row, None)]),
        }
    }
    out.into_iter().flatten().collect()
}

/// The table. `change` labels each row (the diff's `new` or `resolved`) when given. Findings that share a
/// cause are shown under one collapsible group row ("180 × exposed-database: ingress 0.0.0.0/0 on tcp/5432");
/// the filters apply to each finding inside.
pub(super) fn table(rows: &[(&Finding, Option<&str>)], graphs: &[GraphView]) -> String {
    let mut s = String::from(
        "<table class=\"findings\" id=\"findings-table\">\n<colgroup><col class=\"c-sev\"><col class=\"c-check\">\
         <col class=\"c-res\"><col class=\"c-region\"><col class=\"c-acct\"><col></colgroup>\n<thead><tr><th>Severity</th><th>Check</th><th>Resource</th>\
         <th>Region</th><th>Account</th><th>Message</th></tr></thead>\n",
    );
    if rows.is_empty() {
        s.push_str("<tbody><tr><td colspan=\"6\" class=\"none\">No findings.</td></tr></tbody>\n");
    }
    let mut opened = BTreeSet::new();
    for (i, ((f, change), group)) in arrange(rows).into_iter().enumerate() {
        if let Some((g, n, words)) = &group {
            if opened.insert(*g) {
                let folded = *n >= FOLD_FROM;
                let _ = writeln!(
                    s,
                    "<tbody class=\"group\" id=\"group-{g}\" data-group=\"{g}\"{fold}><tr class=\"group-head\"><td colspan=\"6\">\
                     <button type=\"button\" class=\"group-toggle\" aria-expanded=\"{open}\" aria-controls=\"group-{g}\">{n} × \
                     {check}</button> <span class=\"sev sev-{sev}\">{sev}</span> {words} \
                     <span class=\"group-count\">({n} resources)</span></td></tr></tbody>",
                    fold = if folded { " data-folded=\"1\"" } else { "" },
                    open = !folded,
                    check = xml(&f.check),
                    sev = f.severity,
                    words = xml(words),
                );
            }
        }
        let account = f.account.as_deref().unwrap_or("");
        let kind = f.resource.kind.to_string();
        let mut attrs = format!(
            "data-id=\"{}\" data-severity=\"{}\" data-check=\"{}\" data-region=\"{}\" data-account=\"{}\" data-kind=\"{}\"",
            xml(&f.id),
            f.severity,
            xml(&f.check),
            xml(&f.region),
            xml(account),
            xml(&kind)
        );
        if let Some(c) = change {
            let _ = write!(attrs, " data-change=\"{c}\"");
        }
        if let Some((g, _, _)) = &group {
            let _ = write!(attrs, " data-in-group=\"{g}\"");
        }
        if f.suppressed.is_some() {
            attrs.push_str(" data-suppressed=\"1\" hidden");
        }
        if let Some((k, ids)) = graph_links(graphs, f) {
            let _ = write!(attrs, " data-graph=\"{k}\" data-hl=\"{ids}\"");
        }
        let name =
            f.resource.name.as_deref().map(|n| format!(" <span class=\"name\">{}</span>", xml(n))).unwrap_or_default();
        let mut badges = String::new();
        if let Some(c) = change {
            let _ = write!(badges, "<span class=\"change {c}\">{c}</span> ");
        }
        if f.suppressed.is_some() {
            badges.push_str("<span class=\"tag\">suppressed</span> ");
        }
        if f.is_unconfirmed() {
            badges.push_str("<span class=\"tag\">unconfirmed</span> ");
        }
        let _ = writeln!(
            s,
            "<tbody class=\"finding\" id=\"f-{i}\" {attrs}>\n<tr class=\"summary\" tabindex=\"0\" aria-expanded=\"false\">\
             <td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{check}</td><td><code>{kind} {id}</code>{name}</td>\
             <td>{region}</td><td>{account}</td><td class=\"msg\"><div class=\"clamp\">{badges}{msg}</div></td></tr>",
            sev = f.severity,
            check = xml(&f.check),
            kind = xml(&kind),
            id = xml(&f.resource.id),
            region = xml(&f.region),
            account = xml(account),
            msg = xml(&f.message),
        );
        s.push_str("<tr class=\"detail\" hidden><td colspan=\"6\">");
        s.push_str(&detail(f));
        s.push_str("</td></tr>\n</tbody>\n");
    }
    s.push_str("</table>\n");
    s
}

/// A finding opened: message, evidence, fix commands with copy buttons.
fn detail(f: &Finding) -> String {
    let mut s = format!("<p class=\"message\">{}</p>\n", xml(&f.message));
    if let Some(sup) = &f.suppressed {
        let until = sup.expires.as_deref().map(|e| format!(" (until {})", xml(e))).unwrap_or_default();
        let _ = writeln!(s, "<p class=\"suppressed\">Suppressed: {}{until}</p>", xml(&sup.reason));
    }
    if f.is_unconfirmed() {
        s.push_str(
            "<p class=\"unconfirmed\">Unconfirmed: a call this verdict needs failed; it holds for the data that was \
             read.</p>\n",
        );
    }
    if !f.evidence.is_empty() {
        s.push_str(
            "<h4>Evidence</h4>\n<table class=\"evidence\"><thead><tr><th>Group</th><th>Rule</th><th>Direction</th>\
             <th>Traffic</th><th>Peer</th><th>Why</th></tr></thead><tbody>\n",
        );
        for e in &f.evidence {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                xml(&e.group_id),
                xml(e.rule_id.as_deref().unwrap_or("")),
                e.direction.map(|d| d.as_str()).unwrap_or_default(),
                xml(e.traffic.as_deref().unwrap_or("")),
                xml(e.peer.as_deref().unwrap_or("")),
                xml(&e.detail)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    let _ = writeln!(s, "<h4>Fix</h4>\n<p>{}</p>", xml(&f.remediation.summary));
    for c in &f.remediation.commands {
        let _ = writeln!(
            s,
            "<div class=\"cmd\"><pre><code>{}</code></pre><button type=\"button\" class=\"copy\">Copy</button></div>",
            xml(c)
        );
    }
    let _ = writeln!(s, "<p class=\"fid\">Finding ID <code>{}</code></p>", xml(&f.id));
    s
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    #[test]
    fn names_sort_as_people_read_them() {
        let mut names = vec!["db10", "db2", "db1", "db11", "db-a", "db02", "web"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["db1", "db02", "db2", "db10", "db11", "db-a", "web"]);
    }
}
