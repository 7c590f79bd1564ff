//! The check registry: unique IDs, complete documentation, and message conventions.

use sgaudit::checks::{DOC_SECTIONS, REGISTRY};
use std::collections::HashSet;

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = HashSet::new();
    for c in REGISTRY {
        assert!(seen.insert(c.id), "duplicate check id {}", c.id);
        assert!(c.id.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{} is not kebab-case", c.id);
    }
}

#[test]
fn every_check_documents_every_section() {
    for c in REGISTRY {
        for section in DOC_SECTIONS {
            let body = c.section(section).unwrap_or_else(|| panic!("{}: no `### {section}` section", c.id));
            assert!(body.len() > 40, "{}: section `{section}` is too short", c.id);
        }
        assert!(!c.title.ends_with('.'), "{}: titles have no final period", c.id);
    }
}

#[test]
fn explain_prints_the_check_docs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit"))
        .args(["explain", "exposed-database"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("### Why is this bad?") && text.contains("::/0"), "{text}");
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit")).args(["explain", "no-such-check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn checks_lists_every_check() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit")).arg("checks").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for c in REGISTRY {
        assert!(text.contains(c.id));
    }
}

#[test]
fn resource_kinds_serialize_as_they_print_and_the_schema_lists_them() {
    let schema = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report-schema.md")).unwrap();
    for k in sgaudit::model::ResourceKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str(), "{k:?}");
        assert!(schema.contains(&format!("`{}`", k.as_str())), "docs/report-schema.md does not list `{k}`");
    }
}
