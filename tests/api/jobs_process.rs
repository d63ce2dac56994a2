//! `policytrack serve` as a child process on a test database, running its jobs (webhook
//! deliveries, the deadline scheduler): something a test can kill -9 and start again.

use std::process::{Child, Command, Stdio};

pub struct JobsProcess(Child);

impl JobsProcess {
    /// Starts serving `db` with the given extra settings.
    pub fn start(db: &str, settings: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_policytrack"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", db)
            .env("POLICYTRACK_JWT_SECRET", crate::helpers::TEST_JWT_SECRET)
            .env("POLICYTRACK_ADDR", format!("127.0.0.1:{port}"))
            .env("POLICYTRACK_WORKERS", "1")
            .env("POLICYTRACK_DB_POOL_SIZE", "2")
            .env("POLICYTRACK_LOG", "warn")
            .stdout(Stdio::null());
        for (name, value) in settings {
            command.env(name, value);
        }
        Self(command.spawn().expect("start policytrack serve"))
    }

    pub fn kill9(&mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reaped");
    }

    /// SIGTERM, and waits for the exit.
    pub fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}

impl Drop for JobsProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
