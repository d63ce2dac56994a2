//! One HTTP attempt: resolve the receiver's host, refuse addresses the operator has not
//! allowed, POST the signed body to the checked address, and read at most 4 KiB back.

use super::attempts::Attempt;
use crate::domain::webhook_target::{self, Target, TargetPolicy};
use actix_web::http::header::{CONTENT_TYPE, USER_AGENT};
use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's answer is read (the rest is never asked for).
const READ_LIMIT: usize = 4096;
const TIMED_OUT: &str = "timed out after 10 s";
/// How much of a failed answer's body is kept in `last_error`.
const ERROR_EXCERPT: usize = 200;

/// Sends deliveries; lives on the jobs thread (awc's client is not `Send`).
pub struct Sender {
    client: awc::Client,
    policy: TargetPolicy,
}

/// A signed request ready to go.
pub struct Outgoing<'a> {
    pub url: &'a str,
    pub id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: actix_web::web::Bytes,
}

impl Sender {
    pub fn new(policy: TargetPolicy) -> Self {
        // awc builds its TLS client from the process's default provider: ring, the one
        // compiled in (aws-lc-rs would need cmake). Already installed is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = awc::Client::builder()
            .connector(awc::Connector::new().timeout(CONNECT_TIMEOUT))
            .timeout(TOTAL_TIMEOUT)
            .disable_redirects()
            .finish();
        Self { client, policy }
    }

    /// Makes one attempt; never fails, the outcome says how it went.
    pub async fn send(&self, request: Outgoing<'_>) -> Attempt {
        let started_at = chrono::Utc::now();
        let clock = Instant::now();
        let result = actix_web::rt::time::timeout(TOTAL_TIMEOUT, self.attempt(&request)).await;
        let (status, error, unreachable) = match result {
            Ok(Ok((status, _))) if (200..300).contains(&status) => (Some(status), None, false),
            Ok(Ok((status, body))) => (
                Some(status),
                Some(format!("HTTP {status}: {}", excerpt(&body))),
                false,
            ),
            Ok(Err(error)) => (None, Some(error), true),
            Err(_) => (None, Some(TIMED_OUT.to_owned()), true),
        };
        Attempt {
            started_at,
            duration: clock.elapsed(),
            status,
            error,
            unreachable,
        }
    }

    async fn attempt(&self, request: &Outgoing<'_>) -> Result<(u16, Vec<u8>), String> {
        let target = Target::parse(request.url, self.policy).map_err(|p| format!("the URL {p}"))?;
        let address = self.resolve(&target).await?;
        let mut response = self
            .client
            .post(request.url)
            .address(address)
            .insert_header((
                USER_AGENT,
                concat!("policytrack-webhooks/", env!("CARGO_PKG_VERSION")),
            ))
            .insert_header((CONTENT_TYPE, "application/json"))
            .insert_header(("webhook-id", request.id))
            .insert_header(("webhook-timestamp", request.timestamp.to_string()))
            .insert_header(("webhook-signature", request.signature))
            .send_body(request.body.clone())
            .await
            .map_err(|e| match e {
                awc::error::SendRequestError::Timeout => TIMED_OUT.to_owned(),
                e => format!("no answer: {e}"),
            })?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < READ_LIMIT {
            match response.next().await {
                Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                // A broken body after a status line: the status still counts.
                Some(Err(_)) | None => break,
            }
        }
        body.truncate(READ_LIMIT);
        Ok((status, body))
    }

    /// The first address of the host that the policy allows, checked now (at every delivery),
    /// so a name cannot be pointed somewhere else after the subscription was accepted.
    async fn resolve(&self, target: &Target) -> Result<SocketAddr, String> {
        let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, target.port)],
            Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
                .await
                .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
                .collect(),
        };
        let mut refusal = None;
        for address in addresses {
            match webhook_target::refuse(address.ip(), self.policy) {
                Ok(()) => return Ok(address),
                Err(reason) => refusal = Some(reason),
            }
        }
        Err(match refusal {
            Some(reason) => format!("refused: {} {reason}", target.host),
            None => format!("{} has no address", target.host),
        })
    }
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(ERROR_EXCERPT)
        .collect()
}
