//! The data of the search benchmark: tenants and contacts generated through the services
//! (kept for reuse), the indexing figures, and the queries drawn from the contacts.

use crate::{BATCH, BenchApp, HTTP_SMALL_TENANTS, LARGE_REPS, PASSWORD, SEED};
use crm_domain::Actor;
use crm_domain::OrganizationId;
use crm_domain::user::Role;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_seeds::Generator;
use serde::{Deserialize, Serialize};
use std::error::Error;
use std::path::Path;
use std::time::Instant;

/// What was generated, kept next to the data for reuse.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct Dataset {
    pub(crate) contacts: u64,
    pub(crate) tenants: Vec<TenantInfo>,
    pub(crate) load_seconds: f64,
}

#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct TenantInfo {
    pub(crate) id: uuid::Uuid,
    pub(crate) admin: uuid::Uuid,
    pub(crate) admin_email: String,
    /// A Sales rep with a password (large tenant only).
    pub(crate) sales: Option<(uuid::Uuid, String)>,
    /// Global generator indexes of its contacts.
    pub(crate) first: u64,
    pub(crate) count: u64,
    pub(crate) organizations: u64,
}

pub(crate) async fn generate(app: &BenchApp, contacts: u64, tenants: usize, large: u64) -> Result<Dataset, Box<dyn Error>> {
    let started = Instant::now();
    let g = Generator::new(SEED);
    let smalls = (tenants as u64 - 1).max(1);
    let (small_each, remainder) = ((contacts - large) / smalls, (contacts - large) % smalls);
    let mut out = Vec::new();
    let mut next_index = 0;
    for i in 0..tenants {
        let count = if i == 0 {
            large
        } else {
            small_each + u64::from(i as u64 <= remainder)
        };
        let orgs: u64 = if i == 0 { 1_000 } else { 5 };
        let with_password = i <= HTTP_SMALL_TENANTS;
        let admin_email = format!("admin@entreprise{i}.fr");
        let (t, admin) = app
            .create_tenant(
                &Actor::Operator,
                &NewTenant {
                    name: format!("Entreprise {i}"),
                    admin_email: admin_email.clone(),
                    admin_name: "Admin".into(),
                    admin_password: with_password.then(|| PASSWORD.into()),
                    ..NewTenant::default()
                },
            )
            .await?;
        let actor = Actor::User {
            tenant_id: t.id,
            user_id: admin.id,
            role: Role::Admin,
        };
        let mut owners = vec![admin.id];
        let mut sales = None;
        if i == 0 {
            for r in 0..LARGE_REPS {
                let email = format!("commercial{r}@entreprise0.fr");
                let u = app
                    .create_user(
                        &actor,
                        &NewUser {
                            email: email.clone(),
                            display_name: format!("Commercial {r}"),
                            role: "sales".into(),
                            team_id: None,
                            password: (r == 0).then(|| PASSWORD.into()),
                        },
                    )
                    .await?;
                if r == 0 {
                    sales = Some((u.id.as_uuid(), email));
                }
                owners.push(u.id);
            }
        }
        let mut org_ids: Vec<OrganizationId> = Vec::new();
        for o in 0..orgs {
            org_ids.push(app.create_organization(&actor, &g.organization(next_index + o)).await?.id);
        }
        let mut done = 0;
        let mut batch_no = 0;
        while done < count {
            let n = BATCH.min(count - done);
            let inputs: Vec<_> = (0..n)
                .map(|k| {
                    let (mut input, org) = g.contact(next_index + done + k, orgs);
                    input.organization_id = org.map(|o| org_ids[o as usize]);
                    input
                })
                .collect();
            let owner = owners[batch_no % owners.len()];
            app.import_contacts(&actor, &inputs, Some(owner)).await?;
            done += n;
            batch_no += 1;
        }
        out.push(TenantInfo {
            id: t.id.as_uuid(),
            admin: admin.id.as_uuid(),
            admin_email,
            sales,
            first: next_index,
            count,
            organizations: orgs,
        });
        next_index += count;
        if i % 100 == 0 || i == 0 {
            eprintln!(
                "  tenant {i}/{tenants}: {next_index} contacts in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(Dataset {
        contacts: next_index,
        tenants: out,
        load_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Indexing figures, kept next to the index for reuse.
#[derive(Serialize, Deserialize)]
pub(crate) struct IndexStats {
    pub(crate) documents: u64,
    pub(crate) seconds: f64,
    pub(crate) bytes: u64,
}

/// A query of the benchmark.
#[derive(Clone)]
pub(crate) struct BenchQuery {
    pub(crate) tenant: usize,
    pub(crate) text: String,
    /// Whether `LIKE` can answer it (names only: emails and phones are sealed).
    pub(crate) like: bool,
}

fn typo(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() >= 5 {
        chars.swap(2, 3);
    }
    chars.into_iter().collect()
}

/// Queries on contacts of the given tenants, drawn deterministically.
pub(crate) fn queries(data: &Dataset, tenants: &[usize], n: usize, full: bool) -> Vec<BenchQuery> {
    let g = Generator::new(SEED);
    (0..n)
        .map(|k| {
            let tenant = tenants[k % tenants.len()];
            let t = &data.tenants[tenant];
            let index = t.first + (k as u64 * 7_919) % t.count;
            let (c, _) = g.contact(index, t.organizations);
            let last: String = c.last_name.chars().collect();
            let prefix = |s: &str, n: usize| s.chars().take(n).collect::<String>();
            let (text, like) = if full {
                match k % 4 {
                    0 => (format!("{} {}", c.first_name, c.last_name), true),
                    1 => (c.emails[0].clone(), false),
                    2 => match c.phones.first() {
                        Some(p) => (p.clone(), false),
                        None => (format!("{} {}", c.first_name, typo(&last)), false),
                    },
                    _ => (format!("{} {}", typo(&c.first_name), c.last_name), false),
                }
            } else {
                match k % 3 {
                    0 => (prefix(&last, 3), true),
                    1 => (format!("{} {}", c.first_name, prefix(&last, 2)), true),
                    _ => (prefix(&c.first_name, 4), true),
                }
            };
            BenchQuery { tenant, text, like }
        })
        .collect()
}

pub(crate) fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
