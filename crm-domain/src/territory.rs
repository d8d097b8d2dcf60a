//! Territories: named areas of a company — postcodes or departments (the start of a
//! postcode: `33`, `2A`, `75011`) and/or industries — each given to a team. The postcode
//! of a new contact and the industry of its company find the territory that covers them
//! best (the longest postcode start, then one that names the industry, then by name); its
//! team's next sales rep is the owner suggested, or given when the owner is left to the
//! territories.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{TeamId, TenantId, TerritoryId};
use crate::text::{Label, Name, fold};
use chrono::{DateTime, Utc};

/// Most postcode starts in one territory.
pub const MAX_AREAS: usize = 300;
/// Most industries in one territory.
pub const MAX_INDUSTRIES: usize = 50;

/// A territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory {
    /// Id.
    pub id: TerritoryId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name, unique in the tenant (accents and case ignored).
    pub name: Name,
    /// The team it is given to.
    pub team_id: TeamId,
    /// Starts of postcodes (departments `33`, `2A`, or whole codes), upper case, no spaces.
    pub areas: Vec<String>,
    /// Industries as written (compared folded).
    pub industries: Vec<Label>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A territory as given by a caller.
#[derive(Debug, Clone, Default)]
pub struct TerritoryInput {
    /// Name.
    pub name: String,
    /// The team.
    pub team_id: Option<TeamId>,
    /// Postcode starts, as written (`33`, `40 `, `2a`, `75 011`).
    pub areas: Vec<String>,
    /// Industries.
    pub industries: Vec<String>,
}

/// What a valid input holds: name, team, areas, industries.
pub type CheckedTerritory = (Name, TeamId, Vec<String>, Vec<Label>);

/// A postcode or a start of one as compared: spaces out, upper case.
pub fn normal_postcode(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
}

/// A postcode start: 1 to 10 characters, digits, letters (Corsica's `2A`, `2B`; other
/// countries' codes) and hyphens.
fn area(raw: &str) -> Result<String, ViolationKind> {
    let a = normal_postcode(raw);
    if a.is_empty() {
        return Err(ViolationKind::Required);
    }
    if a.chars().count() > 10 {
        return Err(ViolationKind::TooLong);
    }
    if !a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ViolationKind::Malformed);
    }
    Ok(a)
}

impl TerritoryInput {
    /// Checks every field, each fault named (`name`, `team_id`, `areas.<i>`,
    /// `industries.<i>`); a territory names at least one area or one industry (`areas:
    /// required`).
    ///
    /// # Errors
    /// `Invalid` with every fault.
    pub fn check(&self) -> Result<CheckedTerritory, ValidationError> {
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(&self.name));
        if self.team_id.is_none() {
            v.push("team_id", ViolationKind::Required);
        }
        if self.areas.len() > MAX_AREAS {
            v.push("areas", ViolationKind::TooLarge);
        }
        if self.industries.len() > MAX_INDUSTRIES {
            v.push("industries", ViolationKind::TooLarge);
        }
        let mut areas: Vec<String> = Vec::new();
        for (i, raw) in self.areas.iter().enumerate().take(MAX_AREAS) {
            match area(raw) {
                Ok(a) if areas.contains(&a) => v.push(format!("areas.{i}"), ViolationKind::Repeated),
                Ok(a) => areas.push(a),
                Err(k) => v.push(format!("areas.{i}"), k),
            }
        }
        let mut industries: Vec<Label> = Vec::new();
        for (i, raw) in self.industries.iter().enumerate().take(MAX_INDUSTRIES) {
            if let Some(l) = v.check(&format!("industries.{i}"), Label::parse(raw)) {
                if industries.iter().any(|x| fold(x.as_str()) == fold(l.as_str())) {
                    v.push(format!("industries.{i}"), ViolationKind::Repeated);
                } else {
                    industries.push(l);
                }
            }
        }
        if self.areas.is_empty() && self.industries.is_empty() {
            v.push("areas", ViolationKind::Required);
        }
        v.finish()?;
        match (name, self.team_id) {
            (Some(n), Some(t)) => Ok((n, t, areas, industries)),
            _ => Err(ValidationError::field("name", ViolationKind::Required)),
        }
    }
}

impl Territory {
    /// How the territory covers a place: `None` when it does not (a postcode outside its
    /// areas, an industry outside its list — a missing one too, when it has a list); else
    /// the length of the longest area start matched (0 without areas) and whether it named
    /// the industry.
    pub fn coverage(&self, postal_code: Option<&str>, industry: Option<&str>) -> Option<(usize, bool)> {
        let reach = if self.areas.is_empty() {
            0
        } else {
            let code = normal_postcode(postal_code?);
            self.areas.iter().filter(|a| code.starts_with(a.as_str())).map(String::len).max()?
        };
        let named = if self.industries.is_empty() {
            false
        } else {
            let wanted = fold(industry?);
            if !self.industries.iter().any(|i| fold(i.as_str()) == wanted) {
                return None;
            }
            true
        };
        Some((reach, named))
    }
}

/// The territory that covers a place best: the longest postcode start, then one naming the
/// industry, then the first by name.
pub fn best<'a>(territories: &'a [Territory], postal_code: Option<&str>, industry: Option<&str>) -> Option<&'a Territory> {
    territories
        .iter()
        .filter_map(|t| t.coverage(postal_code, industry).map(|c| (c, t)))
        .max_by(|(a, ta), (b, tb)| a.cmp(b).then_with(|| fold(tb.name.as_str()).cmp(&fold(ta.name.as_str()))))
        .map(|(_, t)| t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn territory(name: &str, areas: &[&str], industries: &[&str]) -> Territory {
        let input = TerritoryInput {
            name: name.into(),
            team_id: Some(TeamId::from_uuid(Uuid::new_v4())),
            areas: areas.iter().map(|a| (*a).into()).collect(),
            industries: industries.iter().map(|i| (*i).into()).collect(),
        };
        let (name, team_id, areas, industries) = input.check().unwrap();
        Territory {
            id: TerritoryId::from_uuid(Uuid::new_v4()),
            tenant_id: TenantId::from_uuid(Uuid::new_v4()),
            name,
            team_id,
            areas,
            industries,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_longest_postcode_start_wins_then_the_industry() {
        let all = [
            territory("Sud-Ouest", &["33", "40", "64"], &[]),
            territory("Bordeaux centre", &["33000"], &[]),
            territory("Vins de Gironde", &["33"], &["Vins et spiritueux"]),
            territory("Corse", &["2a", "2B"], &[]),
            territory("Industrie", &[], &["Métallurgie"]),
        ];
        let name = |p: Option<&str>, i: Option<&str>| best(&all, p, i).map(|t| t.name.to_string());
        assert_eq!(name(Some("33 000"), None), Some("Bordeaux centre".into()));
        assert_eq!(name(Some("33700"), None), Some("Sud-Ouest".into()));
        assert_eq!(name(Some("33700"), Some("vins ET spiritueux")), Some("Vins de Gironde".into()));
        assert_eq!(name(Some("40100"), Some("Vins et spiritueux")), Some("Sud-Ouest".into()));
        assert_eq!(name(Some("20000"), None), None);
        assert_eq!(name(Some("2A004"), None), Some("Corse".into()));
        assert_eq!(name(None, Some("metallurgie")), Some("Industrie".into()));
        assert_eq!(name(None, None), None);
    }

    #[test]
    fn every_fault_is_named() {
        let input = TerritoryInput {
            name: " ".into(),
            team_id: None,
            areas: vec!["33".into(), " 3 3".into(), "7$".into(), String::new()],
            industries: vec!["Vins".into(), "VINS".into()],
        };
        let fields: Vec<_> = input
            .check()
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.kind))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("name".into(), ViolationKind::Required),
                ("team_id".into(), ViolationKind::Required),
                ("areas.1".into(), ViolationKind::Repeated),
                ("areas.2".into(), ViolationKind::Malformed),
                ("areas.3".into(), ViolationKind::Required),
                ("industries.1".into(), ViolationKind::Repeated),
            ]
        );
        let empty = TerritoryInput {
            name: "Vide".into(),
            team_id: Some(TeamId::from_uuid(Uuid::new_v4())),
            ..TerritoryInput::default()
        };
        assert_eq!(empty.check().unwrap_err().errors()[0].field, "areas");
    }
}
