//! The picture upload: a `multipart/form-data` body with one field, `file`, read as a
//! stream and cut off one byte past the limit, whatever `Content-Length` claims. The
//! client's file name and content type are ignored: the bytes decide (see `processing`).
//!
//! An upload holds one of a few places while it is read, so it must keep arriving: after
//! [`UPLOAD_GRACE`] it must average [`MIN_UPLOAD_BYTES_PER_SEC`] or it is cut off with a
//! 408. Without it, a handful of clients trickling bytes held every place and everybody
//! else got 503. The floor is a slow phone line's rate: 5 MB take at most 90 s.

use std::time::Duration;

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

/// Time an upload gets before its rate is judged (a connection's slow start, headers).
pub const UPLOAD_GRACE: Duration = Duration::from_secs(10);

/// The average rate an upload must keep after [`UPLOAD_GRACE`]: 64 KiB/s (512 kbit/s).
pub const MIN_UPLOAD_BYTES_PER_SEC: u64 = 64 * 1024;

/// How long the body may still take: the grace plus what the bytes so far have earned.
struct Pace {
    started: tokio::time::Instant,
    received: u64,
}

impl Pace {
    fn new() -> Self {
        Self {
            started: tokio::time::Instant::now(),
            received: 0,
        }
    }

    /// Awaits `step`, refusing with 408 once the allowance has run out.
    async fn within<T>(&self, step: impl Future<Output = T>) -> Result<T, MediaError> {
        let earned =
            Duration::from_secs_f64(self.received as f64 / MIN_UPLOAD_BYTES_PER_SEC as f64);
        let allowance = (UPLOAD_GRACE + earned).saturating_sub(self.started.elapsed());
        // Running out of time here is the 408; a `From<Elapsed>` would make every other
        // timeout one too.
        tokio::time::timeout(allowance, step)
            .await
            .map_err(|_| MediaError::TooSlow)
    }
}

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
        let mut pace = Pace::new();
        loop {
            let field = match pace.within(multipart.next_field()).await? {
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
            // multer's size errors become the 413 naming the configured limit.
            while let Some(chunk) = pace.within(field.chunk()).await?.map_err(classify)? {
                pace.received += chunk.len() as u64;
                data.extend_from_slice(&chunk);
            }
            file = Some(data);
        }
        file.ok_or_else(|| file_error("Field required", "missing"))
    }
}
