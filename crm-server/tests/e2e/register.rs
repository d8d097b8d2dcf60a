//! The register of processing activities through the server: built from what the company
//! set — B2C audience, a retention of 24 months erased every night, its own mail relay,
//! a webhook — worded in French, its relay named by its host and never with its password;
//! read back from the PDF by `pdftotext`; and current again as soon as a setting changes.

use super::report_files::{dir, have, plain};
use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{MailRelayWrite, ProcessingRegister, Settings, WebhookWrite};
use std::process::Command;

fn text(r: &ProcessingRegister) -> String {
    r.sections
        .iter()
        .flat_map(|s| std::iter::once(s.title.clone()).chain(s.rows.iter().map(|row| format!("{} : {}", row.label, row.items.join(" ; ")))))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_follows_the_company_settings() {
    let pdf_tools = have("pdftotext", "-v");
    let s = spawn_app().await;
    let t = tenant(&s, "Registre Duval").await;
    let admin = t.client(Role::Admin);
    let company = admin.tenant().await.unwrap();
    let settings = Settings {
        audience: Some("b2c".into()),
        retention_months: Some(24),
        retention_action: Some("erase".into()),
        second_factor_for_admins: Some(true),
        ..Settings::default()
    };
    let company = admin.update_tenant(company.version, None, Some(&settings)).await.unwrap();
    admin
        .set_mail_relay(&MailRelayWrite {
            url: "smtp://crm:Tres-secret-42@smtp.duval.fr:587".into(),
            from: Some("ventes@duval.fr".into()),
        })
        .await
        .unwrap();
    admin
        .create_webhook(&WebhookWrite {
            url: "https://hooks.exemple.fr/crm?token=abc".into(),
            description: None,
            events: vec!["contact.*".into()],
            include_personal: false,
            active: Some(true),
        })
        .await
        .unwrap();

    let register = admin.processing_register().await.unwrap();
    assert_eq!(register.company, "Registre Duval");
    let all = text(&register);
    for needle in [
        "Responsable du traitement",
        "Gestion de la relation commerciale",
        "Prospection par e-mail (campagnes et automatismes)",
        "Consentement (e-mails et SMS de prospection aux particuliers)",
        "Relais d'e-mail de l'entreprise : smtp.duval.fr:587",
        "Application reliée par webhook : hooks.exemple.fr",
        "Prospects : 24 mois après leur dernier contact",
        "effacés automatiquement chaque nuit",
        "Double authentification obligatoire pour les administrateurs",
        "Exercice des droits des personnes",
        "Mesures de sécurité (article 32)",
    ] {
        assert!(all.contains(needle), "{needle:?} not in the register:\n{all}");
    }
    assert!(
        !all.contains("Tres-secret-42") && !all.contains("token=abc"),
        "no secret in the register:\n{all}"
    );

    // The PDF says the same, as another tool reads it.
    let pdf = admin.processing_register_pdf().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if pdf_tools {
        // Kept beside the report's pages, to be looked at.
        let path = dir().join("registre.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let read = plain(&String::from_utf8_lossy(&out.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for needle in [
            "Registre des activités de traitement",
            "Registre Duval",
            "smtp.duval.fr:587",
            "hooks.exemple.fr",
            "Prospects : 24 mois après leur dernier contact",
            "Mesures de sécurité (article 32)",
        ] {
            assert!(read.contains(needle), "{needle:?} not in the PDF's text:\n{read}");
        }
        assert!(!read.contains("Tres-secret-42"));
    }

    // Current as soon as a setting changes.
    let back = Settings {
        retention_months: Some(36),
        retention_action: Some("flag".into()),
        ..Settings::default()
    };
    admin.update_tenant(company.version, None, Some(&back)).await.unwrap();
    let again = text(&admin.processing_register().await.unwrap());
    assert!(
        again.contains("Prospects : 36 mois") && again.contains("signalés à l'administrateur"),
        "{again}"
    );
    assert!(t.client(Role::Manager).processing_register().await.is_err(), "the Admin's");
}
