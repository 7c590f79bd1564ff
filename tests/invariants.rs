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
