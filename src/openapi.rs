//! The OpenAPI 3.1 document: info, tags and security here; paths collected from `api`.

use crate::api;
use crate::error::{FieldError, Problem};
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
        (name = "recommendations", description = "Recommendations with status, owners and progress"),
        (name = "agencies", description = "Government bodies that lead or support recommendations"),
        (name = "operations", description = "Health probes"),
    ),
    components(schemas(Problem, FieldError)),
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

/// The complete document, as served and as committed in `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    spec
}

/// The document as pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut json = spec().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
