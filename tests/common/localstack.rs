//! LocalStack's community edition (`localstack-core` from PyPI) on 127.0.0.1, outside Docker, stopped when
//! dropped. The README's test command installs it into `.venv-localstack` (it needs Python 3.13).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that has LocalStack: `SGAUDIT_LOCALSTACK_PYTHON` or the project's `.venv-localstack`, if it exists.
pub fn python() -> Option<PathBuf> {
    let p = std::env::var_os("SGAUDIT_LOCALSTACK_PYTHON")
        .map_or_else(|| super::root().join(".venv-localstack/bin/python"), PathBuf::from);
    p.exists().then_some(p)
}

pub struct LocalStack {
    child: Child,
    /// Where LocalStack keeps its state and logs; removed with the server.
    _state: tempfile::TempDir,
    pub endpoint: String,
}

impl LocalStack {
    /// A LocalStack server, or `None` (the test is skipped, see [`super::tool`]) where it is not installed.
    pub fn start() -> Option<LocalStack> {
        let python = python();
        if !super::tool(python.is_some(), "LocalStack (or set SGAUDIT_LOCALSTACK_PYTHON)") {
            return None;
        }
        Some(LocalStack::launch(python.expect("present")))
    }

    fn launch(python: PathBuf) -> LocalStack {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().unwrap().port()
        };
        let state = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(python);
        cmd.args(["-m", "localstack.runtime.main"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", state.path())
            .env("OVERRIDE_IN_DOCKER", "0")
            .env("FILESYSTEM_ROOT", state.path())
            // The default gateway binds every address whatever GATEWAY_LISTEN says; hypercorn keeps to it.
            .env("GATEWAY_SERVER", "hypercorn")
            .env("GATEWAY_LISTEN", &listen)
            .env("LOCALSTACK_HOST", &listen)
            // No DNS server, no certificate download, no analytics: nothing leaves 127.0.0.1.
            .env("DNS_ADDRESS", "0")
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            .env("DISABLE_EVENTS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so that stopping it stops whatever it started.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start LocalStack");
        let ls = LocalStack { child, _state: state, endpoint: format!("http://{listen}") };
        let deadline = Instant::now() + Duration::from_secs(90);
        while !ls.ready() {
            assert!(Instant::now() < deadline, "LocalStack did not start on {listen}");
            std::thread::sleep(Duration::from_millis(250));
        }
        ls
    }

    /// LocalStack answers its health endpoint and says EC2 is available.
    fn ready(&self) -> bool {
        use std::io::{Read, Write};
        let host = self.endpoint.trim_start_matches("http://");
        let Ok(mut conn) = std::net::TcpStream::connect(host) else { return false };
        let request = format!("GET /_localstack/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let mut response = String::new();
        conn.write_all(request.as_bytes()).is_ok()
            && conn.read_to_string(&mut response).is_ok()
            && response.starts_with("HTTP/1.1 200")
            && response.contains("\"ec2\"")
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}
