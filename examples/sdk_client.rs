//! Using the typed SDK against a running server: log in, create a pipeline, a contact and
//! an opportunity, move it forward, read the forecast. Errors come back typed.
//!
//! Run (with a server on 127.0.0.1:8080 and an Admin account):
//! `CRM_EMAIL=claire@duval.fr CRM_PASSWORD='…' cargo run -p crm-examples --bin sdk-client`

use crm_sdk::models::{ContactWrite, NewOpportunity, PipelineWrite, StageWrite};
use crm_sdk::{Client, ErrorCode};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let base = std::env::var("CRM_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let email = std::env::var("CRM_EMAIL")?;
    let password = std::env::var("CRM_PASSWORD")?;
    let anonymous = Client::new(&base)?;
    let session = anonymous.login(&email, &password).await?;
    let crm = anonymous.with_token(&session.token);
    println!("Connecté : {:?}", crm.me().await?);

    let pipeline = crm
        .create_pipeline(&PipelineWrite {
            name: format!("Ventes {}", chrono::Utc::now().format("%H%M%S")),
            stages: [("Découverte", 10), ("Proposition", 40), ("Signature", 90)]
                .into_iter()
                .map(|(name, probability)| StageWrite {
                    id: None,
                    name: name.into(),
                    probability,
                })
                .collect(),
            moves: Vec::new(),
        })
        .await?;

    let contact = ContactWrite {
        kind: "prospect".into(),
        first_name: "Hélène".into(),
        last_name: "Martin".into(),
        emails: vec!["helene.martin@exemple.fr".into()],
        phones: vec!["06 12 34 56 78".into()],
        ..ContactWrite::default()
    };
    let contact = match crm.create_contact(&contact, false).await {
        Ok(c) => c,
        Err(e) if e.code() == Some(&ErrorCode::PossibleDuplicates) => {
            println!("Doublon possible, création confirmée.");
            crm.create_contact(&contact, true).await?
        }
        Err(e) => return Err(e.into()),
    };
    println!("Contact {} : {:?}", contact.id, contact.phones);

    let deal = crm
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Renouvellement du parc".into(),
            value_minor: 24_000_00,
            contact_ids: vec![contact.id],
            expected_close: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
            ..NewOpportunity::default()
        })
        .await?;
    // Skipping a stage is refused with a typed error.
    let skip = crm.move_opportunity(deal.id, deal.version, pipeline.stages[2].id).await;
    println!("Saut d'étape : {:?}", skip.err().and_then(|e| e.code().cloned()));
    let deal = crm.move_opportunity(deal.id, deal.version, pipeline.stages[1].id).await?;
    println!("Opportunité à {} %", deal.probability);
    for line in crm.forecast("quarter", "none", None, None).await? {
        println!(
            "{:?} {} : pondéré {} centimes",
            line.period_start, line.currency, line.weighted_minor
        );
    }
    Ok(())
}
