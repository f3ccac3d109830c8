use serde_json::json;

use super::*;
use crate::validation::{IntRule, TextRule};

fn generated() -> String {
    json!({
        "paths": {
            "/api/posts": {"post": {
                "requestBody": {"content": {"application/json; charset=utf-8": {}}},
                "responses": {"201": {"description": "Created."}},
                "security": [{"BearerAuth": []}]
            }},
            "/api/posts/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The post."}}
            }},
            "/livez": {"get": {"responses": {"200": {"description": "Alive."}}}}
        },
        "components": {"schemas": {
            "CreatePost": {"type": "object", "required": ["title"], "properties": {
                "title": {"type": "string"},
                "tags": {"type": "string"},
                "author": {"$ref": "#/components/schemas/Author"}
            }}
        }}
    })
    .to_string()
}

const ERRORS: &[OperationErrors] = &[OperationErrors {
    method: "get",
    path: "/api/posts/{id}",
    statuses: &[404, 503],
}];

fn statuses(spec: &Value, path: &str, method: &str) -> Vec<String> {
    spec["paths"][path][method]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn operations_document_what_their_shape_lets_the_shared_layer_answer() {
    let spec = ApiDocs::default().complete(&generated());
    assert_eq!(
        statuses(&spec, "/api/posts", "post"),
        ["201", "401", "413", "415", "422"]
    );
    assert_eq!(statuses(&spec, "/api/posts/{id}", "get"), ["200", "422"]);
    assert_eq!(statuses(&spec, "/livez", "get"), ["200"]);
    let unauthorized = &spec["paths"]["/api/posts"]["post"]["responses"]["401"];
    assert!(unauthorized["headers"]["WWW-Authenticate"]["required"] == true);
    let invalid = &spec["paths"]["/api/posts"]["post"]["responses"]["422"];
    assert_eq!(
        invalid["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/HTTPValidationError"
    );
    assert!(spec["components"]["schemas"]["ValidationError"].is_object());
}

#[test]
fn listed_handler_errors_are_documented_with_a_detail_body() {
    let spec = ApiDocs {
        errors: ERRORS,
        rules: &[],
        params: &[],
    }
    .complete(&generated());
    assert_eq!(
        statuses(&spec, "/api/posts/{id}", "get"),
        ["200", "404", "422", "503"]
    );
    let not_found = &spec["paths"]["/api/posts/{id}"]["get"]["responses"]["404"];
    assert_eq!(
        not_found["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Detail"
    );
}

const TITLE: TextRule = TextRule::new(1, Some(100));
const ID: IntRule = IntRule { min: 1, max: None };

#[test]
fn rules_land_on_their_property_and_optional_properties_may_be_null() {
    let spec = ApiDocs {
        errors: &[],
        rules: &[("CreatePost", "title", &TITLE)],
        params: &[("get", "/api/posts/{id}", "id", &ID)],
    }
    .complete(&generated());
    let properties = &spec["components"]["schemas"]["CreatePost"]["properties"];
    assert_eq!(properties["title"]["minLength"], 1);
    assert_eq!(properties["title"]["maxLength"], 100);
    assert_eq!(properties["title"]["pattern"], "^[^\\u0000]*$");
    assert!(properties["title"].get("nullable").is_none());
    assert_eq!(properties["tags"]["nullable"], true);
    assert_eq!(properties["author"]["nullable"], true);
    assert_eq!(
        properties["author"]["allOf"][0]["$ref"],
        "#/components/schemas/Author"
    );
    let id = &spec["paths"]["/api/posts/{id}"]["get"]["parameters"][0];
    assert_eq!(id["schema"]["minimum"], 1);
}

#[test]
#[should_panic(expected = "unknown operation post /api/nowhere")]
fn a_table_entry_for_an_unknown_operation_is_refused() {
    const WRONG: &[OperationErrors] = &[OperationErrors {
        method: "post",
        path: "/api/nowhere",
        statuses: &[400],
    }];
    ApiDocs {
        errors: WRONG,
        rules: &[],
        params: &[],
    }
    .complete(&generated());
}

#[test]
fn a_path_written_twice_keeps_the_operations_of_both() {
    // What poem-openapi writes when two API structs serve one path.
    let generated = r#"{"openapi": "3.0.0",
        "paths": {"/api/posts": {"post": {"responses": {}}}, "/api/posts": {"get": {"responses": {}}}},
        "components": {"schemas": {}}}"#;
    let spec = ApiDocs::default().complete(generated);
    assert!(spec["paths"]["/api/posts"]["get"].is_object());
    assert!(spec["paths"]["/api/posts"]["post"].is_object());
    assert_eq!(spec["openapi"], "3.0.0");
}
