//! The read cache around the cached GETs, and its invalidation after every write.

use super::{Lookup, ReadCache};
use crate::auth::ReadAccess;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, web};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use std::rc::Rc;

/// Route middleware: answers a GET from the read cache, or keeps what the handler answers.
/// The cache comes from the app data (`web::Data<ReadCache>`); without it, reads pass.
pub struct ReadCached;

impl<S> Transform<S, ServiceRequest> for ReadCached
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = ReadCachedMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ReadCachedMiddleware {
            service: Rc::new(service),
        }))
    }
}

pub struct ReadCachedMiddleware<S> {
    service: Rc<S>,
}

impl<S> Service<ServiceRequest> for ReadCachedMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let Some(cache) = req
                .app_data::<web::Data<ReadCache>>()
                .map(|cache| cache.get_ref().clone())
            else {
                return service.call(req).await;
            };
            // A hit must not answer a caller the handler would refuse; the handler's own
            // extractor then reuses this outcome.
            let access = match ReadAccess::extract(req.request()).await {
                Ok(access) => access,
                Err(error) => return Ok(req.error_response(error)),
            };
            if let Some(user) = &access.0 {
                req.extensions_mut().insert(super::Caller(user.id));
            }
            req.extensions_mut().insert(access);
            let today = chrono::Utc::now().date_naive();
            match cache.lookup(req.request(), today).await {
                Lookup::Hit(response) => Ok(req.into_response(response)),
                Lookup::Miss(ticket) => {
                    let (req, response) = service.call(req).await?.into_parts();
                    Ok(ServiceResponse::new(req, ticket.keep(response)))
                }
            }
        })
    }
}

/// App middleware (through `from_fn`): once a request that may write has been handled (its
/// transaction has committed by then), nothing read before it may be served from the cache.
pub async fn invalidate_after_writes(
    cache: ReadCache,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let writes = !req.method().is_safe();
    let response = next.call(req).await;
    if writes {
        cache.invalidate();
    }
    response
}
