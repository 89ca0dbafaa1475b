//! The OpenAPI 3.1 document, generated from the code with `utoipa`.
//!
//! Each operation is described by the `#[utoipa::path]` on its handler and
//! each schema by a derive on the type that is (de)serialised, so the
//! document follows the handlers. What every operation shares is added here
//! by [`Shared`]: the `APIKey` security scheme, the error statuses that any
//! request can meet, and the `X-Request-ID` header on every response.
//!
//! The document is served at `GET /cloud/v1/ssh_keys/openapi.json` without
//! authentication; a copy is committed as `openapi.json` at the root of the
//! repository, and a test fails when the two differ.

use std::sync::LazyLock;

use axum::{
    Router,
    body::Bytes,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::AppState;
use super::error::ErrorResponse;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/cloud/v1/ssh_keys/openapi.json";

/// The whole API's description. Paths come from the handlers' attributes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sshkeyd: SSH Keys API",
        description = "A self-hosted service speaking the Gcore Cloud API's \"SSH Keys\" resource."
    ),
    paths(
        super::ssh_keys::create,
        super::ssh_keys::list,
        super::ssh_keys::read,
        super::ssh_keys::update,
        super::ssh_keys::delete,
        super::authorized_keys::authorized_keys,
        super::keypairs::create,
        super::keypairs::list,
        super::keypairs::read,
        super::keypairs::delete,
    ),
    components(schemas(ErrorResponse)),
    security(("APIKey" = [])),
    tags(
        (name = "SSH Keys", description = "SSH keys of a project"),
        (name = "Key pairs (v2)", description = "The same keys, as the stable Terraform provider (gcore_keypair) \
            reads and writes them: the project is in the body or query, or found from the key")
    ),
    modifiers(&Shared)
)]
struct ApiDoc;

/// Error statuses any operation can answer, beyond those its own attribute
/// lists. 404 on the collection is impossible, 409 is create's alone, 415
/// only concerns bodies, so those stay with the handlers.
const SHARED_ERRORS: [(&str, &str); 9] = [
    ("400", "A path or query parameter, or a body field, is invalid; `invalid_fields` names them"),
    ("401", "The `Authorization` header is missing, malformed, or its token unknown, expired or revoked"),
    ("403", "The token has no access to the project"),
    (
        "408",
        "The body did not arrive within the body read timeout, or the answer took longer than the request \
        timeout (never after a write was handed to the database)",
    ),
    ("413", "The request body is larger than 64 KiB (a declared `Content-Length` over it is refused at once)"),
    ("414", "The request target (path and query) is longer than 8 KiB"),
    ("429", "The token's rate limit is exceeded; retry after `Retry-After` seconds"),
    ("431", "The request headers are larger than 16 KiB in total, or more than 256 fields"),
    ("503", "The server is overloaded or its database is unavailable; retry later"),
];

/// Adds what every operation shares (see the module docs).
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut Document) {
        // utoipa fills the licence from Cargo.toml, which names none: an
        // empty `license.name` is not a valid document.
        doc.info.license = None;
        let scheme = ApiKeyValue::with_description(
            "Authorization",
            "API key for authentication. Make sure to include the word `apikey` (in any case), followed by a \
             single space and then your token.\nExample: `apikey skd_0123456789abcdef_...`",
        );
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("APIKey", SecurityScheme::ApiKey(ApiKey::Header(scheme)));
        let request_id = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some("The request's id: the caller's `X-Request-ID` if plausible, else a new UUID"))
            .build();
        let retry_after = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
            .description(Some("Seconds to wait before retrying"))
            .build();
        for item in doc.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, description) in SHARED_ERRORS {
                    let mut response = ResponseBuilder::new()
                        .description(description)
                        .content("application/json", Content::new(Some(Ref::from_schema_name(ErrorResponse::name()))));
                    if status == "429" {
                        response = response.header("Retry-After", retry_after.clone());
                    }
                    operation.responses.responses.entry(status.to_owned()).or_insert(response.build().into());
                }
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert("X-Request-ID".to_owned(), request_id.clone().into());
                    }
                }
            }
        }
    }
}

pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as served: pretty JSON, built once.
static SERIALISED: LazyLock<Bytes> =
    LazyLock::new(|| Bytes::from(document().to_pretty_json().expect("the OpenAPI document serialises")));

/// `GET /cloud/v1/ssh_keys/openapi.json`, without authentication.
pub fn router() -> Router<AppState> {
    Router::new().route(OPENAPI_PATH, get(serve))
}

async fn serve() -> Response {
    let mut response = SERIALISED.clone().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
