//! A JSON answer written straight from its DTO by serde. poem-openapi's `Json<T>` first
//! turns the DTO into a `serde_json::Value` tree (a map per object, every string copied)
//! and then writes the tree; for the most frequent answers (contacts and their lists) the
//! DTOs also derive `serde::Serialize` with the same output, and this payload writes them
//! once. The OpenAPI description is the DTO's, as with `Json<T>`; a test checks, for each
//! such DTO, that both ways write the same document. An answer may also be written from
//! what the use case returned, without a DTO (search results: no copy of every hit's
//! texts), described by the DTO it writes as ([`JsonAnswer::Schema`]).

use poem::http::StatusCode;
use poem::http::header::CONTENT_TYPE;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

const CONTENT: &str = "application/json; charset=utf-8";

/// A JSON answer written by serde (see the module).
#[derive(Debug, Clone)]
pub struct DirectJson<T>(pub T);

impl<T: JsonAnswer + Send> Payload for DirectJson<T> {
    const CONTENT_TYPE: &'static str = CONTENT;

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("application/json")
    }

    fn schema_ref() -> MetaSchemaRef {
        T::Schema::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::Schema::register(registry);
    }
}

/// What an answer written by serde is described as, and about how many bytes its JSON
/// takes: its buffer is allocated once at that size rather than grown from nothing (a page
/// of 50 contacts, some 50 KiB, was copied seven times as it doubled from 1 KiB).
pub trait JsonAnswer {
    /// The type whose OpenAPI description the answer follows (the DTO itself, or the DTO
    /// it is written as).
    type Schema: Type;

    /// The buffer to start with: enough for most answers of this type, not much more.
    fn json_size(&self) -> usize;
}

impl<T: Serialize + Send + JsonAnswer> IntoResponse for DirectJson<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(self.0.json_size());
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => Response::builder().header(CONTENT_TYPE, CONTENT).body(body),
            Err(e) => {
                tracing::error!(error = %e, "an answer could not be written as JSON");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

impl<T: Serialize + Send + JsonAnswer> ApiResponse for DirectJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::Schema::register(registry);
    }
}

/// Dates as poem-openapi writes them (`to_rfc3339`: `+00:00`, not serde's `Z`), written
/// into a buffer on the stack: a page of 50 contacts writes 150 dates, and `to_rfc3339`
/// allocates a string for each.
pub(crate) mod rfc3339 {
    use chrono::{DateTime, Datelike, Timelike, Utc};
    use serde::Serializer;

    /// The longest form written here: `2026-03-09T08:30:05.123456789+00:00`.
    const LONGEST: usize = 35;

    /// `t` as `to_rfc3339` writes it, in `buf`; `None` for what this does not write
    /// (years outside 0–9999, leap seconds), left to chrono.
    fn format(t: &DateTime<Utc>, buf: &mut [u8; LONGEST]) -> Option<usize> {
        fn digits(buf: &mut [u8], mut v: u32) {
            for b in buf.iter_mut().rev() {
                *b = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let nanos = t.nanosecond();
        if nanos >= 1_000_000_000 {
            return None;
        }
        digits(&mut buf[0..4], year);
        buf[4] = b'-';
        digits(&mut buf[5..7], t.month());
        buf[7] = b'-';
        digits(&mut buf[8..10], t.day());
        buf[10] = b'T';
        digits(&mut buf[11..13], t.hour());
        buf[13] = b':';
        digits(&mut buf[14..16], t.minute());
        buf[16] = b':';
        digits(&mut buf[17..19], t.second());
        let mut end = 19;
        // As chrono's `SecondsFormat::AutoSi`: no fraction, or 3, 6 or 9 digits.
        let (shown, width) = match nanos {
            0 => (0, 0),
            n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
            n if n % 1_000 == 0 => (n / 1_000, 6),
            n => (n, 9),
        };
        if width > 0 {
            buf[end] = b'.';
            digits(&mut buf[end + 1..end + 1 + width], shown);
            end += 1 + width;
        }
        buf[end..end + 6].copy_from_slice(b"+00:00");
        Some(end + 6)
    }

    pub(crate) fn write<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; LONGEST];
        match format(t, &mut buf).and_then(|n| std::str::from_utf8(&buf[..n]).ok()) {
            Some(text) => s.serialize_str(text),
            None => s.serialize_str(&t.to_rfc3339()),
        }
    }

    #[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<T>`
    pub(crate) fn write_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => write(t, s),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AddressDto;
    use crate::api::contacts::ContactPage;
    use crate::api::dto::contacts::{ContactDto, LeadDto};
    use chrono::TimeZone;
    use poem_openapi::types::ToJSON;

    fn contact(full: bool) -> ContactDto {
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 9, 8, 30, 5).single().unwrap_or_default() + chrono::Duration::microseconds(123_456);
        let some = |s: &str| full.then(|| s.to_owned());
        ContactDto {
            id: uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042),
            kind: "prospect".into(),
            first_name: "Zoé \"la\" Lefèvre\n".into(),
            last_name: "D'Orléans <b>&</b> \u{1F600}\u{7}".into(),
            emails: if full {
                vec!["zoe@exemple.fr".into(), "z@b.fr".into()]
            } else {
                vec![]
            },
            phones: vec!["+33612345678".into()],
            organization_id: full.then(|| uuid::Uuid::from_u128(7)),
            job_title: some("Directrice\tachats"),
            address: AddressDto {
                street: some("12 rue de l'Église"),
                postal_code: some("75001"),
                city: some("Paris"),
                country: some("FR"),
            },
            tags: vec!["salon-2026".into()],
            owner_id: uuid::Uuid::from_u128(9),
            source: some("salon"),
            notes: some("Rappeler \\ lundi"),
            external_id: some("ext-1"),
            email_opt_out: full,
            phone_opt_out: !full,
            score: -3,
            lead: full.then(|| LeadDto {
                status: "qualified".into(),
                reason: None,
                pooled: true,
                changed_by: Some(uuid::Uuid::from_u128(11)),
                changed_at: at,
                qualified_at: Some(at + chrono::Duration::days(2)),
            }),
            version: i64::MAX,
            created_at: at,
            updated_at: at + chrono::Duration::seconds(1),
        }
    }

    #[test]
    fn contacts_are_written_as_poem_openapi_writes_them() {
        for full in [true, false] {
            let c = contact(full);
            assert_eq!(serde_json::to_value(&c).ok(), c.to_json(), "full: {full}");
            let page = ContactPage {
                items: vec![contact(true), contact(false)],
                next_cursor: full.then(|| "abc".to_owned()),
            };
            assert_eq!(serde_json::to_value(&page).ok(), page.to_json(), "full: {full}");
        }
    }

    #[test]
    fn the_buffer_is_allocated_once_and_not_much_larger() {
        // A contact in full and a bare one, alone and as a page of 50 with a cursor: the
        // estimate holds the JSON (no copy while it is written) and is under twice its size.
        for full in [true, false] {
            let c = contact(full);
            let page = ContactPage {
                items: vec![c.clone(); 50],
                next_cursor: Some("x".repeat(40)),
            };
            let one = serde_json::to_vec(&c).unwrap_or_default().len();
            let all = serde_json::to_vec(&page).unwrap_or_default().len();
            assert!(one > 300 && all > 50 * 300, "{one} {all}");
            assert!(
                c.json_size() >= one && c.json_size() < 2 * one,
                "{full}: {} for {one}",
                c.json_size()
            );
            assert!(
                page.json_size() >= all && page.json_size() < 2 * all,
                "{full}: {} for {all}",
                page.json_size()
            );
        }
    }

    #[test]
    fn the_answer_is_the_serialized_dto_with_its_content_type() {
        let c = contact(true);
        let r = DirectJson(c.clone()).into_response();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some(CONTENT));
        let body = tokio::runtime::Builder::new_current_thread()
            .build()
            .ok()
            .and_then(|rt| rt.block_on(r.into_body().into_vec()).ok())
            .unwrap_or_default();
        let written: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(Some(written), c.to_json());
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        // Every kind of fraction (none, milli, micro, nano), the ends of days, months and
        // the range written here, and what is left to chrono (years past 9999, before 0).
        let mut seconds: Vec<i64> = vec![0, 59, 86_399, 951_782_400, 1_709_251_199, 253_402_300_799, -62_167_219_200];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seconds.push(i64::try_from(x % 253_402_300_800).unwrap_or(0));
        }
        seconds.extend([253_402_300_800, -62_167_219_201]);
        for (i, s) in seconds.into_iter().enumerate() {
            let nanos = [0, 5_000_000, 123_000, 7, 999_999_999, 120_000_000, 1_000][i % 7];
            let Some(t) = chrono::DateTime::from_timestamp(s, nanos) else {
                continue;
            };
            let mut written = Vec::new();
            let mut ser = serde_json::Serializer::new(&mut written);
            assert!(rfc3339::write(&t, &mut ser).is_ok());
            assert_eq!(String::from_utf8_lossy(&written), format!("\"{}\"", t.to_rfc3339()), "{s} {nanos}");
        }
    }
}
