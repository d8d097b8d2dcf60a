//! Lead scoring by rules: each rule of a company gives points for something of the
//! contact's profile (a word in the job title, the industry or size of their company, a
//! source, a tag) or for each engagement (an email opened, clicked or answered, a meeting
//! held, a call made), and an engagement's points fade with the rule's half-life. The score
//! is the sum, and every point is explained: which rule gave how many, for what, when.
//!
//! Arithmetic: points are counted in hundredths; an engagement's share is
//! `points × 100 × 0.5^(age / half-life)`, rounded to the nearest hundredth; the score is
//! the sum of the lines, rounded to the nearest whole point (halves away from zero).

pub mod learned;

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::organization::OrganizationSize;
use crate::text::{Label, fold};
use crate::{TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most points one rule gives (or takes).
pub const MAX_POINTS: i32 = 1_000;
/// The longest half-life, in days.
pub const MAX_HALF_LIFE_DAYS: u32 = 3_650;
/// The most words or values one profile rule lists.
pub const MAX_VALUES: usize = 50;

/// What one engagement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engagement {
    /// An email to the contact was opened (each email once).
    EmailOpened,
    /// A link of an email to the contact was followed (each email once).
    EmailClicked,
    /// The contact answered an email (each email once).
    EmailReplied,
    /// A meeting with the contact took place.
    MeetingHeld,
    /// A call with the contact took place.
    CallMade,
}

impl Engagement {
    /// Every engagement.
    pub const ALL: [Self; 5] = [
        Self::EmailOpened,
        Self::EmailClicked,
        Self::EmailReplied,
        Self::MeetingHeld,
        Self::CallMade,
    ];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::EmailOpened => "email_opened",
            Self::EmailClicked => "email_clicked",
            Self::EmailReplied => "email_replied",
            Self::MeetingHeld => "meeting_held",
            Self::CallMade => "call_made",
        }
    }

    /// The engagement of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The job title holds one of these words (accents and case ignored).
    JobTitle {
        /// Words.
        words: Vec<String>,
    },
    /// The company's industry is one of these (accents and case ignored).
    Industry {
        /// Industries.
        values: Vec<String>,
    },
    /// The company's size is one of these.
    OrganizationSize {
        /// Sizes.
        sizes: Vec<OrganizationSize>,
    },
    /// The contact's source is one of these (accents and case ignored).
    Source {
        /// Sources.
        values: Vec<String>,
    },
    /// The contact has this tag.
    Tag {
        /// The tag.
        tag: String,
    },
    /// Each engagement of this kind.
    Engagement {
        /// Which.
        engagement: Engagement,
    },
}

impl Signal {
    /// Whether it counts engagements (whose points fade), not the profile.
    pub const fn is_engagement(&self) -> bool {
        matches!(self, Self::Engagement { .. })
    }
}

/// What an Admin or Marketing writes of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringRuleInput {
    /// Its name, as the breakdown shows it.
    pub name: String,
    /// What it looks at.
    pub signal: Signal,
    /// Points (negative: taken).
    pub points: i32,
    /// Days after which an engagement's points are halved (engagement rules; none: they
    /// never fade).
    pub half_life_days: Option<u32>,
    /// Whether it counts.
    pub active: bool,
}

/// A checked rule's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Name.
    pub name: Label,
    /// What it looks at (words folded, no repeats).
    pub signal: Signal,
    /// Points.
    pub points: i32,
    /// Half-life (engagement rules only).
    pub half_life_days: Option<u32>,
    /// Counts.
    pub active: bool,
}

fn folded_list(v: &mut Validator, field: &str, raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if raw.is_empty() {
        v.push(field, ViolationKind::Required);
    }
    if raw.len() > MAX_VALUES {
        v.push(field, ViolationKind::TooLarge);
    }
    for (i, w) in raw.iter().enumerate() {
        match Label::parse(w) {
            Ok(l) => {
                let f = fold(l.as_str());
                if !out.contains(&f) {
                    out.push(f);
                }
            }
            Err(e) => {
                v.check::<()>(&format!("{field}[{i}]"), Err(e));
            }
        }
    }
    out
}

impl ScoringRuleInput {
    /// Checks every field at once.
    ///
    /// # Errors
    /// `name`; `signal.words` / `signal.values` / `signal.sizes` (none, too many, a bad
    /// one), `signal.tag`; `points` (0 or beyond ±1,000); `half_life_days` (0, beyond ten
    /// years, or on a profile rule).
    pub fn validate(&self) -> Result<RuleSpec, ValidationError> {
        let mut v = Validator::new();
        let name = v.check("name", Label::parse(&self.name));
        let signal = match &self.signal {
            Signal::JobTitle { words } => Signal::JobTitle {
                words: folded_list(&mut v, "signal.words", words),
            },
            Signal::Industry { values } => Signal::Industry {
                values: folded_list(&mut v, "signal.values", values),
            },
            Signal::Source { values } => Signal::Source {
                values: folded_list(&mut v, "signal.values", values),
            },
            Signal::OrganizationSize { sizes } => {
                if sizes.is_empty() {
                    v.push("signal.sizes", ViolationKind::Required);
                }
                let mut s = sizes.clone();
                s.sort_by_key(|x| x.code());
                s.dedup();
                Signal::OrganizationSize { sizes: s }
            }
            Signal::Tag { tag } => {
                let t = v.check("signal.tag", crate::text::Tag::parse(tag));
                Signal::Tag {
                    tag: t.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                }
            }
            Signal::Engagement { engagement } => Signal::Engagement { engagement: *engagement },
        };
        if self.points == 0 {
            v.push("points", ViolationKind::Required);
        }
        if self.points.abs() > MAX_POINTS {
            v.push("points", ViolationKind::TooLarge);
        }
        match self.half_life_days {
            Some(_) if !signal.is_engagement() => v.push("half_life_days", ViolationKind::NotAllowed),
            Some(0) => v.push("half_life_days", ViolationKind::TooSmall),
            Some(d) if d > MAX_HALF_LIFE_DAYS => v.push("half_life_days", ViolationKind::TooLarge),
            _ => {}
        }
        v.finish()?;
        Ok(RuleSpec {
            name: name.ok_or_else(|| ValidationError::field("name", ViolationKind::Required))?,
            signal,
            points: self.points,
            half_life_days: self.half_life_days,
            active: self.active,
        })
    }
}

/// A company's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringRule {
    /// Id.
    pub id: Uuid,
    /// Company.
    pub tenant_id: TenantId,
    /// Content.
    pub spec: RuleSpec,
    /// Who wrote it last.
    pub updated_by: Option<UserId>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a contact's score is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFacts {
    /// Job title.
    pub job_title: Option<String>,
    /// Their company's industry.
    pub industry: Option<String>,
    /// Their company's size.
    pub size: Option<OrganizationSize>,
    /// Source.
    pub source: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Engagements, each with when it happened.
    pub engagements: Vec<(Engagement, DateTime<Utc>)>,
}

/// One line of a score's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    /// The rule.
    pub rule_id: Uuid,
    /// Its name.
    pub rule: String,
    /// Points given, in hundredths (faded for an engagement).
    pub hundredths: i64,
    /// The engagement's time (none: the profile).
    pub at: Option<DateTime<Utc>>,
}

/// A score and its explanation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The score, whole points.
    pub score: i32,
    /// Every line that gave points, the profile's first, then engagements newest first.
    pub lines: Vec<ScoreLine>,
}

fn holds(text: Option<&str>, words: &[String]) -> bool {
    text.is_some_and(|t| {
        let t = fold(t);
        words.iter().any(|w| t.contains(w.as_str()))
    })
}

fn is_one_of(text: Option<&str>, values: &[String]) -> bool {
    text.is_some_and(|t| values.contains(&fold(t)))
}

/// `points` hundredths after `age_days` with a half-life of `half_life` days.
fn faded(points: i32, age_days: f64, half_life: Option<u32>) -> i64 {
    let full = f64::from(points) * 100.0;
    let share = match half_life {
        Some(h) if age_days > 0.0 => full * 0.5f64.powf(age_days / f64::from(h)),
        _ => full,
    };
    // Within ±100,000 hundredths: exact in f64, and the cast cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let rounded = share.round() as i64;
    rounded
}

/// The score of a contact with `facts` under the active `rules` at `now`.
pub fn score(rules: &[ScoringRule], facts: &ContactFacts, now: DateTime<Utc>) -> Breakdown {
    let mut profile = Vec::new();
    let mut engaged = Vec::new();
    for r in rules.iter().filter(|r| r.spec.active) {
        let line = |hundredths: i64, at: Option<DateTime<Utc>>| ScoreLine {
            rule_id: r.id,
            rule: r.spec.name.as_str().to_owned(),
            hundredths,
            at,
        };
        let hit = match &r.spec.signal {
            Signal::JobTitle { words } => holds(facts.job_title.as_deref(), words),
            Signal::Industry { values } => is_one_of(facts.industry.as_deref(), values),
            Signal::Source { values } => is_one_of(facts.source.as_deref(), values),
            Signal::OrganizationSize { sizes } => facts.size.is_some_and(|s| sizes.contains(&s)),
            Signal::Tag { tag } => facts.tags.iter().any(|t| fold(t) == fold(tag)),
            Signal::Engagement { engagement } => {
                for (_, at) in facts.engagements.iter().filter(|(e, _)| e == engagement) {
                    #[allow(clippy::cast_precision_loss)] // seconds of a few years
                    let age_days = (now - *at).num_seconds().max(0) as f64 / 86_400.0;
                    let h = faded(r.spec.points, age_days, r.spec.half_life_days);
                    if h != 0 {
                        engaged.push(line(h, Some(*at)));
                    }
                }
                false
            }
        };
        if hit {
            profile.push(line(i64::from(r.spec.points) * 100, None));
        }
    }
    engaged.sort_by(|a, b| b.at.cmp(&a.at).then(a.rule_id.cmp(&b.rule_id)));
    let total: i64 = profile.iter().chain(&engaged).map(|l| l.hundredths).sum();
    // Half away from zero, in whole points.
    let whole = if total >= 0 { (total + 50) / 100 } else { (total - 50) / 100 };
    profile.extend(engaged);
    Breakdown {
        score: i32::try_from(whole).unwrap_or(if whole > 0 { i32::MAX } else { i32::MIN }),
        lines: profile,
    }
}

#[cfg(test)]
#[path = "scoring/tests.rs"]
mod tests;
