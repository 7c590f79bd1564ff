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
        let core = ["/model/", "/flow/", "/audit/", "/checks/", "/report/"].iter().any(|d| path.contains(d));
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
