//! The sales report as files, read back by independent tools: `pdftotext` finds the French
//! labels and the figures in the PDF and `pdftoppm` renders its pages (kept under
//! `target/report-pages/` to look at); openpyxl reads the workbook's typed cells and its
//! charts; the CSV holds plain numbers with a decimal comma. A retry with the same
//! `Idempotency-Key` gets the same bytes; a sales rep's file holds none of another rep's
//! deals.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{NewOpportunity, ReportExportWrite};
use std::path::PathBuf;
use std::process::Command;

/// Whether a tool runs; under CI it must.
pub fn have(tool: &str, arg: &str) -> bool {
    let ok = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    assert!(
        ok || std::env::var("CI").is_err(),
        "{tool} is needed under CI (.ci/run installs it)"
    );
    ok
}

pub fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/report-pages");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Spaces of every kind as one plain space.
pub fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_comes_out_as_pdf_workbook_and_csv_read_back_by_other_tools() {
    let (pdf_tools, openpyxl) = (have("pdftotext", "-v"), have("python3", "--version"));
    let s = spawn_app().await;
    let t = tenant(&s, "Rapports fichiers").await;
    let (admin, rep) = (t.client(Role::Admin), t.client(Role::Sales));
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let last = pipeline.stages.last().unwrap().id;
    let win = |who: &'static str, value: i64| {
        let c = if who == "rep" { rep } else { admin };
        async move {
            let o = c
                .create_opportunity(&NewOpportunity {
                    pipeline_id: pipeline.id,
                    stage_id: Some(last),
                    title: format!("Affaire {value}"),
                    value_minor: value,
                    ..NewOpportunity::default()
                })
                .await
                .unwrap();
            c.win_opportunity(o.id, o.version).await.unwrap();
        }
    };
    win("rep", 1_234_567).await;
    win("admin", 99_999).await;
    let ask = |format: &str, scope: &str| ReportExportWrite {
        format: format.into(),
        scope: Some(scope.into()),
        ..ReportExportWrite::default()
    };

    // The PDF: French labels and the figures, page by page.
    let pdf = admin.export_report(&ask("pdf", "company"), Some("rapport-pdf-1")).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let again = admin.export_report(&ask("pdf", "company"), Some("rapport-pdf-1")).await.unwrap();
    assert_eq!(pdf, again, "a retry with the same key gets the same file");
    let path = dir().join("rapport-admin.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if pdf_tools {
        let out = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = plain(&String::from_utf8_lossy(&out.stdout));
        for needle in [
            "Rapport des ventes — Rapports fichiers",
            "Indicateurs",
            "Affaires gagnées",
            "Taux de réussite",
            "Montant gagné (EUR)",
            // 12,345.67 € + 999.99 €, and their average 6,672.83 € (half to even).
            "13 345,66 €",
            "6 672,83 €",
            "Entonnoir de conversion",
            "Généré le",
            "page 1 / ",
        ] {
            assert!(text.contains(needle), "{needle:?} not in the PDF's text:\n{text}");
        }
        let prefix = dir().join("rapport-admin");
        let shot = Command::new("pdftoppm")
            .args(["-png", "-r", "60"])
            .arg(&path)
            .arg(&prefix)
            .output()
            .unwrap();
        assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
        assert!(dir().join("rapport-admin-1.png").exists());
    }

    // The workbook: typed cells and native charts.
    let xlsx = admin.export_report(&ask("xlsx", "company"), None).await.unwrap();
    let path = dir().join("rapport-admin.xlsx");
    std::fs::write(&path, &xlsx).unwrap();
    if openpyxl {
        let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "cells": {}, "charts": {}}
for ws in wb.worksheets:
    out["charts"][ws.title] = len(ws._charts)
    out["cells"][ws.title] = [[(type(c.value).__name__, c.value, c.number_format) for c in row] for row in ws.iter_rows(min_row=5)]
print(json.dumps(out, default=str))
"#;
        let out = Command::new("python3").arg("-c").arg(script).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sheets: Vec<&str> = v["sheets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(sheets[0], "Indicateurs", "{sheets:?}");
        let rows = v["cells"]["Indicateurs"].as_array().unwrap();
        let row = |label: &str| {
            rows.iter()
                .find(|r| r[0][1] == label)
                .unwrap_or_else(|| panic!("{label} in {rows:?}"))
        };
        let won = row("Affaires gagnées");
        assert_eq!((won[1][0].as_str(), won[1][1].as_i64()), (Some("int"), Some(2)));
        let amount = row("Montant gagné (EUR)");
        assert_eq!(amount[1][0], "float");
        assert!((amount[1][1].as_f64().unwrap() - 13_345.66).abs() < 1e-9, "{amount:?}");
        assert!(amount[1][2].as_str().unwrap().contains('€'), "{amount:?}");
        let rate = row("Taux de réussite");
        assert_eq!((rate[1][1].as_f64(), rate[1][2].as_str()), (Some(1.0), Some("0.0%")));
        assert!(v["charts"]["Ventes gagnées par devise"].as_u64().unwrap() >= 1, "{v}");
        assert!(sheets.iter().any(|s| s.starts_with("Entonnoir")), "{sheets:?}");
    }

    // CSV: numbers with a decimal comma, as French Excel opens them.
    let csv = String::from_utf8(admin.export_report(&ask("csv", "company"), None).await.unwrap()).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Montant gagné (EUR);13345,66;0,00\r\n"), "{csv}");

    // The rep's file: their deal only, whatever they ask for.
    let theirs = String::from_utf8(rep.export_report(&ask("csv", "company"), None).await.unwrap()).unwrap();
    assert!(theirs.contains("Montant gagné (EUR);12345,67;0,00\r\n"), "{theirs}");
    assert!(!theirs.contains("999,99") && !theirs.contains("13345,66"), "{theirs}");
    let e = t
        .client(Role::Marketing)
        .export_report(&ask("pdf", "company"), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&crm_sdk::ErrorCode::Forbidden));
    let e = admin.export_report(&ask("docx", "company"), None).await.unwrap_err();
    assert!(format!("{e:?}").contains("format"), "{e:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribed_report_arrives_by_email_with_its_file() {
    use crm_sdk::models::ReportSubscriptionWrite;
    use crm_server::config::{FileConfig, Secret};
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = crm_mail_smtp::sink::SmtpSink::start(crate::email::root(), mail_dir.path()).unwrap();
    let s = crate::support::spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            smtp_url: Some(Some(Secret::new(sink.url()))),
            mail_from: Some(Some("rapports@exemple.com".into())),
            ..FileConfig::default()
        },
    )
    .await;
    let t = tenant(&s, "Rapports courriel").await;
    let manager = t.client(Role::Manager);
    let sub = manager
        .subscribe_report(&ReportSubscriptionWrite {
            frequency: "weekly".into(),
            format: Some("pdf".into()),
            scope: Some("team".into()),
            send_now: true,
        })
        .await
        .unwrap();
    // Next Monday at 07:00 in Paris (05:00 or 06:00 UTC).
    use chrono::{Datelike, Timelike};
    let paris = sub.next_at.with_timezone(&crm_domain::tenant::TimeZone::PARIS.tz());
    assert_eq!(
        (paris.weekday(), paris.hour(), paris.minute()),
        (chrono::Weekday::Mon, 7, 0),
        "{sub:?}"
    );
    assert_eq!(manager.report_subscriptions().await.unwrap(), vec![sub.clone()]);
    // The same frequency twice: refused with its field.
    let again = manager
        .subscribe_report(&ReportSubscriptionWrite {
            frequency: "weekly".into(),
            ..ReportSubscriptionWrite::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{again:?}").contains("frequency"), "{again:?}");
    // The one sent now arrives with the PDF attached.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let raw = loop {
        if let Some(m) = sink.messages().unwrap().into_iter().next() {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "no report mailed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(
        raw.contains(&format!("To: {}", t.emails[&Role::Manager])) || raw.contains(&t.emails[&Role::Manager]),
        "{raw}"
    );
    assert!(raw.contains("rapports@exemple.com"), "{raw}");
    assert!(raw.contains("Content-Type: application/pdf"), "{raw}");
    assert!(raw.contains("rapport-ventes-2"), "{raw}");
    // Another user cannot end it; its owner can.
    let other = t.client(Role::Admin).unsubscribe_report(sub.id).await.unwrap_err();
    assert_eq!(other.code(), Some(&crm_sdk::ErrorCode::NotFound));
    manager.unsubscribe_report(sub.id).await.unwrap();
    assert!(manager.report_subscriptions().await.unwrap().is_empty());
    s.stop().await;
}
