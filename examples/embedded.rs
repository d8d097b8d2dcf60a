//! Embedding the CRM without HTTP: open a SQLite store, create a tenant, a pipeline, a
//! contact and an opportunity, move it along, and print the forecast and the audit trail.
//!
//! Run: `cargo run -p crm-examples --bin embedded -- /tmp/crm-example`

use chrono::NaiveDate;
use crm_crypto::{Argon2Credentials, Keyring, RingCipher};
use crm_domain::Actor;
use crm_domain::contact::ContactInput;
use crm_domain::event::EntityType;
use crm_domain::forecast::{GroupBy, Period};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::pipeline::StageInput;
use crm_ports::App;
use crm_ports::query::OpportunityFilter;
use crm_ports::services::tenants::NewTenant;
use crm_store_sql::SqlStore;
use std::error::Error;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "./crm-example-data".into()));
    let keys = Keyring::load_or_create(&dir.join("master.key"))?;
    let store = SqlStore::open_sqlite(&dir.join("crm.db"), RingCipher::new(keys)).await?;
    let app = App::new(store, Argon2Credentials::new(2)?);

    // The platform operator creates a tenant with its first Admin.
    let (tenant, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Négoce Duval".into(),
                admin_email: format!("admin+{}@duval.fr", chrono::Utc::now().timestamp_micros()),
                admin_name: "Claire Duval".into(),
                ..NewTenant::default()
            },
        )
        .await?;
    let admin = Actor::User {
        tenant_id: tenant.id,
        user_id: admin.id,
        role: admin.role,
    };

    let stages: Vec<StageInput> = [("Découverte", 10), ("Proposition", 40), ("Négociation", 70), ("Signature", 90)]
        .into_iter()
        .map(|(name, probability)| StageInput {
            id: None,
            name: name.into(),
            probability,
        })
        .collect();
    let pipeline = app.create_pipeline(&admin, "Ventes directes", &stages).await?;

    let contact = app
        .create_contact(
            &admin,
            &ContactInput {
                kind: "prospect".into(),
                first_name: "Hélène".into(),
                last_name: "Martin".into(),
                emails: vec!["helene.martin@exemple.fr".into()],
                phones: vec!["06 12 34 56 78".into()],
                ..ContactInput::default()
            },
            None,
            true,
        )
        .await?;

    let deal = app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &OpportunityInput {
                title: "Vins pour le séminaire".into(),
                value_minor: 18_400_00,
                contact_ids: vec![contact.id],
                expected_close: NaiveDate::from_ymd_opt(2027, 1, 15),
                ..OpportunityInput::default()
            },
            None,
        )
        .await?;
    let deal = app.move_opportunity(&admin, deal.id, deal.version, pipeline.stages[1].id).await?;
    println!(
        "« {} » : étape {}, probabilité {} %",
        deal.fields.title,
        pipeline.stages[1].name,
        deal.probability.percent()
    );

    for b in app
        .forecast(&admin, Period::Quarter, GroupBy::Nothing, &OpportunityFilter::default())
        .await?
    {
        println!(
            "Prévision {:?} : {} opportunité(s), montant {:.2} {}, pondéré {:.2} {}",
            b.period_start,
            b.count,
            b.total_minor as f64 / 100.0,
            b.currency,
            b.weighted_minor as f64 / 100.0,
            b.currency
        );
    }
    for e in app.history_of(&admin, EntityType::Opportunity, deal.id.as_uuid(), 10).await? {
        let fields: Vec<&str> = e.changes.iter().map(|c| c.field.as_str()).collect();
        println!("#{} {} {} {:?}", e.seq, e.at.format("%Y-%m-%d %H:%M:%S"), e.kind, fields);
    }
    Ok(())
}
