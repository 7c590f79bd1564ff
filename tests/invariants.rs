//! Architecture invariants from ARCHITECTURE.md, stated as what is absent.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn nothing_outside_collect_imports_the_sdk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 10);
    for (path, text) in files {
        if path.contains("/collect/") {
            continue;
        }
        // Code only: string literals (log filters name SDK modules) are left out.
        let code: String = text.lines().map(|l| l.split('"').step_by(2).collect::<String>() + "\n").collect();
        for needle in ["aws_sdk_", "aws_smithy_", "aws_config", "aws_credential_types"] {
            assert!(!code.contains(needle), "{path} uses {needle}: only src/collect/ may talk to AWS");
        }
        let core =
            ["/model/", "/flow/", "/flowlog/", "/audit/", "/checks/", "/report/"].iter().any(|d| path.contains(d));
        if core {
            for needle in ["std::fs", "std::net::Tcp", "tokio", "std::time::SystemTime", "std::env", "println!"] {
                assert!(!code.contains(needle), "{path} uses {needle}: the core does no I/O");
            }
        }
    }
}

/// The top-level modules of the library each `crate::…` path in a file's code (comments and strings left out)
/// names: module → the modules it uses.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut graph: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for (path, text) in files {
        let rel = path.strip_prefix(&root.display().to_string()).unwrap().trim_start_matches('/').to_string();
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        if ["lib", "main", "cli"].contains(&module.as_str()) {
            continue;
        }
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| l.split('"').step_by(2).collect::<String>() + "\n")
            .collect();
        let uses = graph.entry(module.clone()).or_default();
        for piece in code.split("crate::").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && name != module {
                uses.insert(name);
            }
        }
    }
    graph
}

/// No circle between top-level modules: each layer uses only those below it (model and flow at the bottom,
/// the engine, the checks, the audit that runs them, then suppressions and reports).
#[test]
fn no_module_uses_one_that_uses_it_back() {
    let graph = module_graph();
    assert!(graph.contains_key("engine") && graph.contains_key("checks") && graph.contains_key("audit"));
    // Depth-first search; a module met again while it is on the stack closes a circle.
    fn visit(
        m: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) {
        if let Some(at) = stack.iter().position(|s| s == m) {
            panic!("a circle of modules: {} → {m}", stack[at..].join(" → "));
        }
        if !done.insert(m.to_string()) {
            return;
        }
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, stack, done);
        }
        stack.pop();
    }
    let mut done = std::collections::BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    // The engine knows no check, and the checks no report.
    for (module, forbidden) in [("engine", "checks"), ("engine", "audit"), ("engine", "suppress"), ("checks", "report")]
    {
        assert!(!graph[module].contains(forbidden), "{module} uses {forbidden}: {:?}", graph[module]);
    }
}

/// Every file, folder and type ARCHITECTURE.md names exists: a path (`collect/recording.rs`, `exposed_database/`)
/// is the end of a file's or folder's path in the project, a type (`Network`, `Findings`) is declared in the
/// source, and a path of names (`Network::internet_paths`, `checks::REGISTRY`) ends in a declared item.
#[test]
fn the_architecture_document_names_only_what_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut paths = Vec::new();
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if rel.starts_with("target") || rel.starts_with('.') || rel.contains("/.") {
                continue;
            }
            if p.is_dir() {
                out.push(format!("{rel}/"));
                walk(&p, root, out);
            } else {
                out.push(rel);
            }
        }
    }
    walk(root, root, &mut paths);
    let mut code = String::new();
    for dir in ["src", "tests", "benches", "examples"] {
        let mut files = Vec::new();
        sources(&root.join(dir), &mut files);
        for (_, text) in files {
            code.push_str(&text);
        }
    }
    let declared = |name: &str| {
        ["fn", "struct", "enum", "trait", "type", "const", "static", "mod", "macro_rules!", "pub use", "use"]
            .iter()
            .any(|kw| code.contains(&format!("{kw} {name}")))
            // An enum variant or a field.
            || code.contains(&format!("    {name},"))
            || code.contains(&format!("    {name} {{"))
            || code.contains(&format!("    {name}("))
            || code.contains(&format!("pub {name}:"))
            || code.contains(&format!(", {name}}}"))
            || code.contains(&format!("{{{name}, "))
    };
    let mut missing = Vec::new();
    for (i, quoted) in doc.split('`').enumerate() {
        if i % 2 == 0 || quoted.contains(' ') || quoted.is_empty() {
            continue;
        }
        let is_path = quoted.ends_with(".rs")
            || quoted.ends_with(".md")
            || quoted.ends_with('/')
            || (quoted.contains('/') && !quoted.contains("::") && !quoted.contains('@') && !quoted.contains('-'));
        if is_path {
            let want = quoted.trim_start_matches("./");
            let found = paths.iter().any(|p| p == want || p.ends_with(&format!("/{want}")));
            if !found {
                missing.push(format!("path `{quoted}`"));
            }
            continue;
        }
        let name = quoted.trim_end_matches("()");
        let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name.split("::").all(ident) || name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        let last = name.rsplit("::").next().unwrap();
        let camel =
            last.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && last.chars().any(|c| c.is_ascii_lowercase());
        // A name of a dependency or of the AWS API is fine where the code uses it; the one type named only to
        // say why it is not used is listed.
        let used = |n: &str| {
            code.match_indices(n).any(|(at, _)| {
                let before = code[..at].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
                let after = code[at + n.len()..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
                before && after
            })
        };
        const NOT_USED_ON_PURPOSE: &[&str] = &["StaticReplayClient"];
        if (name.contains("::") || camel) && !declared(last) && !used(name) && !NOT_USED_ON_PURPOSE.contains(&name) {
            missing.push(format!("name `{quoted}`"));
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md names what does not exist: {missing:#?}");
}
