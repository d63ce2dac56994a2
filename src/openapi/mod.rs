//! The OpenAPI 3.1 document: info, tags and security here; paths collected from `api`.

mod webhooks;

use crate::api;
use crate::domain::Language;
use crate::error::{FieldError, Problem};
use crate::events::dto::EVENT_SCHEMAS;
use crate::http::responses as r;
use crate::recommendations::dto::params::{Embed, ListEmbed, ListFormat, RecommendationSort};
use crate::stats::model::SeriesInterval;
use crate::transfer::dto::{ExportFormat, ImportFormat};
use crate::translations::dto::TranslationsEmbed;
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
        contact(name = "policytrack maintainers"),
    ),
    servers((url = "/", description = "The host that serves this document")),
    tags(
        (name = "reports", description = "Tracked reports and their categories"),
        (name = "imports", description = "Whole reports in and out: the report document, CSV, GAO's CSV, Excel workbooks"),
        (name = "recommendations", description = "Recommendations with status, owners and progress"),
        (name = "milestones", description = "Actionable, dated steps of a recommendation"),
        (name = "proposals", description = "Closures waiting for a reviewer, where a report reviews closures"),
        (name = "statuses", description = "The implementation-status vocabulary"),
        (name = "agencies", description = "Government bodies that lead or support recommendations"),
        (name = "stats", description = "Dashboard aggregates and the timeline"),
        (name = "auth", description = "Access tokens and the caller's identity"),
        (name = "tokens", description = "Machine tokens for dashboards and scripts: act as their owner, capped by access and report"),
        (name = "users", description = "User accounts (admins only)"),
        (name = "audit", description = "The log of every write (admins only)"),
        (name = "events", description = "Every change as a typed event: the feed and per recommendation"),
        (name = "webhooks", description = "Events pushed to other systems, signed per Standard Webhooks (admins)"),
        (name = "webhook payloads", description = "What policytrack sends to a subscribed receiver (the `webhooks` section)"),
        (name = "operations", description = "Health probes"),
    ),
    components(
        // Query parameters' closed sets, which collection from the paths leaves out.
        schemas(
            Problem, FieldError, RecommendationSort, ListEmbed, Embed, ListFormat, ImportFormat,
            ExportFormat, SeriesInterval, Language, TranslationsEmbed
        ),
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

/// What utoipa cannot say itself, for generated clients: each list page refers to its item
/// schema instead of inlining a copy (utoipa inlines generic arguments); each string enum
/// names its constants with its type's name (`STATUS_IN_PROGRESS`), so generators that put
/// every enum's constants in one namespace (Go) keep them apart; and each event schema's
/// `type` is its one value, which the `Event` union's discriminator maps to the schema.
struct ClientFriendly;

impl Modify for ClientFriendly {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ArrayItems, Schema};
        use utoipa::openapi::{Ref, RefOr};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let names: Vec<String> = components.schemas.keys().cloned().collect();
        pin_event_types(&mut components.schemas);
        for (name, schema) in components.schemas.iter_mut() {
            let RefOr::T(Schema::Object(object)) = schema else {
                continue;
            };
            if let Some(values) = &object.enum_values {
                let prefix = screaming_snake(name);
                let varnames: Vec<String> = values
                    .iter()
                    .filter_map(|v| v.as_str())
                    .map(|v| format!("{prefix}_{}", constant_name(v)))
                    .collect();
                object
                    .extensions
                    .get_or_insert_with(Default::default)
                    .insert("x-enum-varnames".into(), varnames.into());
            }
            let item = name
                .strip_prefix("Page_")
                .filter(|i| names.iter().any(|n| n == i));
            if let Some(item) = item
                && let Some(RefOr::T(Schema::Array(items))) = object.properties.get_mut("items")
            {
                items.items =
                    ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
            }
        }
    }
}

/// Each event schema's `type` is its own one-value enum, so a client that tries every
/// member of the `Event` union (Go's, by default) finds exactly one; the union's discriminator
/// maps each value to its schema for those that read it.
fn pin_event_types(
    schemas: &mut std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    >,
) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, RefBuilder, Schema, Type};
    for (event_type, name) in EVENT_SCHEMAS {
        let type_name = format!("{name}Type");
        if let Some(RefOr::T(Schema::Object(object))) = schemas.get_mut(*name) {
            let pinned = RefBuilder::new()
                .ref_location_from_schema_name(&type_name)
                .description(Some("The event type."))
                .build();
            object.properties.insert("type".into(), pinned.into());
        }
        let one_value = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([event_type.as_str()]))
            .build();
        schemas.insert(type_name, one_value.into());
    }
    if let Some(RefOr::T(Schema::OneOf(union))) = schemas.get_mut("Event")
        && let Some(discriminator) = union.discriminator.as_mut()
    {
        discriminator.mapping = EVENT_SCHEMAS
            .iter()
            .map(|(event_type, name)| {
                (
                    event_type.as_str().to_owned(),
                    format!("#/components/schemas/{name}"),
                )
            })
            .collect();
    }
}

/// An enum value as a constant name: `in_progress` -> `IN_PROGRESS`, `-code` ->
/// `CODE_DESCENDING`.
fn constant_name(value: &str) -> String {
    let (descending, value) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let mut name: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if descending {
        name.push_str("_DESCENDING");
    }
    name
}

/// `CanadaMandateLabel` -> `CANADA_MANDATE_LABEL`.
fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The complete document, as served and as committed in `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    // Paths and their schemas exist only after collection, so these modifiers run last.
    ConditionalGets.modify(&mut spec);
    webhooks::Webhooks.modify(&mut spec);
    ClientFriendly.modify(&mut spec);
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
