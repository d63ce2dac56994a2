//! The OpenAPI 3.1 document: info, tags and security here; paths collected from `api`.

use crate::api;
use crate::error::{FieldError, Problem};
use crate::http::responses as r;
use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "policytrack",
        description = "Tracks what happens to the recommendations of policy reports: \
                       implementation status with full history, milestones and owning agencies.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "reports", description = "Tracked reports and their categories"),
        (name = "recommendations", description = "Recommendations with status, owners and progress"),
        (name = "milestones", description = "Actionable, dated steps of a recommendation"),
        (name = "statuses", description = "The implementation-status vocabulary"),
        (name = "agencies", description = "Government bodies that lead or support recommendations"),
        (name = "stats", description = "Dashboard aggregates and the timeline"),
        (name = "auth", description = "Access tokens and the caller's identity"),
        (name = "users", description = "User accounts (admins only)"),
        (name = "audit", description = "The log of every write (admins only)"),
        (name = "operations", description = "Health probes"),
    ),
    components(
        schemas(Problem, FieldError),
        responses(
            r::BadRequest, r::Unauthorized, r::Forbidden, r::NotFound, r::Conflict,
            r::PreconditionFailed, r::PayloadTooLarge, r::UnsupportedMediaType, r::Unprocessable,
            r::PreconditionRequired, r::TooManyRequests, r::Unavailable,
        ),
    ),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

/// Declares the `bearer` JWT scheme that protected operations reference.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
    }
}

/// Documents `If-None-Match` on every read: each GET sends an ETag and honours it with 304.
struct ConditionalGets;

impl Modify for ConditionalGets {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{Object, Required, Type};
        for item in openapi.paths.paths.values_mut() {
            if let Some(get) = item.get.as_mut() {
                let has_304 = get.responses.responses.contains_key("304");
                if !has_304 {
                    continue;
                }
                get.parameters.get_or_insert_with(Vec::new).push(
                    ParameterBuilder::new()
                        .name("If-None-Match")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some(
                            "An ETag from an earlier response: 304 with no body while it still matches",
                        ))
                        .schema(Some(Object::with_type(Type::String)))
                        .build()
                        .into(),
                );
            }
        }
    }
}

/// The complete document, as served and as committed in `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    // Paths exist only after collection, so this modifier runs last.
    ConditionalGets.modify(&mut spec);
    spec
}

/// The document as pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut json = spec().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// The document as YAML.
pub fn spec_yaml() -> String {
    spec().to_yaml().unwrap_or_default()
}
