//! Data-driven check tests: each fixture in tests/fixtures/ is an inventory; its findings are an insta snapshot.

mod common;

use sgaudit::audit::audit_all;
use sgaudit::report::Report;

/// One line per finding: `check severity kind id: message`, then the fixes.
fn findings(name: &str) -> String {
    let inv = common::fixture(name);
    let report = Report::new(&inv, audit_all(&inv, None), sgaudit::audit::Severity::High);
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!("{} {} {} {}: {}\n", f.check, f.severity, f.resource.kind, f.resource.id, f.message));
        for c in &f.remediation.commands {
            out.push_str(&format!("    $ {c}\n"));
        }
    }
    for n in &report.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), findings(stringify!($name)));
        }
    )*};
}

fixtures! {
    exposed_database_sources,
    exposed_database_ports,
    exposed_database_prefix_lists,
    exposed_database_interfaces,
    self_referencing_group,
    unused,
    holders,
    cross_references,
    unused_with_membership_gap,
    flows,
    public_space,
    datastore_placement,
    routing,
    routing_prefix_lists,
    network_acls,
    network_acls_unread,
    load_balancers,
    internet_path_acl,
    dual_stack,
    self_hosted,
}
