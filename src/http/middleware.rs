//! Request logging with a request id, and security headers on every response.

use crate::metrics::Metrics;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of a request: the client's `X-Request-Id` when sane, else a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Logs one line per request (never bodies or credentials), counts it in the metrics, and
/// echoes `X-Request-Id`.
pub struct RequestLog {
    metrics: Arc<Metrics>,
}

impl RequestLog {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

/// Sets `X-Content-Type-Options: nosniff` and friends.
pub struct SecurityHeaders;

impl<S, B> Transform<S, ServiceRequest> for RequestLog
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestLogMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestLogMiddleware {
            service: Rc::new(service),
            metrics: Arc::clone(&self.metrics),
        }))
    }
}

pub struct RequestLogMiddleware<S> {
    service: Rc<S>,
    metrics: Arc<Metrics>,
}

impl<S, B> Service<ServiceRequest> for RequestLogMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_owned)
            .unwrap_or_else(new_request_id);
        req.extensions_mut().insert(RequestId(id.clone()));
        let service = Rc::clone(&self.service);
        let metrics = Arc::clone(&self.metrics);
        Box::pin(async move {
            let mut response = service.call(req).await?;
            metrics.record_response(
                response.status().as_u16(),
                started.elapsed().as_micros() as u64,
            );
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            if tracing::enabled!(tracing::Level::INFO) {
                let request = response.request();
                tracing::info!(
                    request_id = %id,
                    method = %request.method(),
                    path = request.path().chars().take(200).collect::<String>(),
                    status = response.status().as_u16(),
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "request"
                );
            }
            Ok(response)
        })
    }
}

/// A new request id, UUID-shaped: this process's random prefix and a counter. Unique like a
/// random UUID, without asking the kernel for randomness on every request.
fn new_request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    uuid::Uuid::from_u64_pair(prefix, n).to_string()
}

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = SecurityHeadersMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecurityHeadersMiddleware { service }))
    }
}

pub struct SecurityHeadersMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let fut = self.service.call(req);
        Box::pin(async move {
            let mut response = fut.await?;
            let headers = response.headers_mut();
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            Ok(response)
        })
    }
}
