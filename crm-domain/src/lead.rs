//! Leads: prospects coming in (from Marketing, a form, an import) that someone qualifies
//! before a sales rep works them, and the customer cycle they start (prospect, client,
//! former client).
//!
//! A lead waiting for a sales rep is *pooled*: its owner is who brought it in, and it is
//! seen by Marketing, Managers and Admins, never by a sales rep. Handing it over (only once
//! qualified) gives it an owner and takes it out of the pool.

use crate::contact::ContactKind;
use crate::error::{ValidationError, ViolationKind};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a lead stands in its qualification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Just came in, nobody looked at it yet.
    New,
    /// Someone is finding out (called, emailed).
    Working,
    /// Worth a sales rep's time.
    Qualified,
    /// Not worth it, for a reason of the company's list.
    Disqualified,
}

impl LeadStatus {
    /// Every status, in the order of the cycle.
    pub const ALL: [Self; 4] = [Self::New, Self::Working, Self::Qualified, Self::Disqualified];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Working => "working",
            Self::Qualified => "qualified",
            Self::Disqualified => "disqualified",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown` otherwise.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }

    /// Whether a lead in this status may move to `to`: forward through the cycle, back to
    /// work from qualified or disqualified (a second look), never back to new.
    pub const fn may_become(self, to: Self) -> bool {
        use LeadStatus::{Disqualified, New, Qualified, Working};
        matches!(
            (self, to),
            (New, Working | Qualified | Disqualified)
                | (Working, Qualified | Disqualified)
                | (Qualified, Working | Disqualified)
                | (Disqualified, Working)
        )
    }
}

/// The built-in reasons for disqualifying a lead (the interface translates their codes);
/// a company replaces them with its own list.
pub const BUILT_IN_REASONS: [&str; 5] = ["no_budget", "no_need", "unreachable", "competitor", "not_a_fit"];

/// Most reasons in a company's list.
pub const MAX_REASONS: usize = 50;

/// A reason of the company's list: a stable code, and a label unless the code is built in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadReason {
    /// Stable code (`a-z`, `0-9`, `_`, `-`; 1 to 40 characters).
    pub code: String,
    /// What people read; `None` for a built-in code (translated by the interface).
    pub label: Option<String>,
}

impl LeadReason {
    /// The built-in list.
    pub fn built_in() -> Vec<Self> {
        BUILT_IN_REASONS
            .iter()
            .map(|c| Self {
                code: (*c).to_owned(),
                label: None,
            })
            .collect()
    }

    /// Checks a company's list: valid unique codes, a label for each code that is not built
    /// in, labels of at most 100 characters, at most [`MAX_REASONS`]. Faults are named
    /// `reasons.<index>.code` or `.label`.
    ///
    /// # Errors
    /// Every fault.
    pub fn check_list(list: &[Self]) -> Result<Vec<Self>, ValidationError> {
        let mut v = crate::error::Validator::new();
        if list.len() > MAX_REASONS {
            return Err(ValidationError::field("reasons", ViolationKind::TooLarge));
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, r) in list.iter().enumerate() {
            let code = r.code.trim();
            let code_ok = (1..=40).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
            if !code_ok {
                v.push(format!("reasons.{i}.code"), ViolationKind::Malformed);
            } else if !seen.insert(code.to_owned()) {
                v.push(format!("reasons.{i}.code"), ViolationKind::Repeated);
            }
            let label = r.label.as_deref().map(str::trim).filter(|l| !l.is_empty());
            match label {
                None if !BUILT_IN_REASONS.contains(&code) => v.push(format!("reasons.{i}.label"), ViolationKind::Required),
                Some(l) if l.chars().count() > 100 => v.push(format!("reasons.{i}.label"), ViolationKind::TooLong),
                _ => {}
            }
            out.push(Self {
                code: code.to_owned(),
                label: label.map(str::to_owned),
            });
        }
        v.finish()?;
        Ok(out)
    }
}

/// Most months of the former-client rule (ten years).
pub const MAX_FORMER_CLIENT_MONTHS: u16 = 120;

/// The company's settings of the customer cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadSettings {
    /// The disqualification reasons offered.
    pub reasons: Vec<LeadReason>,
    /// A client with no open deal and no deal won for this many months becomes a former
    /// client (`None`: never).
    pub former_client_after_months: Option<u16>,
}

impl Default for LeadSettings {
    fn default() -> Self {
        Self {
            reasons: LeadReason::built_in(),
            former_client_after_months: None,
        }
    }
}

impl LeadSettings {
    /// Checks the settings: the list (see [`LeadReason::check_list`]) and the months (1 to
    /// [`MAX_FORMER_CLIENT_MONTHS`], `former_client_after_months`).
    ///
    /// # Errors
    /// Every fault.
    pub fn check(&self) -> Result<Self, ValidationError> {
        let mut v = crate::error::Validator::new();
        let reasons = v.check("", LeadReason::check_list(&self.reasons));
        if let Some(m) = self.former_client_after_months
            && !(1..=MAX_FORMER_CLIENT_MONTHS).contains(&m)
        {
            v.push("former_client_after_months", ViolationKind::OutOfRange);
        }
        v.finish()?;
        Ok(Self {
            reasons: reasons.unwrap_or_default(),
            former_client_after_months: self.former_client_after_months,
        })
    }
}

/// A prospect's qualification as a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// Where it stands.
    pub status: LeadStatus,
    /// Why it was disqualified (a code of the company's list); only when disqualified.
    pub reason: Option<String>,
    /// Waiting in the pool for a sales rep (not handed over yet).
    pub pooled: bool,
    /// Who set the status last (`None`: the system).
    pub changed_by: Option<UserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// When it was first qualified (kept when it moves on: the funnel counts it).
    pub qualified_at: Option<DateTime<Utc>>,
}

impl Lead {
    /// A lead that just came in: new, pooled.
    pub fn incoming(by: Option<UserId>, at: DateTime<Utc>) -> Self {
        Self {
            status: LeadStatus::New,
            reason: None,
            pooled: true,
            changed_by: by,
            changed_at: at,
            qualified_at: None,
        }
    }

    /// The lead after moving a contact of `kind` (currently `current`) to `to`, for
    /// `reason` checked against the company's `reasons`. A prospect that was not a lead
    /// becomes one (not pooled: it already has its owner).
    ///
    /// # Errors
    /// `kind` not allowed (only prospects are leads); `status` repeated or not allowed
    /// from the current one; `reason` required (to disqualify), unknown (not in the list)
    /// or not allowed (for any other status).
    pub fn moved(
        kind: ContactKind,
        current: Option<&Self>,
        to: LeadStatus,
        reason: Option<&str>,
        reasons: &[LeadReason],
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        if kind != ContactKind::Prospect {
            return Err(ValidationError::field("kind", ViolationKind::NotAllowed));
        }
        if let Some(c) = current {
            if c.status == to {
                return Err(ValidationError::field("status", ViolationKind::Repeated));
            }
            if !c.status.may_become(to) {
                return Err(ValidationError::field("status", ViolationKind::NotAllowed));
            }
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let reason = match (to, reason) {
            (LeadStatus::Disqualified, None) => return Err(ValidationError::field("reason", ViolationKind::Required)),
            (LeadStatus::Disqualified, Some(r)) if !reasons.iter().any(|x| x.code == r) => {
                return Err(ValidationError::field("reason", ViolationKind::Unknown));
            }
            (LeadStatus::Disqualified, Some(r)) => Some(r.to_owned()),
            (_, Some(_)) => return Err(ValidationError::field("reason", ViolationKind::NotAllowed)),
            (_, None) => None,
        };
        let qualified_at = current.and_then(|c| c.qualified_at).or((to == LeadStatus::Qualified).then_some(at));
        Ok(Self {
            status: to,
            reason,
            pooled: current.is_some_and(|c| c.pooled),
            changed_by: by,
            changed_at: at,
            qualified_at,
        })
    }

    /// Whether a pooled lead may be handed over to a sales rep now.
    ///
    /// # Errors
    /// `status` not allowed unless qualified; `owner_id` not allowed when it was handed
    /// over already.
    pub fn check_hand_over(&self) -> Result<(), ValidationError> {
        if !self.pooled {
            return Err(ValidationError::field("owner_id", ViolationKind::NotAllowed));
        }
        if self.status != LeadStatus::Qualified {
            return Err(ValidationError::field("status", ViolationKind::NotAllowed));
        }
        Ok(())
    }
}

/// The next sales rep of a round-robin: the one after `last` among `reps` (sorted by id),
/// the first when `last` is none or gone; `None` when there is nobody.
pub fn next_in_rotation(reps: &[UserId], last: Option<UserId>) -> Option<UserId> {
    let mut sorted = reps.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    match last {
        Some(l) => sorted.iter().find(|u| **u > l).or(sorted.first()).copied(),
        None => sorted.first().copied(),
    }
}

/// Where a contact may go in the customer cycle by hand ("convertir en client"): a prospect
/// or a former client becomes a client.
///
/// # Errors
/// `kind` not allowed from a client or a partner.
pub fn check_conversion(kind: ContactKind) -> Result<(), ValidationError> {
    match kind {
        ContactKind::Prospect | ContactKind::FormerClient => Ok(()),
        ContactKind::Client | ContactKind::Partner => Err(ValidationError::field("kind", ViolationKind::NotAllowed)),
    }
}

#[cfg(test)]
mod tests;
