//! The picture upload: a `multipart/form-data` body with one field, `file`, read as a
//! stream and cut off one byte past the limit, whatever `Content-Length` claims. The
//! client's file name and content type are ignored: the bytes decide (see `processing`).

use folio_shared::validation::ValidationErrors;
use futures_util::StreamExt;
use multer::{Constraints, Multipart, SizeLimit};
use poem::{Request, RequestBody};
use poem_openapi::{
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaSchema, MetaSchemaRef},
};

use crate::error::MediaError;

/// Room for the multipart framing around the file (boundaries, part headers).
pub const FRAMING_ALLOWANCE: usize = 16 * 1024;

/// The unread multipart body of a picture upload.
pub struct PictureUpload {
    body: poem::Body,
    boundary: String,
}

impl Payload for PictureUpload {
    const CONTENT_TYPE: &'static str = "multipart/form-data";

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("multipart/form-data")
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("object");
        schema.required = vec!["file"];
        schema.properties = vec![(
            "file",
            MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "binary"))),
        )];
        MetaSchemaRef::Inline(Box::new(schema))
    }
}

impl ParsePayload for PictureUpload {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let boundary = request
            .content_type()
            .and_then(|ct| multer::parse_boundary(ct).ok())
            .ok_or_else(|| invalid_body("the multipart boundary is missing"))?;
        Ok(Self {
            body: body.take()?,
            boundary,
        })
    }
}

impl_apirequest_for_payload!(PictureUpload);

fn invalid_body(msg: &str) -> ValidationErrors {
    ValidationErrors::single(vec!["body".into()], msg, "value_error")
}

fn file_error(msg: &str, kind: &str) -> MediaError {
    ValidationErrors::single(vec!["body".into(), "file".into()], msg, kind).into()
}

impl PictureUpload {
    /// The bytes of the one `file` field; 413 past `max` bytes, 422 for anything else
    /// than exactly one `file` field.
    pub async fn read_file(self, max: usize, too_large: &str) -> Result<Vec<u8>, MediaError> {
        let limits = SizeLimit::new()
            .whole_stream((max + FRAMING_ALLOWANCE) as u64)
            .per_field(max as u64);
        let constraints = Constraints::new().size_limit(limits);
        let stream = self.body.into_bytes_stream().boxed();
        let mut multipart = Multipart::with_constraints(stream, self.boundary, constraints);
        let classify = |err: multer::Error| match err {
            multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
                MediaError::TooLarge(too_large.to_owned())
            }
            other => invalid_body(&format!("malformed multipart body: {other}")).into(),
        };
        let mut file: Option<Vec<u8>> = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                // A form with no part at all: nothing was sent, so the file is missing.
                Err(multer::Error::IncompleteStream) if file.is_none() => break,
                Err(err) => return Err(classify(err)),
            };
            let mut field = field;
            if field.name() != Some("file") {
                let name = field.name().unwrap_or("(unnamed)").to_owned();
                return Err(file_error(
                    &format!("Unexpected field `{name}`; send only `file`"),
                    "extra_forbidden",
                ));
            }
            if file.is_some() {
                return Err(file_error("Send exactly one file", "value_error"));
            }
            let mut data = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(classify)? {
                data.extend_from_slice(&chunk);
            }
            file = Some(data);
        }
        file.ok_or_else(|| file_error("Field required", "missing"))
    }
}
