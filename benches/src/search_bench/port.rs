//! Searches in process: through the search service and its port, and with the store's
//! SQL `LIKE` for comparison.

use crate::BenchApp;
use crate::dataset::{BenchQuery, Dataset};
use crm_domain::Actor;
use crm_domain::search::parse_query;
use crm_domain::user::Role;
use crm_domain::visibility::RecordScope;
use crm_domain::{TenantId, UserId};
use crm_ports::query::Scope;
use crm_ports::services::search::SearchRequest;
use crm_search_tantivy::TantivyIndex;
use std::error::Error;
use std::time::{Duration, Instant};

fn admin_of(data: &Dataset, tenant: usize) -> Actor {
    let t = &data.tenants[tenant];
    Actor::User {
        tenant_id: TenantId::from_uuid(t.id),
        user_id: UserId::from_uuid(t.admin),
        role: Role::Admin,
    }
}

pub(crate) async fn via_port(
    app: &BenchApp,
    index: &TantivyIndex,
    data: &Dataset,
    qs: &[BenchQuery],
    sales: bool,
) -> Result<(Vec<Duration>, usize), Box<dyn Error>> {
    let mut lat = Vec::with_capacity(qs.len());
    let mut hits = 0;
    for q in qs {
        let actor = match (&data.tenants[q.tenant].sales, sales) {
            (Some((id, _)), true) => Actor::User {
                tenant_id: TenantId::from_uuid(data.tenants[q.tenant].id),
                user_id: UserId::from_uuid(*id),
                role: Role::Sales,
            },
            _ => admin_of(data, q.tenant),
        };
        let started = Instant::now();
        let r = app
            .search(
                index,
                &actor,
                SearchRequest {
                    query: q.text.clone(),
                    ..SearchRequest::default()
                },
            )
            .await?;
        lat.push(started.elapsed());
        hits += r.groups.iter().map(|(_, h)| h.len()).sum::<usize>();
    }
    lat.sort();
    Ok((lat, hits))
}

/// The same searches through the port by `clients` tasks at once (the HTTP run's
/// concurrency), each taking every `clients`-th query: latencies, hits and the wall time.
pub(crate) async fn via_port_concurrent(
    app: &BenchApp,
    index: &TantivyIndex,
    data: &Dataset,
    qs: &[BenchQuery],
    clients: usize,
) -> Result<(Vec<Duration>, usize, Duration), Box<dyn Error>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (app, index) = (app.clone(), index.clone());
        let mine: Vec<(Actor, String)> = qs
            .iter()
            .skip(c)
            .step_by(clients)
            .map(|q| (admin_of(data, q.tenant), q.text.clone()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(mine.len());
            let mut hits = 0;
            for (actor, query) in mine {
                let t = Instant::now();
                let r = app
                    .search(
                        &index,
                        &actor,
                        SearchRequest {
                            query,
                            ..SearchRequest::default()
                        },
                    )
                    .await?;
                lat.push(t.elapsed());
                hits += r.groups.iter().map(|(_, h)| h.len()).sum::<usize>();
            }
            Ok::<_, crm_ports::ServiceError>((lat, hits))
        }));
    }
    let mut lat = Vec::new();
    let mut hits = 0;
    for t in tasks {
        let (l, h) = t.await??;
        lat.extend(l);
        hits += h;
    }
    let wall = started.elapsed();
    lat.sort();
    Ok((lat, hits, wall))
}

pub(crate) async fn via_like(app: &BenchApp, data: &Dataset, qs: &[BenchQuery]) -> Result<(Vec<Duration>, usize), Box<dyn Error>> {
    let mut lat = Vec::new();
    let mut hits = 0;
    for q in qs.iter().filter(|q| q.like) {
        let words: Vec<String> = parse_query(&q.text).into_iter().flat_map(|t| t.words).collect();
        let scope = Scope {
            tenant_id: TenantId::from_uuid(data.tenants[q.tenant].id),
            records: RecordScope::Tenant,
        };
        let started = Instant::now();
        hits += app.store().contacts_name_like(scope, &words, 10).await?.len();
        lat.push(started.elapsed());
    }
    lat.sort();
    Ok((lat, hits))
}
