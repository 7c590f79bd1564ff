//! A cap on the request rate of a whole run (`--max-request-rate`): every HTTP request of every account,
//! retries included, waits for its slot before it is sent.
//!
//! The wait happens in the HTTP layer, below the SDK, so the SDK's own per-attempt timeout would count it. A
//! paced run therefore turns that timeout off in the SDK and applies it here, from the moment the request
//! leaves: a request queued behind a thousand others is not a timeout.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Evenly spaced slots, one per request: at most `rate` requests in any second, without bursts.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    /// `rate` requests per second (at least one request every 1,000 s).
    pub fn per_second(rate: f64) -> Pace {
        let rate = rate.clamp(0.001, 1e6);
        Pace { interval: Duration::from_secs_f64(1.0 / rate), next: Mutex::new(None) }
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = self.take(Instant::now());
        tokio::time::sleep_until(slot).await;
    }

    /// The next free slot at `now`, which is then taken.
    fn take(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().expect("pace lock");
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + self.interval);
        slot
    }
}

/// Wraps a real HTTP client: waits for the pace, then sends, with the attempt timeout.
#[derive(Debug, Clone)]
pub struct PacedClient {
    inner: SharedHttpClient,
    pace: Arc<Pace>,
    attempt_timeout: Duration,
}

impl PacedClient {
    /// Wraps `inner` so that each request waits for `pace` and each attempt is cut off after `attempt_timeout`.
    pub fn new(inner: SharedHttpClient, pace: Arc<Pace>, attempt_timeout: Duration) -> PacedClient {
        PacedClient { inner, pace, attempt_timeout }
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pace: Arc<Pace>,
    attempt_timeout: Duration,
}

impl HttpClient for PacedClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pace: self.pace.clone(),
            attempt_timeout: self.attempt_timeout,
        })
    }
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, pace, limit) = (self.inner.clone(), self.pace.clone(), self.attempt_timeout);
        HttpConnectorFuture::new(async move {
            pace.wait().await;
            match tokio::time::timeout(limit, inner.call(request)).await {
                Ok(response) => response,
                Err(_) => {
                    Err(ConnectorError::timeout(format!("no response within {} s (--timeout)", limit.as_secs()).into()))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_evenly_spaced_and_unused_ones_are_not_saved_for_a_burst() {
        let pace = Pace::per_second(10.0);
        let t0 = Instant::now();
        let ms = |t: Instant| t.duration_since(t0).as_millis();
        // Five requests at once go 100 ms apart.
        let slots: Vec<u128> = (0..5).map(|_| ms(pace.take(t0))).collect();
        assert_eq!(slots, [0, 100, 200, 300, 400]);
        // One arriving after a quiet second goes at once, and the next one 100 ms after it, not at once too.
        let later = t0 + Duration::from_secs(2);
        assert_eq!(ms(pace.take(later)), 2000);
        assert_eq!(ms(pace.take(later)), 2100);
    }
}
