//! Shared test helpers: the one place that starts moto, seeds scenarios through the AWS SDK, runs the binary
//! and loads fixtures.
#![allow(dead_code)]

pub mod cli;
pub mod dataplatform;
pub mod holders;
pub mod localstack;
pub mod patch;
pub mod scenarios;
pub mod tiered_edge;
pub mod tiered_network;
pub mod transit;
pub mod two_vpcs;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `sgaudit ARGS` with a hermetic environment; returns the exit code, stdout and stderr.
pub fn sgaudit(args: &[&str]) -> (i32, String, String) {
    sgaudit_with_env(args, &[])
}

/// [`sgaudit`] with extra environment variables.
pub fn sgaudit_with_env(args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sgaudit"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .envs(vars.iter().copied())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // No profile files: HOME is a directory without .aws.
        .env("HOME", std::env::temp_dir().join("sgaudit-test-home"))
        .output()
        .expect("run sgaudit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The flags a recording is audited with, from its `audit.args` (one per line; paths relative to the
/// recording's folder are made absolute), else none.
pub fn audit_args(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("audit.args")) else { return Vec::new() };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| if dir.join(l).exists() { dir.join(l).display().to_string() } else { l.to_string() })
        .collect()
}

/// The recorded accounts: every directory of `mocks/` with an index, sorted.
pub fn mock_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("mocks"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("index.json").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Copies a directory tree (a recording, to damage a copy of it).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// Collects a recording in this process, as `--replay DIR` does.
pub fn replay(dir: &Path) -> Result<sgaudit::model::Inventory, sgaudit::collect::Error> {
    let opts = sgaudit::collect::Options {
        replay: Some(dir.to_path_buf()),
        max_attempts: 1,
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    rt().run(|| sgaudit::collect::collect(&opts)).map(|c| c.inventory)
}

/// The finding of a JSON report with this check and resource ID.
#[allow(dead_code)]
pub fn finding<'a>(report: &'a serde_json::Value, check: &str, id: &str) -> Option<&'a serde_json::Value> {
    report["findings"].as_array()?.iter().find(|f| f["check"] == check && f["resource"]["id"] == id)
}

/// Runs an audit and parses its JSON report.
pub fn audit_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["audit", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = sgaudit(&all);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("report is not JSON ({e}); exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    (code, json)
}

/// One line per finding: `check severity kind id`, sorted as the report sorts them.
pub fn finding_lines(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["check"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["resource"]["kind"].as_str().unwrap(),
                f["resource"]["id"].as_str().unwrap()
            )
        })
        .collect()
}

/// Set by `scripts/test.sh`, and so by CI: a test whose outside tool is missing fails instead of being skipped.
pub const REQUIRE_TOOLS: &str = "SGAUDIT_REQUIRE_TOOLS";

/// Whether the outside tool a test needs (`what`) is here. When it is not, the test is skipped: it says so on
/// the terminal (past the test harness's capture) with the command that installs the tool, and returns. Where
/// `SGAUDIT_REQUIRE_TOOLS` is set, a missing tool fails the test instead: CI never skips silently.
pub fn tool(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let why = format!("{what} is not installed: `bash scripts/test.sh` installs it and runs every test");
    if std::env::var_os(REQUIRE_TOOLS).is_some() {
        panic!("{why} ({REQUIRE_TOOLS} is set: no test may be skipped)");
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    false
}

/// A moto server on 127.0.0.1, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

/// The moto server binary: `SGAUDIT_MOTO` or the project's `.venv`, if it exists.
pub fn moto_binary() -> Option<PathBuf> {
    let p = std::env::var_os("SGAUDIT_MOTO").map_or_else(|| root().join(".venv/bin/moto_server"), PathBuf::from);
    p.exists().then_some(p)
}

impl Moto {
    /// A moto server, or `None` (the test is skipped, see [`tool`]) where moto is not installed.
    pub fn start() -> Option<Moto> {
        let bin = moto_binary();
        tool(bin.is_some(), "moto (or set SGAUDIT_MOTO)").then(|| Moto::launch(Command::new(bin.expect("present"))))
    }

    /// moto through `tests/moto/server.py`, which patches it to answer as AWS does where the organisation
    /// tests need it (AssumeRole needs the role to exist); the Python is the one beside the moto binary.
    pub fn start_patched() -> Option<Moto> {
        let bin = moto_binary();
        tool(bin.is_some(), "moto (or set SGAUDIT_MOTO)").then(|| {
            let mut cmd = Command::new(bin.expect("present").with_file_name("python"));
            cmd.arg(root().join("tests/moto/server.py"));
            Moto::launch(cmd)
        })
    }

    /// [`Moto::start_patched`], and moto's three unserved calls of a collection answered as AWS does for an
    /// account without such resources (tests/moto/server.py, patch 4): a region can be read completely.
    #[allow(dead_code)]
    pub fn start_complete() -> Option<Moto> {
        let bin = moto_binary();
        tool(bin.is_some(), "moto (or set SGAUDIT_MOTO)").then(|| {
            let mut cmd = Command::new(bin.expect("present").with_file_name("python"));
            cmd.arg(root().join("tests/moto/server.py")).env("SGAUDIT_MOTO_COMPLETE", "1");
            Moto::launch(cmd)
        })
    }

    /// On a [`Moto::start_complete`] server: from now on, ElastiCache DescribeServerlessCaches answers
    /// AccessDenied, so every region has one denied call.
    #[allow(dead_code)]
    pub fn deny_serverless_caches(&self) {
        self.post("/_sgaudit/deny-serverless-caches");
    }

    /// From now on, this CloudWatch Logs action (`logs:StartQuery`) answers AccessDeniedException (the test
    /// launcher's patch 6).
    #[allow(dead_code)]
    pub fn deny(&self, action: &str) {
        self.post(&format!("/_sgaudit/deny/{action}"));
    }

    fn post(&self, path: &str) {
        let port = self.endpoint.rsplit(':').next().unwrap();
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
        use std::io::{Read, Write};
        write!(conn, "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"), "{response}");
    }

    fn launch(mut cmd: Command) -> Moto {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().unwrap().port()
        };
        let child = cmd
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let moto = Moto { child, endpoint };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }
}

impl Moto {
    /// Seeds moto's random generator, so that the IDs it hands out are the same on every run.
    #[allow(dead_code)]
    pub fn seed(&self, n: u32) {
        let (status, body) = moto_post(&self.endpoint, "", &format!("/moto-api/seed?a={n}"), "");
        assert_eq!(status, 200, "{body}");
    }
}

/// A bare form POST to moto on 127.0.0.1, for the few calls no SDK client of this project makes (IAM's
/// CreateRole, moto's own API). `service` goes into the credential scope, which moto routes on.
#[allow(dead_code)]
pub fn moto_post(endpoint: &str, service: &str, path: &str, form: &str) -> (u16, String) {
    moto_post_as(endpoint, "testing", service, path, form)
}

/// [`moto_post`] with the credentials of `access_key`: moto decides the account by the key.
#[allow(dead_code)]
pub fn moto_post_as(endpoint: &str, access_key: &str, service: &str, path: &str, form: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
    let auth = if service.is_empty() {
        String::new()
    } else {
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={access_key}/20260101/us-east-1/{service}/aws4_request, \
             SignedHeaders=host, Signature=0\r\n"
        )
    };
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    conn.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response)
}

/// S3 CreateBucket on moto (path-style), for a flow log's destination: sgaudit builds no S3 client.
#[allow(dead_code)]
pub fn moto_create_bucket(endpoint: &str, bucket: &str) {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
    let request = format!(
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// One call of a JSON-protocol service moto serves (`X-Amz-Target`), for services sgaudit has no SDK crate
/// for (ACM). Returns the response body.
#[allow(dead_code)]
pub fn moto_json_as(endpoint: &str, access_key: &str, service: &str, target: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential={access_key}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         X-Amz-Target: {target}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stack of every thread that polls SDK futures in a test. In the debug profile the SDK's deserializers of
/// large shapes (EC2's `Instance`, returned by RunInstances) keep megabytes of locals, more than the 2 MiB a
/// test thread or a tokio worker has by default.
const SEED_STACK: usize = 16 << 20;

/// A tokio runtime for seeding, whose `block_on` polls on a thread with a large stack (`SEED_STACK`).
pub struct Rt(tokio::runtime::Runtime);

impl Rt {
    /// Runs `future` to completion on a scoped thread with a large stack; a panic in it is the caller's panic.
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        self.run(|| future)
    }

    /// Like `block_on`, for a future that the compiler cannot prove `Send`: `make` builds it on the thread.
    pub fn run<M, F>(&self, make: M) -> F::Output
    where
        M: FnOnce() -> F + Send,
        F: std::future::Future,
        F::Output: Send,
    {
        std::thread::scope(|scope| {
            let thread = std::thread::Builder::new().stack_size(SEED_STACK).name("seed".into());
            let handle = thread.spawn_scoped(scope, || self.0.block_on(make())).expect("a seeding thread");
            handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

/// A tokio runtime for seeding.
pub fn rt() -> Rt {
    Rt(tokio::runtime::Builder::new_multi_thread().thread_stack_size(SEED_STACK).enable_all().build().unwrap())
}

/// The SDK configuration for a moto endpoint.
pub async fn moto_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `tests/fixtures/NAME.json`, filling `region` (us-east-1) where a fixture leaves it out.
#[allow(dead_code)]
pub fn fixture(name: &str) -> sgaudit::model::Inventory {
    let path = root().join("tests/fixtures").join(format!("{name}.json"));
    let mut v: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
    for list in [
        "groups",
        "rules",
        "interfaces",
        "datastores",
        "prefix_lists",
        "coverage",
        "subnets",
        "route_tables",
        "vpcs",
        "peerings",
        "network_acls",
        "holders",
        "stale_checks",
        "peer_references",
        "load_balancers",
        "target_groups",
        "transit_gateway_attachments",
        "transit_gateway_route_tables",
        "flow_logs",
    ] {
        for item in v.get_mut(list).and_then(|l| l.as_array_mut()).into_iter().flatten() {
            item.as_object_mut().unwrap().entry("region").or_insert("us-east-1".into());
        }
    }
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
