//! The deployment files are validated by the tools their platforms' users run: cfn-lint for the CloudFormation
//! template, kubernetes-validate (the Kubernetes API schema, strictly) for the CronJob, action-validator (the
//! GitHub workflow schema) for the release workflow, hadolint for the Dockerfile. Each validator is shown to
//! fail on a broken copy, so a pass means something. The image's build and runtime check run in CI through
//! scripts/container-check.sh.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `tool` on `file`; (success, stdout and stderr).
fn run(tool: &Path, args: &[&str], file: &Path) -> (bool, String) {
    let out = Command::new(tool).args(args).arg(file).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// The file passes `tool`, and a copy broken by `break_it` does not.
fn validates(tool: &Path, args: &[&str], file: &str, break_it: impl Fn(&str) -> String) {
    let (ok, out) = run(tool, args, &root().join(file));
    assert!(ok, "{file}: {out}");
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join(Path::new(file).file_name().unwrap());
    let text = read(&root().join(file));
    let bad = break_it(&text);
    assert_ne!(bad, text, "the break changed nothing");
    std::fs::write(&broken, bad).unwrap();
    let (ok, out) = run(tool, args, &broken);
    assert!(!ok, "{file}: the broken copy passed: {out}");
}

fn venv(tool: &str) -> Option<PathBuf> {
    let p = root().join(".venv/bin").join(tool);
    p.exists().then_some(p)
}

#[test]
fn the_cloudformation_template_passes_cfn_lint() {
    let lint = venv("cfn-lint");
    if !tool(lint.is_some(), "cfn-lint (in .venv)") {
        return;
    }
    validates(&lint.unwrap(), &[], "deploy/ecs-scheduled-audit.yaml", |t| {
        t.replace("LaunchType: FARGATE", "LaunchType: LAMBDA")
    });
}

#[test]
fn the_task_role_is_the_documented_policy() {
    let template = read(&root().join("deploy/ecs-scheduled-audit.yaml"));
    let role = template.split("  TaskRole:\n").nth(1).unwrap().split("\n  TaskDefinition:").next().unwrap();
    let in_template: BTreeSet<String> = role
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter(|a| a.contains(':') && !a.contains(' '))
        .map(str::to_string)
        .collect();
    let policy: serde_json::Value = serde_json::from_str(&read(&root().join("docs/iam-policy.json"))).unwrap();
    // The nightly job reads no flow logs, so its role has no flow-log bucket or log group statement.
    let documented: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Sid"] != "SgauditFlowLogBucket" && s["Sid"] != "SgauditFlowLogGroups")
        .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(in_template, documented);
}

#[test]
fn the_cronjob_passes_the_kubernetes_schema() {
    let validate = venv("kubernetes-validate");
    if !tool(validate.is_some(), "kubernetes-validate (in .venv)") {
        return;
    }
    validates(&validate.unwrap(), &["--strict", "--quiet"], "deploy/kubernetes-cronjob.yaml", |t| {
        t.replace("concurrencyPolicy: Forbid", "concurrencyPolicy: Forbid\n  concurrency: 1")
    });
}

#[test]
fn the_release_workflow_passes_the_workflow_schema() {
    let validator = root().join(".cache/action-validator/node_modules/.bin/action-validator");
    if !tool(validator.exists(), "action-validator (in .cache, npm)") {
        return;
    }
    validates(&validator, &[], ".github/workflows/release.yml", |t| {
        t.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest")
    });
}

#[test]
fn the_dockerfile_passes_hadolint_and_runs_only_the_project_s_scripts() {
    let hadolint = venv("hadolint");
    if !tool(hadolint.is_some(), "hadolint (in .venv)") {
        return;
    }
    validates(&hadolint.unwrap(), &[], "Dockerfile", |t| t.replace("WORKDIR /src", "WORKDIR src"));

    let dockerfile = read(&root().join("Dockerfile"));
    let runs: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("RUN ")).collect();
    // The build stage runs the build script CI runs; the last step is the runtime check CI runs.
    assert_eq!(runs.first(), Some(&"RUN bash scripts/container-build.sh"));
    assert!(runs.last().unwrap().starts_with("RUN bash /usr/share/sgaudit/container-runtime-check.sh "), "{runs:?}");
    assert!(dockerfile.contains("USER 10001:10001") && dockerfile.contains("ENTRYPOINT [\"sgaudit\"]"));
    let ci = read(&root().join(".ci/run"));
    assert!(ci.contains("bash scripts/container-check.sh"), "CI runs the image's steps");
    let check = read(&root().join("scripts/container-check.sh"));
    assert!(check.contains("bash scripts/container-build.sh") && check.contains("container-runtime-check.sh"));
}
