//! Tests of the tenant settings.

use super::*;

#[test]
fn defaults_are_french() {
    let s = TenantSettings::default();
    assert_eq!(s.country.as_str(), "FR");
    assert_eq!(s.currency.as_str(), "EUR");
    assert_eq!(s.time_zone.name(), "Europe/Paris");
    assert_eq!(s.language, Language::Fr);
}

#[test]
fn apply_reports_every_bad_field() {
    let err = TenantSettings::default()
        .apply(&SettingsInput {
            country: Some("XX".into()),
            currency: Some("EURO".into()),
            time_zone: Some("Mars/Olympus".into()),
            language: Some("de".into()),
            working_days: Some(vec!["lun".into()]),
            second_factor_for_admins: None,
            password_min_length: Some(8),
            refuse_common_passwords: None,
            session_hours: Some(1000),
            audience: Some("b2x".into()),
            retention_months: Some(2),
            retention_action: Some("forget".into()),
        })
        .unwrap_err();
    let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "country",
            "currency",
            "time_zone",
            "language",
            "working_days",
            "password_min_length",
            "session_hours",
            "audience",
            "retention_months",
            "retention_action"
        ]
    );
}

#[test]
fn apply_changes_values() {
    let s = TenantSettings::default()
        .apply(&SettingsInput {
            country: Some("be".into()),
            time_zone: Some("Europe/Brussels".into()),
            second_factor_for_admins: Some(true),
            ..SettingsInput::default()
        })
        .unwrap();
    assert_eq!(s.country.as_str(), "BE");
    assert!(s.second_factor_for_admins);
    assert_eq!(s.time_zone.name(), "Europe/Brussels");
    assert_eq!(s.currency, Currency::EUR);
}

#[test]
fn working_days_read_and_skip() {
    assert_eq!(TenantSettings::default().working_days.codes(), ["mon", "tue", "wed", "thu", "fri"]);
    let w = WorkingDays::parse(&["SAT", "tue", "tue"]).unwrap();
    assert_eq!(w.codes(), ["tue", "sat"]);
    assert!(WorkingDays::parse::<&str>(&[]).is_err());
    // 2026-12-05 is a Saturday: Monday to Friday moves it to Monday the 7th.
    let sat = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    assert_eq!(
        WorkingDays::default().on_or_after(sat),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    );
    assert_eq!(w.on_or_after(sat), sat);
    // Settings saved before working days existed read as Monday to Friday.
    let old: TenantSettings =
        serde_json::from_str(r#"{"country":"FR","currency":"EUR","time_zone":"Europe/Paris","language":"fr"}"#).unwrap();
    assert_eq!(old.working_days, WorkingDays::default());
    let json = serde_json::to_string(&TenantSettings::default()).unwrap();
    assert!(json.contains(r#""working_days":["mon","tue","wed","thu","fri"]"#), "{json}");
}

#[test]
fn due_dates_fall_on_working_days() {
    let s = TenantSettings::default();
    // Saturday 5 December 2026, 10:00 in Paris (09:00 UTC) → Monday 7, 10:00 in Paris.
    let sat = "2026-12-05T09:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(s.on_working_day(sat), "2026-12-07T09:00:00Z".parse::<DateTime<Utc>>().unwrap());
    let fri = "2026-12-04T09:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(s.on_working_day(fri), fri);
    // Saturday 23:30 UTC is already Sunday in Paris: still Monday, 00:30 in Paris.
    let late = "2026-12-05T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(s.on_working_day(late), "2026-12-06T23:30:00Z".parse::<DateTime<Utc>>().unwrap());
}

#[test]
fn a_stored_country_is_taken_as_parse_wrote_it() {
    for raw in ["fr", "BE", " de "] {
        let parsed = CountryCode::parse(raw).map(|c| c.as_str().to_owned());
        let again = parsed
            .as_deref()
            .map(CountryCode::from_stored)
            .map(|c| c.map(|c| c.as_str().to_owned()));
        assert_eq!(again, Ok(Ok(raw.trim().to_ascii_uppercase())), "{raw}");
    }
    for bad in ["", "F", "fr", "FRA", "F1", "ÉT"] {
        assert!(CountryCode::from_stored(bad).is_err(), "{bad}");
    }
}
