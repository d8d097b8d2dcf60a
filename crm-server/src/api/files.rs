//! `/api/v1/files`: files uploaded (the first step of an import) and read back. An upload
//! is streamed to disk as it arrives, sealed, up to the configured size (`413` beyond),
//! never held whole in memory; a download is streamed back the same way. Uploads are not
//! idempotent: sending the same file again stores a second one.

use super::ApiTags;
use super::common::NoContent;
use super::problem::{ApiError, ApiResult, Code};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::ViolationKind;
use crm_ports::ServiceError;
use crm_ports::files::{FileError, FileStorage};
use crm_ports::store::FileRecord;
use futures::StreamExt as _;
use poem::Body;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::sync::Arc;
use uuid::Uuid;

/// Whether a request is a file upload: its body is streamed to disk by the handler, up to
/// the upload limit, instead of being read and limited to 1 MiB by the endpoint.
pub fn is_upload(method: &poem::http::Method, path: &str) -> bool {
    method == poem::http::Method::POST && path == "/api/v1/files"
}

/// A stored file.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FileDto {
    /// Id.
    pub id: Uuid,
    /// Its name (without any path).
    pub name: String,
    /// Its media type, from the name's extension.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, hexadecimal (to check a download, or find a file sent twice).
    pub sha256: String,
    /// Who sent it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&FileRecord> for FileDto {
    fn from(f: &FileRecord) -> Self {
        Self {
            id: f.id,
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: i64::try_from(f.size).unwrap_or(i64::MAX),
            sha256: f.sha256.clone(),
            created_by: f.created_by.map(|u| u.as_uuid()),
            created_at: f.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum Uploaded {
    /// Stored.
    #[oai(status = 201)]
    Created(Json<FileDto>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Content {
    /// The file's bytes, as sent.
    #[oai(status = 200)]
    Ok(
        Binary<Body>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "X-Content-SHA256")] String,
    ),
}

/// `attachment` with the name: an ASCII fallback and the exact UTF-8 name (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

pub struct FilesApi {
    pub app: CrmApp,
    pub files: Arc<dyn FileStorage>,
    /// Largest upload, bytes.
    pub max_upload: u64,
    /// The prefix the API is mounted under (`""` at the root).
    pub base_path: String,
}

#[OpenApi(tag = "ApiTags::Files")]
impl FilesApi {
    /// Upload a file (CSV, XLSX...) as the request body (`application/octet-stream`), named
    /// by `name`. Every role but Observer. Beyond the configured size: 413, nothing kept.
    #[oai(path = "/api/v1/files", method = "post", operation_id = "upload_file")]
    async fn upload(
        &self,
        auth: Auth,
        /// The file's name (`contacts.csv`): its extension gives its type.
        name: Query<String>,
        body: Binary<Body>,
    ) -> ApiResult<Uploaded> {
        let source = Box::pin(body.0.into_async_read());
        let stored = self
            .app
            .upload_file(&auth.actor(), self.files.as_ref(), &name.0, source, self.max_upload)
            .await;
        let f = match stored {
            Ok(f) => f,
            Err(ServiceError::Invalid(v)) if v.errors().iter().any(|e| e.field == "file" && e.kind == ViolationKind::TooLarge) => {
                return Err(ApiError::new(Code::PayloadTooLarge));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Uploaded::Created(
            Json(FileDto::from(&f)),
            format!("{}/api/v1/files/{}", self.base_path, f.id),
        ))
    }

    /// Your files, newest first (an Admin: the company's).
    #[oai(path = "/api/v1/files", method = "get", operation_id = "list_files")]
    async fn list(
        &self,
        auth: Auth,
        /// At most this many (1 to 500, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<FileDto>>> {
        let files = self.app.files(&auth.actor(), limit.0.unwrap_or(100)).await?;
        Ok(Json(files.iter().map(FileDto::from).collect()))
    }

    /// One of your files.
    #[oai(path = "/api/v1/files/:id", method = "get", operation_id = "get_file")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<FileDto>> {
        Ok(Json(FileDto::from(&self.app.file(&auth.actor(), id.0).await?)))
    }

    /// The content of one of your files, streamed as stored.
    #[oai(path = "/api/v1/files/:id/content", method = "get", operation_id = "download_file")]
    async fn content(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Content> {
        let (record, chunks) = self.app.file_content(&auth.actor(), self.files.as_ref(), id.0).await?;
        let (tenant, file) = (record.tenant_id, record.id);
        let stream = chunks.map(move |piece| {
            piece.map_err(|e| {
                // The response has begun: the connection is cut, and the log says why.
                tracing::error!(%tenant, %file, error = %e, "file content cannot be read to the end");
                std::io::Error::other(match e {
                    FileError::Corrupt(m) | FileError::Io(m) => m,
                    other => other.to_string(),
                })
            })
        });
        Ok(Content::Ok(
            Binary(Body::from_bytes_stream(stream)),
            disposition(&record.name),
            record.sha256,
        ))
    }

    /// Delete one of your files.
    #[oai(path = "/api/v1/files/:id", method = "delete", operation_id = "delete_file")]
    async fn delete(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.delete_file(&auth.actor(), self.files.as_ref(), id.0).await?;
        Ok(NoContent::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn names_are_given_in_ascii_and_exactly() {
        assert_eq!(
            disposition("Contacts été \"2026\".csv"),
            "attachment; filename=\"Contacts _t_ _2026_.csv\"; filename*=UTF-8''Contacts%20%C3%A9t%C3%A9%20%222026%22.csv"
        );
    }
}
