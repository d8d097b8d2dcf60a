//! The index's layout: its fields, its version, and what the commit payload and the
//! stored texts hold.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tantivy::schema::{BytesOptions, DateOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

/// Bumped when the schema or the way documents are built changes: an index of another
/// version is dropped and rebuilt from the store.
pub(crate) const LAYOUT_VERSION: u32 = 10;
/// Bytes of each keyed hash kept in the index: 48 bits. Each is a distinct term (a mobile
/// phone gives fourteen, an address three), so this is most of the index's size: each
/// hexadecimal digit is a byte of the term dictionary that no other term shares. A search
/// of a tenant of 5 million tokens (300,000 contacts) finds a record it should not once in
/// some 50 million lookups (5e6 / 2^48), and a hit of another tenant is dropped.
pub(crate) const HASH_BYTES: usize = 6;

/// The term of a keyed hash: its first [`HASH_BYTES`] bytes in hexadecimal. As raw bytes,
/// the nodes near the root of the term dictionary branch 256 ways, and the dictionary's
/// builder keeps thousands of such nodes while it writes (218 MB at the peak of a rebuild
/// of a million contacts). Sixteen ways keep it to a few MB, and the dictionary is no
/// larger (docs/performance.md).
pub(crate) fn hash_term(h: &[u8; 32]) -> [u8; 2 * HASH_BYTES] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 2 * HASH_BYTES];
    for (pair, b) in out.chunks_exact_mut(2).zip(h) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) tenant: Field,
    pub(crate) entity: Field,
    pub(crate) owner: Field,
    pub(crate) title: Field,
    pub(crate) subtitle: Field,
    pub(crate) texts: Field,
    pub(crate) primary_words: Field,
    pub(crate) other_words: Field,
    pub(crate) primary_prefix: Field,
    pub(crate) other_prefix: Field,
    pub(crate) hash: Field,
    pub(crate) kind: Field,
    pub(crate) lead_status: Field,
    pub(crate) tag: Field,
    pub(crate) organization: Field,
    pub(crate) pipeline: Field,
    pub(crate) stage: Field,
    pub(crate) status: Field,
    pub(crate) close: Field,
    pub(crate) updated: Field,
    /// The rebuild that wrote the document, if one did.
    pub(crate) build: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let prefixes = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let date = DateOptions::default().set_indexed().set_fast();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        tenant: b.add_text_field("tenant", STRING | STORED),
        entity: b.add_text_field("entity", STRING | STORED),
        owner: b.add_text_field("owner", STRING),
        title: b.add_text_field("title", STORED),
        subtitle: b.add_text_field("subtitle", STORED),
        texts: b.add_text_field("texts", STORED),
        primary_words: b.add_text_field("primary_words", words.clone()),
        other_words: b.add_text_field("other_words", words),
        primary_prefix: b.add_text_field("primary_prefix", prefixes.clone()),
        other_prefix: b.add_text_field("other_prefix", prefixes),
        hash: b.add_bytes_field("hash", BytesOptions::default().set_indexed()),
        kind: b.add_text_field("kind", STRING),
        lead_status: b.add_text_field("lead_status", STRING),
        tag: b.add_text_field("tag", STRING),
        organization: b.add_text_field("organization", STRING),
        pipeline: b.add_text_field("pipeline", STRING),
        stage: b.add_text_field("stage", STRING),
        status: b.add_text_field("status", STRING),
        close: b.add_date_field("close", date.clone()),
        updated: b.add_date_field("updated", date),
        build: b.add_text_field("build", STRING),
    };
    (b.build(), f)
}

/// What the commit payload holds.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Payload {
    pub(crate) version: u32,
    pub(crate) cursors: HashMap<uuid::Uuid, i64>,
}

/// A stored text, for highlighting.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredText {
    pub(crate) f: String,
    pub(crate) t: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_term_is_its_first_bytes_in_hexadecimal() {
        let mut h = [0xffu8; 32];
        h[..HASH_BYTES].copy_from_slice(&[0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd]);
        assert_eq!(&hash_term(&h), b"00017f80abcd");
    }
}
