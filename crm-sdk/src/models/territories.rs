//! Territories: postcode starts and industries given to a team.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Territory {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The team it is given to.
    pub team_id: Uuid,
    /// Starts of postcodes (`33`, `2A`, `75011`), upper case.
    pub areas: Vec<String>,
    /// Industries.
    pub industries: Vec<String>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A territory to add, or its new fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerritoryWrite {
    /// Name (unique in the company).
    pub name: String,
    /// The team.
    pub team_id: Uuid,
    /// Starts of postcodes.
    #[serde(default)]
    pub areas: Vec<String>,
    /// Industries.
    #[serde(default)]
    pub industries: Vec<String>,
}

/// Where a place falls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerritoryMatch {
    /// The territory covering it (none: no territory does).
    #[serde(default)]
    pub territory: Option<Territory>,
    /// Its team's name.
    #[serde(default)]
    pub team_name: Option<String>,
}
