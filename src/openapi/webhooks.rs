//! The document's `webhooks` section: one entry per event type (and the ping), each a POST
//! of the Standard Webhooks envelope `{type, timestamp, data}` with its signature headers.

use crate::events::dto::EVENT_SCHEMAS;
use utoipa::Modify;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{
    ContentBuilder, Object, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder,
};

pub struct Webhooks;

impl Modify for Webhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut paths = PathsBuilder::new();
        // Named payload schemas, not inline ones: generators otherwise give an inline body
        // the name they also give the operation's parameters, and the clients do not compile.
        let mut payloads: Vec<(String, Object)> = Vec::new();
        for (event_type, schema) in EVENT_SCHEMAS {
            let envelope = envelope(
                RefOr::Ref(Ref::from_schema_name(format!("{schema}Type"))),
                RefOr::Ref(Ref::from_schema_name(*schema)),
            );
            let name = format!("{schema}Payload");
            paths = paths.path(
                event_type.as_str(),
                delivery(
                    event_type.as_str(),
                    &format!("A `{event_type}` event."),
                    &name,
                ),
            );
            payloads.push((name, envelope));
        }
        let ping_type = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([crate::delivery::payload::PING]))
            .build();
        let ping_data = ObjectBuilder::new()
            .property("webhook_id", uuid())
            .property("delivery_id", uuid())
            .required("webhook_id")
            .required("delivery_id")
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ))
            .build();
        paths = paths.path(
            crate::delivery::payload::PING,
            delivery(
                crate::delivery::payload::PING,
                "Sent by `POST /api/v1/webhooks/{id}/ping`; carries no event.",
                "WebhookPingPayload",
            ),
        );
        payloads.push((
            "WebhookPingPayload".to_owned(),
            envelope(
                RefOr::Ref(Ref::from_schema_name("WebhookPingType")),
                RefOr::Ref(Ref::from_schema_name("WebhookPing")),
            ),
        ));
        payloads.push(("WebhookPingType".to_owned(), ping_type));
        payloads.push(("WebhookPing".to_owned(), ping_data));
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in payloads {
            components.schemas.insert(name, schema.into());
        }
        openapi.webhooks = Some(paths.build());
    }
}

fn uuid() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Uuid,
        )))
        .build()
}

fn envelope(event_type: RefOr<Schema>, data: RefOr<Schema>) -> Object {
    ObjectBuilder::new()
        .property("type", event_type)
        .property(
            "timestamp",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::DateTime,
                )))
                .description(Some(
                    "When the event happened (for a ping: when it was queued).",
                )),
        )
        .property("data", data)
        .required("type")
        .required("timestamp")
        .required("data")
        .build()
}

fn delivery(name: &str, description: &str, payload: &str) -> PathItem {
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(Object::with_type(Type::String)))
            .build()
    };
    let operation = OperationBuilder::new()
        .operation_id(Some(format!("deliver_{}", name.replace('.', "_"))))
        .summary(Some(format!("Deliver {name}")))
        .description(Some(format!(
            "{description} Signed per Standard Webhooks: verify `webhook-signature` over \
             `webhook-id.webhook-timestamp.body` with the subscription's secret. Retried with \
             backoff for at least a day until a 2xx comes back; `webhook-id` stays the same."
        )))
        .tag("webhook payloads")
        // The receiver authenticates these requests by their signature, not by a scheme of ours.
        .security(utoipa::openapi::security::SecurityRequirement::default())
        .parameter(header(
            "webhook-id",
            "The event's id (the delivery's, for a ping): the same on every retry and redelivery.",
        ))
        .parameter(header(
            "webhook-timestamp",
            "Seconds since the Unix epoch when this attempt was signed.",
        ))
        .parameter(header(
            "webhook-signature",
            "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.",
        ))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(payload)))
                        .build(),
                )
                .build(),
        ))
        .responses(
            ResponsesBuilder::new()
                .response(
                    "2XX",
                    ResponseBuilder::new().description("Acknowledged: the delivery is done"),
                )
                .response(
                    "default",
                    ResponseBuilder::new()
                        .description("Not acknowledged: the delivery is retried later"),
                ),
        )
        .build();
    PathItem::new(HttpMethod::Post, operation)
}
