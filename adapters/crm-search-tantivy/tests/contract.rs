//! The search port's contract, run on the Tantivy index in a temporary directory: French
//! folding, type-ahead prefixes, typos, compound names, hashed tokens, tenant and owner
//! filters inside the index, filters, durable cursors, the write lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_domain::search::parse_query;
use crm_domain::{TenantId, UserId};
use crm_ports::search::{
    DocFilters, DocText, IndexChanges, IndexQuery, IndexTerm, OwnerFilter, RebuildStep, SearchDoc, SearchEntity, SearchFilters, SearchIndex,
};
use crm_search_tantivy::{OpenError, TantivyIndex};
use uuid::Uuid;

fn hash(s: &str) -> [u8; 32] {
    let mut h = [0u8; 32];
    for (i, b) in s.bytes().enumerate() {
        h[i % 32] ^= b.wrapping_mul(31).wrapping_add(i as u8);
    }
    h
}

fn contact(tenant: TenantId, owner: UserId, name: &str, org: Option<&str>) -> SearchDoc {
    let mut texts = vec![DocText {
        field: "name",
        text: name.into(),
        primary: true,
    }];
    if let Some(o) = org {
        texts.push(DocText {
            field: "organization",
            text: o.into(),
            primary: false,
        });
    }
    SearchDoc {
        tenant_id: tenant,
        entity: SearchEntity::Contact,
        id: Uuid::now_v7(),
        owner_id: Some(owner),
        title: name.into(),
        subtitle: org.map(Into::into),
        texts,
        hashes: vec![],
        filters: DocFilters {
            kind: Some("prospect"),
            ..DocFilters::default()
        },
    }
}

fn organization(tenant: TenantId, name: &str) -> SearchDoc {
    SearchDoc {
        tenant_id: tenant,
        entity: SearchEntity::Organization,
        id: Uuid::now_v7(),
        owner_id: None,
        title: name.into(),
        subtitle: None,
        texts: vec![DocText {
            field: "name",
            text: name.into(),
            primary: true,
        }],
        hashes: vec![],
        filters: DocFilters::default(),
    }
}

fn query(tenant: TenantId, q: &str) -> IndexQuery {
    IndexQuery {
        tenant_id: tenant,
        terms: parse_query(q)
            .into_iter()
            .map(|t| IndexTerm {
                words: t.words,
                hashes: t.email_probe.iter().chain(t.phone_probes.iter()).map(|p| hash(p)).collect(),
            })
            .collect(),
        entities: SearchEntity::ALL.to_vec(),
        contacts: OwnerFilter::Any,
        opportunities: OwnerFilter::Any,
        filters: SearchFilters::default(),
        limit: 20,
    }
}

fn titles(index: &TantivyIndex, q: &IndexQuery, entity: SearchEntity) -> Vec<String> {
    let r = index.search_now(q).unwrap();
    r.groups
        .into_iter()
        .filter(|(e, _)| *e == entity)
        .flat_map(|(_, hits)| hits.into_iter().map(|h| h.title))
        .collect()
}

fn contacts(index: &TantivyIndex, tenant: TenantId, q: &str) -> Vec<String> {
    titles(index, &query(tenant, q), SearchEntity::Contact)
}

async fn load(index: &TantivyIndex, docs: Vec<SearchDoc>) {
    index
        .apply(IndexChanges {
            upserts: docs,
            ..IndexChanges::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn french_names_fold_prefix_and_tolerate_typos() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    load(
        &index,
        vec![
            contact(t, u, "Hélène Dupont-Lefèvre", Some("Vins de Bourgogne")),
            contact(t, u, "Jean-Pierre Le Goff", None),
            contact(t, u, "François Müller", Some("Bâtiment Œuvre")),
            contact(t, u, "Bertrand Martin", None),
        ],
    )
    .await;
    assert_eq!(contacts(&index, t, "helene"), ["Hélène Dupont-Lefèvre"]);
    assert_eq!(contacts(&index, t, "HÉLÈNE"), ["Hélène Dupont-Lefèvre"]);
    assert_eq!(contacts(&index, t, "hel"), ["Hélène Dupont-Lefèvre"], "type-ahead prefix");
    assert_eq!(
        contacts(&index, t, "lefevre"),
        ["Hélène Dupont-Lefèvre"],
        "each part of a hyphenated name"
    );
    assert_eq!(contacts(&index, t, "dupont lef"), ["Hélène Dupont-Lefèvre"]);
    assert_eq!(contacts(&index, t, "pierre"), ["Jean-Pierre Le Goff"]);
    assert_eq!(contacts(&index, t, "goff"), ["Jean-Pierre Le Goff"], "compound name part");
    assert_eq!(contacts(&index, t, "francois muller"), ["François Müller"]);
    assert_eq!(
        contacts(&index, t, "oeuvre"),
        ["François Müller"],
        "organization name, ligature folded"
    );
    assert_eq!(contacts(&index, t, "bourgogne"), ["Hélène Dupont-Lefèvre"]);
    assert_eq!(contacts(&index, t, "dupomt"), ["Hélène Dupont-Lefèvre"], "one typo on a long word");
    assert_eq!(contacts(&index, t, "bertarnd"), ["Bertrand Martin"], "a transposition");
    assert_eq!(contacts(&index, t, "mortin"), ["Bertrand Martin"], "a substitution");
    assert!(contacts(&index, t, "dupo martin").is_empty(), "every term must match");
    assert!(contacts(&index, t, "xyzzy").is_empty());
    assert!(contacts(&index, t, "bert").contains(&"Bertrand Martin".to_owned()));
    assert!(contacts(&index, t, "berd").is_empty(), "no typo on short words");
    let hits = index.search_now(&query(t, "hele lefev")).unwrap();
    let hit = &hits.groups[0].1[0];
    let h = &hit.highlights[0];
    let marked: Vec<&str> = h.ranges.iter().map(|&(a, b)| &h.text[a..b]).collect();
    assert_eq!(marked, ["Hélène", "Lefèvre"]);
    assert!(!hit.matched_secret);
}

#[tokio::test]
async fn exact_name_ranks_above_prefix_and_typo() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    load(
        &index,
        vec![
            contact(t, u, "Paul Martine", None),
            contact(t, u, "Paul Martin", None),
            contact(t, u, "Paul Marton", None),
            contact(t, u, "Zoé Dubois", Some("Martin SA")),
        ],
    )
    .await;
    let found = contacts(&index, t, "martin");
    assert_eq!(found[0], "Paul Martin", "{found:?}");
    assert_eq!(found.len(), 4, "{found:?}");
}

#[tokio::test]
async fn several_words_forgive_a_typo_only_when_the_words_as_typed_do_not_fill_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    load(
        &index,
        vec![
            contact(t, u, "Paul Martin", None),
            contact(t, u, "Paul Dubois", Some("Martinez SA")),
            contact(t, u, "Paul Marton", None),
        ],
    )
    .await;
    // Two words as typed fill a page of two: a prefix in another text goes before a typo
    // in the name, as the guide says.
    let mut q = query(t, "paul martin");
    q.limit = 2;
    assert_eq!(titles(&index, &q, SearchEntity::Contact), ["Paul Martin", "Paul Dubois"]);
    // A page that the words as typed do not fill takes the typos after them.
    assert_eq!(contacts(&index, t, "paul martin"), ["Paul Martin", "Paul Marton", "Paul Dubois"]);
    assert_eq!(contacts(&index, t, "paul mortin"), ["Paul Martin"], "nothing as typed: the typos");
}

#[tokio::test]
async fn hashes_match_exactly_and_report_a_secret_match() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    let mut c = contact(t, u, "Anne Petit", None);
    c.hashes = vec![hash("anne.petit@exemple.fr"), hash("exemple.fr"), hash("0612345678"), hash("5678")];
    load(&index, vec![c, contact(t, u, "Anne Grand", None)]).await;
    assert_eq!(contacts(&index, t, "exemple.fr"), ["Anne Petit"]);
    assert_eq!(contacts(&index, t, "06 12 34 56 78"), ["Anne Petit"]);
    assert_eq!(contacts(&index, t, "anne 5678"), ["Anne Petit"]);
    assert!(contacts(&index, t, "1234").is_empty(), "inner digits are not tokens");
    let r = index.search_now(&query(t, "anne 5678")).unwrap();
    assert!(r.groups[0].1[0].matched_secret);
}

#[tokio::test]
async fn tenant_and_owner_are_filters_inside_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let a = TenantId::from_uuid(Uuid::now_v7());
    let b = TenantId::from_uuid(Uuid::now_v7());
    let (rep1, rep2, other) = (
        UserId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
    );
    load(
        &index,
        vec![
            contact(a, rep1, "Claire Moreau", None),
            contact(a, rep2, "Claude Moreau", None),
            contact(b, other, "Claire Moreau", None),
            organization(a, "Moreau Industrie"),
            organization(b, "Moreau Logistique"),
        ],
    )
    .await;
    let mut q = query(a, "moreau");
    assert_eq!(titles(&index, &q, SearchEntity::Contact).len(), 2);
    assert_eq!(titles(&index, &q, SearchEntity::Organization), ["Moreau Industrie"]);
    q.contacts = OwnerFilter::Owners(vec![rep1]);
    assert_eq!(titles(&index, &q, SearchEntity::Contact), ["Claire Moreau"]);
    assert_eq!(
        titles(&index, &q, SearchEntity::Organization),
        ["Moreau Industrie"],
        "organizations are visible to all"
    );
    q.contacts = OwnerFilter::Nothing;
    assert!(titles(&index, &q, SearchEntity::Contact).is_empty());
    q.contacts = OwnerFilter::Any;
    q.filters.owner_id = Some(rep2);
    assert_eq!(titles(&index, &q, SearchEntity::Contact), ["Claude Moreau"]);
    assert!(
        titles(&index, &q, SearchEntity::Organization).is_empty(),
        "an owner filter leaves organizations out"
    );
    q.filters = SearchFilters {
        kind: Some("client"),
        ..SearchFilters::default()
    };
    assert!(titles(&index, &q, SearchEntity::Contact).is_empty());
    let qb = query(b, "claire");
    assert_eq!(titles(&index, &qb, SearchEntity::Contact), ["Claire Moreau"]);
    let r = index.search_now(&qb).unwrap();
    assert!(r.groups.iter().flat_map(|(_, h)| h).all(|h| h.title.contains("Moreau")));
}

#[tokio::test]
async fn cursors_survive_a_restart_and_rebuilds_replace_a_tenant_without_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let other = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    let gone = contact(t, u, "Marc Blanc", None);
    let gone_id = gone.id;
    {
        let index = TantivyIndex::open(dir.path()).unwrap();
        assert!(index.cursors().is_empty());
        assert!(
            matches!(TantivyIndex::open(dir.path()), Err(OpenError::Busy(_))),
            "one writer per index"
        );
        index
            .apply(IndexChanges {
                upserts: vec![gone, contact(t, u, "Marc Noir", None), contact(other, u, "Marc Rouge", None)],
                cursors: vec![(t, 7), (other, 3)],
                ..IndexChanges::default()
            })
            .await
            .unwrap();
        index
            .apply(IndexChanges {
                deletes: vec![gone_id],
                cursors: vec![(t, 9)],
                ..IndexChanges::default()
            })
            .await
            .unwrap();
    }
    let index = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(index.cursors().get(&t), Some(&9));
    assert_eq!(index.cursors().get(&other), Some(&3));
    assert_eq!(contacts(&index, t, "marc"), ["Marc Noir"]);

    // A rebuild in two steps: "Marc Noir" is gone from the store, "Marc Vert" is new.
    let build = Uuid::now_v7();
    let step = |last| {
        Some(RebuildStep {
            tenant_id: t,
            id: build,
            last,
        })
    };
    index
        .apply(IndexChanges {
            rebuild: step(false),
            upserts: vec![contact(t, u, "Marc Vert", None)],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    let mut during = contacts(&index, t, "marc");
    during.sort();
    assert_eq!(during, ["Marc Noir", "Marc Vert"], "no gap while a rebuild runs");
    assert_eq!(
        index.cursors().get(&t),
        None,
        "a tenant has no cursor until its rebuild ends (cut short, it starts again)"
    );
    index
        .apply(IndexChanges {
            rebuild: step(true),
            upserts: vec![contact(t, u, "Marc Gris", None)],
            cursors: vec![(t, 12)],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    let mut after = contacts(&index, t, "marc");
    after.sort();
    assert_eq!(
        after,
        ["Marc Gris", "Marc Vert"],
        "the last step drops what the rebuild did not write"
    );
    assert_eq!(index.cursors().get(&t), Some(&12));
    assert_eq!(contacts(&index, other, "marc"), ["Marc Rouge"], "other tenants untouched");

    // A record changed after the rebuild (catch-up) and a second rebuild that has it.
    let later = contact(t, u, "Marc Blanc", None);
    index
        .apply(IndexChanges {
            upserts: vec![later.clone()],
            cursors: vec![(t, 13)],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    index
        .apply(IndexChanges {
            rebuild: Some(RebuildStep {
                tenant_id: t,
                id: Uuid::now_v7(),
                last: true,
            }),
            upserts: vec![later],
            cursors: vec![(t, 13)],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    assert_eq!(contacts(&index, t, "marc"), ["Marc Blanc"]);
}

#[tokio::test]
async fn merging_keeps_the_cursors() {
    let dir = tempfile::tempdir().unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    {
        let index = TantivyIndex::open(dir.path()).unwrap();
        for (i, name) in ["Marc Noir", "Marc Blanc", "Marc Rouge"].into_iter().enumerate() {
            index
                .apply(IndexChanges {
                    upserts: vec![contact(t, u, name, None)],
                    cursors: vec![(t, i as i64 + 1)],
                    ..IndexChanges::default()
                })
                .await
                .unwrap();
        }
        index.merge_all().unwrap();
        assert_eq!(index.cursors().get(&t), Some(&3));
    }
    let index = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(
        index.cursors().get(&t),
        Some(&3),
        "a merge must not lose the cursors (the server would rebuild every tenant)"
    );
    assert_eq!(contacts(&index, t, "marc").len(), 3);
}

#[tokio::test]
async fn colliding_hashes_and_words_of_other_tenants_and_kinds_stay_out() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let a = TenantId::from_uuid(Uuid::now_v7());
    let b = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    // The test hash is not keyed by tenant: two tenants' tokens collide, as keyed hashes
    // would once in 2^64.
    let mut mine = contact(a, u, "Anne Petit", None);
    mine.hashes = vec![hash("anne@exemple.fr")];
    let mut theirs = contact(b, u, "Paul Durand", None);
    theirs.hashes = vec![hash("anne@exemple.fr")];
    load(
        &index,
        vec![
            mine,
            theirs,
            contact(b, u, "Annie Petitjean", None),
            organization(b, "Durand Anne SA"),
        ],
    )
    .await;
    let r = index.search_now(&query(a, "anne@exemple.fr")).unwrap();
    let all: Vec<&str> = r.groups.iter().flat_map(|(_, h)| h.iter().map(|h| h.title.as_str())).collect();
    assert_eq!(all, ["Anne Petit"], "one tenant's hash never finds another's record");
    let r = index.search_now(&query(b, "anne@exemple.fr")).unwrap();
    assert_eq!(titles(&index, &query(b, "anne@exemple.fr"), SearchEntity::Contact), ["Paul Durand"]);
    assert!(
        r.groups
            .iter()
            .filter(|(e, _)| *e != SearchEntity::Contact)
            .all(|(_, h)| h.is_empty()),
        "hashes are contacts' only"
    );
    // Words, prefixes and typos only reach the tenant's own words.
    assert_eq!(contacts(&index, a, "petit"), ["Anne Petit"]);
    assert_eq!(contacts(&index, a, "pet"), ["Anne Petit"]);
    assert!(contacts(&index, a, "durand").is_empty());
    assert!(contacts(&index, a, "duran").is_empty());
    assert!(contacts(&index, a, "durnad").is_empty(), "a typo reaches no other tenant's word");
    assert_eq!(contacts(&index, b, "durnad"), ["Paul Durand"]);
    assert_eq!(titles(&index, &query(b, "durand"), SearchEntity::Organization), ["Durand Anne SA"]);
}

#[tokio::test]
async fn prefix_matches_in_the_name_and_another_text_come_in_index_order() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let u = UserId::from_uuid(Uuid::now_v7());
    let docs: Vec<SearchDoc> = (0..8)
        .map(|i| contact(t, u, &format!("Bernadette N{i}"), Some(&format!("Bergerie {}", 8 - i))))
        .chain([contact(t, u, "Bertrand Solo", None)])
        .collect();
    load(&index, docs).await;
    let mut q = query(t, "ber");
    q.limit = 3;
    assert_eq!(
        titles(&index, &q, SearchEntity::Contact),
        ["Bernadette N0", "Bernadette N1", "Bernadette N2"]
    );
    q.limit = 9;
    assert_eq!(
        titles(&index, &q, SearchEntity::Contact).last().map(String::as_str),
        Some("Bertrand Solo")
    );
}

#[tokio::test]
async fn one_word_many_prefix_matches_whole_words_first_then_names_then_other_texts() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let (u, v) = (UserId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    // Thirty prefix matches in the names, in index order before the rest.
    let mut docs: Vec<SearchDoc> = (0..30)
        .map(|i| contact(t, if i % 3 == 0 { v } else { u }, &format!("Bertrand N{i:02}"), None))
        .collect();
    let first_id = docs[0].id;
    docs.push(contact(t, u, "Zoé Zed", Some("Bergerie du Lac")));
    docs.push(contact(t, u, "Ber Petit", None));
    docs.push(contact(t, u, "Alain Bernard", Some("Bernard Frères")));
    load(&index, docs).await;
    let mut q = query(t, "ber");
    q.limit = 5;
    let top = titles(&index, &q, SearchEntity::Contact);
    assert_eq!(top[0], "Ber Petit", "the whole word first: {top:?}");
    assert_eq!(top[1], "Alain Bernard", "then a prefix in the name and in another text: {top:?}");
    assert!(top[2..].iter().all(|n| n.starts_with("Bertrand")), "{top:?}");
    q.limit = 50;
    let all = titles(&index, &q, SearchEntity::Contact);
    assert_eq!(all.len(), 33);
    assert_eq!(
        all.last().map(String::as_str),
        Some("Zoé Zed"),
        "a prefix in another text comes last"
    );
    // A deleted record is not among the first ones found by prefix.
    index
        .apply(IndexChanges {
            deletes: vec![first_id],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    q.limit = 5;
    assert!(!titles(&index, &q, SearchEntity::Contact).contains(&"Bertrand N00".to_owned()));
    q.limit = 50;
    assert_eq!(titles(&index, &q, SearchEntity::Contact).len(), 32);
    // The owner filter holds in both parts.
    q.contacts = OwnerFilter::Owners(vec![v]);
    let mine = titles(&index, &q, SearchEntity::Contact);
    assert_eq!(mine.len(), 9, "{mine:?}");
    assert!(mine.iter().all(|n| n.starts_with("Bertrand")));
}

/// Every byte of the index's files.
fn index_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_file() {
            all.extend(std::fs::read(e.path()).unwrap_or_default());
        }
    }
    all
}

#[tokio::test]
async fn a_deleted_document_is_gone_from_the_files_after_a_purge() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let owner = UserId::from_uuid(Uuid::now_v7());
    let marker = format!("Qzx{}", &Uuid::new_v4().simple().to_string()[..10]);
    let gone = contact(t, owner, &format!("Prudence {marker}"), Some("Vins Duval"));
    let kept = contact(t, owner, "Gardien Témoin", None);
    let gone_id = gone.id;
    load(&index, vec![gone, kept]).await;
    // Other commits after it, as in a live index: several segments.
    for i in 0..3 {
        load(&index, vec![contact(t, owner, &format!("Autre {i}"), None)]).await;
    }
    let holds = |b: &[u8]| b.windows(marker.len()).any(|w| w == marker.as_bytes());
    assert!(
        holds(&index_bytes(dir.path())),
        "the scan must find the document first, or it proves nothing"
    );
    index
        .apply(IndexChanges {
            deletes: vec![gone_id],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    assert!(contacts(&index, t, &marker.to_lowercase()).is_empty());
    index.purge().await.unwrap();
    let holding: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read(e.path()).is_ok_and(|b| holds(&b)))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(holding.is_empty(), "{marker} still in the index files after the purge: {holding:?}");
    assert_eq!(contacts(&index, t, "temoin"), ["Gardien Témoin"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_indexed_while_segments_merge() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let owner = UserId::from_uuid(Uuid::now_v7());
    // One commit per batch, as a rebuild does: one segment each.
    for i in 0..6 {
        let docs = (0..200).map(|j| contact(t, owner, &format!("Lot{i} Personne{j}"), None)).collect();
        load(&index, docs).await;
    }
    let before = index.segments();
    assert!(before >= 2, "the merge must have segments to merge ({before})");
    let merging = {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.merge_all())
    };
    // Changes arriving while the merge runs are indexed and found.
    let arriving = ["Alphonse", "Bérénice", "Casimir", "Désirée", "Eugène"];
    for name in arriving {
        load(&index, vec![contact(t, owner, &format!("{name} Pendantlafusion"), None)]).await;
    }
    merging.await.unwrap().unwrap();
    for name in arriving {
        assert_eq!(contacts(&index, t, name), [format!("{name} Pendantlafusion")]);
    }
    assert_eq!(contacts(&index, t, "pendantlafusion").len(), 5);
    assert!(contacts(&index, t, "lot3 personne117").contains(&"Lot3 Personne117".to_owned()));
    index.merge_all().unwrap();
    assert_eq!(index.segments(), 1, "after a merge with nothing arriving, one segment");
    assert_eq!(index.num_docs(), 6 * 200 + 5);
    // The cursors survive the merge's commits.
    index
        .apply(IndexChanges {
            cursors: vec![(t, 42)],
            ..IndexChanges::default()
        })
        .await
        .unwrap();
    index.merge_all().unwrap();
    drop(index);
    let reopened = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.cursors().get(&t), Some(&42));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_walk_the_segments_merged_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let t = TenantId::from_uuid(Uuid::now_v7());
    let owner = UserId::from_uuid(Uuid::now_v7());
    // One commit a change, as the log readers do under a trickle of writes: one segment
    // each, until the writer's merge policy merges them in the background (at four), after
    // the last commit here: nothing more arrives to reload the reader.
    for i in 0..4 {
        load(&index, vec![contact(t, owner, &format!("Petit{i} Segment"), None)]).await;
    }
    let started = std::time::Instant::now();
    while index.segments() >= 4 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "searches still walk {} segments",
            index.segments()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(contacts(&index, t, "segment").len(), 4);
}
