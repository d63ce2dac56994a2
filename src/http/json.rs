//! `Json<T>`: a request body that must be a JSON object, read into `T` strictly.
//!
//! serde fills a struct from a JSON array by position, so `["a@b.org", "pw"]` would pass for
//! `{"email": …, "password": …}`. Here the body is read as JSON first (size, content type and
//! syntax as `web::JsonConfig` sets them), must be an object, and is then deserialized with
//! every struct, at any depth, taken from an object only. Each problem names the JSON pointer
//! of the field it is about, never a Rust type.

use crate::error::{ApiError, FieldError};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};
use serde_json::{Map, Value};
use std::fmt;

/// A JSON object body deserialized into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    /// Size, content type and syntax problems come from `web::JsonConfig`'s error handler.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?;
            Ok(Json(from_object(&value)?))
        })
    }
}

/// `T` from a JSON value that must be an object.
pub fn from_object<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::invalid(
            "",
            format!("the body must be a JSON object, not {}", kind(value)),
        ));
    }
    T::deserialize(Strict {
        value,
        pointer: String::new(),
    })
    .map_err(|e| ApiError::Validation(vec![FieldError::new(e.pointer, e.message)]))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A deserialization problem and the JSON pointer of the value it is about.
#[derive(Debug)]
struct Error {
    message: String,
    pointer: String,
    located: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Self {
            message: message.to_string(),
            pointer: String::new(),
            located: false,
        }
    }
}

impl Error {
    /// Places an error that does not know where it happened at `pointer`; a field that is
    /// missing or unknown is placed at the field itself.
    fn at(mut self, pointer: &str) -> Self {
        if self.located {
            return self;
        }
        self.pointer = match field_named(&self.message) {
            Some(field) => format!("{pointer}/{}", escape(field)),
            None => pointer.to_owned(),
        };
        self.located = true;
        self
    }
}

/// The field a serde "missing field `x`" or "unknown field `x`" message names.
fn field_named(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

/// A JSON pointer's reference token (RFC 6901).
fn escape(step: &str) -> String {
    step.replace('~', "~0").replace('/', "~1")
}

/// A JSON value being deserialized, and where it is in the body.
struct Strict<'de> {
    value: &'de Value,
    pointer: String,
}

impl<'de> Strict<'de> {
    fn child(&self, value: &'de Value, step: &str) -> Self {
        Strict {
            value,
            pointer: format!("{}/{}", self.pointer, escape(step)),
        }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match self.value {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(_) => Unexpected::Other("a number"),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let pointer = self.pointer.clone();
        let visited = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                // JSON Schema counts `3.0` as an integer, so it fills integer fields too.
                (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    visitor.visit_i64(f as i64)
                }
                (None, None, Some(f)) => visitor.visit_f64(f),
                _ => Err(de::Error::custom("a number out of range")),
            },
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items {
                parent: &self,
                items: items.iter().enumerate(),
            }),
            Value::Object(map) => visitor.visit_map(Fields::new(&self, map)),
        };
        visited.map_err(|e| e.at(&pointer))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(map) => visitor
                .visit_map(Fields::new(&self, map))
                .map_err(|e| e.at(&self.pointer)),
            _ => Err(
                <Error as de::Error>::invalid_type(self.unexpected(), &"an object")
                    .at(&self.pointer),
            ),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.value
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| <Error as de::Error>::custom(e).at(&self.pointer))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a, 'de> {
    parent: &'a Strict<'de>,
    items: std::iter::Enumerate<std::slice::Iter<'de, Value>>,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let Some((index, value)) = self.items.next() else {
            return Ok(None);
        };
        let item = self.parent.child(value, &index.to_string());
        let pointer = item.pointer.clone();
        seed.deserialize(item).map(Some).map_err(|e| e.at(&pointer))
    }
}

struct Fields<'a, 'de> {
    parent: &'a Strict<'de>,
    entries: serde_json::map::Iter<'de>,
    current: Option<(&'de str, &'de Value)>,
}

impl<'a, 'de> Fields<'a, 'de> {
    fn new(parent: &'a Strict<'de>, map: &'de Map<String, Value>) -> Self {
        Self {
            parent,
            entries: map.iter(),
            current: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some((key.as_str(), value));
        seed.deserialize(BorrowedStrDeserializer::<Error>::new(key))
            .map(Some)
            .map_err(|e| e.at(&self.parent.pointer))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let (key, value) = self
            .current
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        let field = self.parent.child(value, key);
        let pointer = field.pointer.clone();
        seed.deserialize(field).map_err(|e| e.at(&pointer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        id: u32,
        role: Option<String>,
    }

    fn problem(value: Value) -> (String, String) {
        match from_object::<Outer>(&value) {
            Err(ApiError::Validation(errors)) => {
                (errors[0].field.clone(), errors[0].message.clone())
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn objects_deserialize_as_usual() {
        let value = serde_json::json!({"name": "a", "inner": [{"id": 1, "role": null}]});
        let outer: Outer = from_object(&value).expect("valid");
        assert_eq!(outer.inner, Some(vec![Inner { id: 1, role: None }]));
    }

    #[test]
    fn arrays_never_fill_structs_at_any_depth_and_no_message_names_a_type() {
        let (field, message) = problem(serde_json::json!(["a", null]));
        assert_eq!(
            (field.as_str(), message.as_str()),
            ("", "the body must be a JSON object, not an array")
        );
        let (field, message) = problem(serde_json::json!({"name": "a", "inner": [[1, "x"]]}));
        assert_eq!(field, "/inner/0");
        assert_eq!(message, "invalid type: sequence, expected an object");
        for value in [
            serde_json::json!({"name": 1}),
            serde_json::json!({"name": "a", "inner": [{"id": "x"}]}),
            serde_json::json!({"inner": []}),
            serde_json::json!({"name": "a", "other": 1}),
        ] {
            let (_, message) = problem(value);
            assert!(
                !message.contains("Outer") && !message.contains("Inner"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let value = serde_json::json!({"name": "a", "inner": [{"id": 3.0}]});
        let outer: Outer = from_object(&value).expect("3.0 is an integer");
        assert_eq!(outer.inner.expect("inner")[0].id, 3);
        assert_eq!(
            problem(serde_json::json!({"name": "a", "inner": [{"id": 3.5}]})).0,
            "/inner/0/id"
        );
    }

    #[test]
    fn problems_are_placed_at_their_field() {
        assert_eq!(problem(serde_json::json!({"name": 1})).0, "/name");
        assert_eq!(problem(serde_json::json!({"inner": []})).0, "/name");
        assert_eq!(
            problem(serde_json::json!({"name": "a", "x/y": 1})).0,
            "/x~1y"
        );
        assert_eq!(
            problem(serde_json::json!({"name": "a", "inner": [{"id": 1}, {"id": -1}]})).0,
            "/inner/1/id"
        );
    }
}
