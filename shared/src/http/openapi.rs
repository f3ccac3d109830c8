//! The OpenAPI document as clients actually meet the API. poem-openapi documents what
//! each handler returns on success; the errors come from the shared HTTP layer (401, 413,
//! 415, 422) and from each service's error enum (400, 403, 404, 429, 503), and request
//! fields are checked by [`crate::validation`] (so that 422s carry FastAPI's messages)
//! rather than by poem-openapi validators. [`ApiDocs::complete`] adds all of that to the
//! generated document, so generated clients and fuzzers (`make resilience` runs
//! schemathesis with every check) see every status, body and constraint there is.

use serde::{Deserialize, Deserializer, de};
use serde_json::{Map, Value, json};

use crate::validation::SchemaRule;

/// What one operation answers besides success, beyond what its shape implies (see
/// [`ApiDocs::complete`]).
#[derive(Debug, Clone, Copy)]
pub struct OperationErrors {
    /// Lowercase HTTP method, as in the document: `"get"`.
    pub method: &'static str,
    /// Path template, as in the document: `"/api/posts/{id}"`.
    pub path: &'static str,
    /// Statuses the handler answers with a `{"detail": ...}` body.
    pub statuses: &'static [u16],
}

impl OperationErrors {
    /// `method path` answers these statuses (usable in a `const` table).
    pub const fn new(method: &'static str, path: &'static str, statuses: &'static [u16]) -> Self {
        Self {
            method,
            path,
            statuses,
        }
    }
}

/// The rule one property of a request schema is checked by, whose keywords the document
/// states, e.g. `("PostCreate", "title", &posts::TITLE)`.
pub type FieldRules = (&'static str, &'static str, &'static dyn SchemaRule);

/// The rule one parameter of one operation is checked by, e.g.
/// `("get", "/api/posts", "limit", &feeds::LIMIT)`.
pub type ParamRules = (
    &'static str,
    &'static str,
    &'static str,
    &'static dyn SchemaRule,
);

/// A service's additions to its generated document.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiDocs {
    /// Per-operation error statuses.
    pub errors: &'static [OperationErrors],
    /// Per-property constraints of request schemas.
    pub rules: &'static [FieldRules],
    /// Per-parameter constraints.
    pub params: &'static [ParamRules],
}

const DETAIL: &str = "#/components/schemas/Detail";
const VALIDATION: &str = "#/components/schemas/HTTPValidationError";

impl ApiDocs {
    /// Reads poem-openapi's JSON document (merging its duplicate paths, see
    /// [`MergedPaths`]) and completes it:
    /// - every operation with a bearer requirement may answer 401, with parameters or a body
    ///   422, with a body 413 and 415 (the shared layer's answers);
    /// - the statuses of [`ApiDocs::errors`], each with a `Detail` body (429 with
    ///   `Retry-After`);
    /// - the constraints of [`ApiDocs::rules`] and [`ApiDocs::params`];
    /// - properties that are not required may be `null` (poem-openapi writes `None` as
    ///   `null` and reads `null` as `None`).
    ///
    /// Panics on a table entry naming an operation or property the document lacks: a
    /// typo there is a bug to catch when the service starts (and in its tests).
    pub fn complete(&self, generated: &str) -> Value {
        let Document { paths, mut rest } =
            serde_json::from_str(generated).expect("poem-openapi writes a valid document");
        rest.insert("paths".into(), Value::Object(paths.0));
        let mut spec = Value::Object(rest);
        self.add_to(&mut spec);
        spec
    }

    fn add_to(&self, spec: &mut Value) {
        let schemas = spec
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("poem-openapi documents have components.schemas");
        add_error_schemas(schemas);
        for schema in schemas.values_mut() {
            mark_optional_nullable(schema);
        }
        for (schema, field, rule) in self.rules {
            let property = schemas
                .get_mut(*schema)
                .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
                .and_then(Value::as_object_mut)
                .unwrap_or_else(|| panic!("ApiDocs rule for unknown property {schema}.{field}"));
            property.extend(rule.schema());
        }
        let paths = spec
            .get_mut("paths")
            .and_then(Value::as_object_mut)
            .expect("poem-openapi documents have paths");
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in operation.values_mut() {
                add_shape_errors(operation);
            }
        }
        for (method, path, name, rule) in self.params {
            let parameters = paths
                .get_mut(*path)
                .and_then(|p| p.get_mut(*method))
                .and_then(|o| o.get_mut("parameters"))
                .and_then(Value::as_array_mut)
                .unwrap_or_else(|| panic!("ApiDocs rule for {method} {path}: no parameters"));
            let found: Vec<String> = parameters.iter().map(|p| p["name"].to_string()).collect();
            let schema = parameters
                .iter_mut()
                .find(|p| p["name"].as_str() == Some(*name))
                .and_then(|p| p.get_mut("schema"))
                .and_then(Value::as_object_mut)
                .unwrap_or_else(|| {
                    panic!(
                        "ApiDocs rule for unknown parameter {method} {path} {name} (has {found:?})"
                    )
                });
            schema.extend(rule.schema());
        }
        for errors in self.errors {
            let operation = paths
                .get_mut(errors.path)
                .and_then(|p| p.get_mut(errors.method))
                .unwrap_or_else(|| {
                    panic!(
                        "ApiDocs errors for unknown operation {} {}",
                        errors.method, errors.path
                    )
                });
            for status in errors.statuses {
                add_response(operation, *status, DETAIL);
            }
        }
    }
}

#[derive(Deserialize)]
struct Document {
    paths: MergedPaths,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// poem-openapi writes a path once per API struct serving it, so two structs sharing one
/// (the feed's `GET /api/posts` and the create's `POST /api/posts`) give duplicate keys,
/// and JSON readers keep only the last: clients never saw the feed. Merged here.
struct MergedPaths(Map<String, Value>);

impl<'de> Deserialize<'de> for MergedPaths {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = MergedPaths;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an OpenAPI paths object")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<MergedPaths, A::Error> {
                let mut paths = Map::new();
                while let Some((path, operations)) = map.next_entry::<String, Value>()? {
                    match (paths.get_mut(&path), operations) {
                        (Some(Value::Object(known)), Value::Object(more)) => known.extend(more),
                        (_, operations) => {
                            paths.insert(path, operations);
                        }
                    }
                }
                Ok(MergedPaths(paths))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// `Detail` exists in every document (health's 503); FastAPI's 422 body is added here.
fn add_error_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "ValidationError".into(),
        json!({
            "type": "object",
            "required": ["loc", "msg", "type"],
            "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"},
                "type": {"type": "string"}
            }
        }),
    );
    schemas.insert(
        "HTTPValidationError".into(),
        json!({
            "type": "object",
            "required": ["detail"],
            "properties": {
                "detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
            }
        }),
    );
    schemas.entry("Detail").or_insert_with(|| {
        json!({
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "string"}}
        })
    });
}

fn mark_optional_nullable(schema: &mut Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties {
        if required.contains(name) {
            continue;
        }
        if let Some(property) = property.as_object_mut() {
            if property.contains_key("$ref") {
                // OpenAPI 3.0 ignores siblings of `$ref`: wrap it to allow null.
                let reference = property.remove("$ref").expect("checked above");
                property.insert("allOf".into(), json!([{ "$ref": reference }]));
            }
            property.insert("nullable".into(), Value::Bool(true));
        }
    }
}

fn add_shape_errors(operation: &mut Value) {
    let has_body = operation.get("requestBody").is_some();
    let has_params = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let has_bearer = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if has_bearer {
        add_response(operation, 401, DETAIL);
    }
    if has_body || has_params {
        add_response(operation, 422, VALIDATION);
    }
    if has_body {
        add_response(operation, 413, DETAIL);
        add_response(operation, 415, DETAIL);
    }
}

fn add_response(operation: &mut Value, status: u16, schema: &str) {
    let responses = operation
        .as_object_mut()
        .expect("operations are objects")
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses are an object");
    let mut response = json!({
        "description": description(status),
        "content": {"application/json": {"schema": {"$ref": schema}}}
    });
    let header = match status {
        401 => Some("WWW-Authenticate"),
        429 => Some("Retry-After"),
        _ => None,
    };
    if let Some(header) = header {
        response["headers"] = json!({ header: {"required": true, "schema": {"type": "string"}} });
    }
    responses.entry(status.to_string()).or_insert(response);
}

fn description(status: u16) -> &'static str {
    match status {
        400 => "The request conflicts with the current state (see `detail`).",
        401 => "Missing, invalid or expired bearer token.",
        403 => "The token's user may not do this.",
        404 => "Not found.",
        413 => "The request body is too large.",
        415 => "The request body has an unsupported content type.",
        422 => "The input failed validation; `detail` lists every problem.",
        429 => "Too many requests; retry after `Retry-After` seconds.",
        503 => "A dependency is unavailable; retry shortly.",
        _ => "Error (see `detail`).",
    }
}

#[cfg(test)]
mod tests;
