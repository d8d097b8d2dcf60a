//! The report's activity figures: what the people of the scope did — in all, per person
//! and per team.

use crm_ports::store::ActivityCounts;
use poem_openapi::Object;
use uuid::Uuid;

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Activities of one kind done in the period and the one before.
#[derive(Debug, Clone, Object)]
pub struct ActivityDoneDto {
    /// `task`, `call`, `meeting`, `email` or `note`.
    pub kind: String,
    /// Done in the period.
    pub current: i64,
    /// Done in the period before.
    pub previous: i64,
}

/// What the people of the scope did.
#[derive(Debug, Clone, Object)]
pub struct ActivityFiguresDto {
    /// Per kind: tasks completed; calls, meetings, emails and notes that took place.
    pub done: Vec<ActivityDoneDto>,
    /// Every kind, in the period.
    pub done_current: i64,
    /// Every kind, in the period before.
    pub done_previous: i64,
    /// Tasks overdue now.
    pub overdue_tasks_now: i64,
    /// Tasks overdue at the end of the period before.
    pub overdue_tasks_previous: i64,
    /// Prospects created in the period.
    pub new_leads_current: i64,
    /// Prospects created in the period before.
    pub new_leads_previous: i64,
}

/// What one person did.
#[derive(Debug, Clone, Object)]
pub struct RepActivityDto {
    /// The person.
    pub user_id: Uuid,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFiguresDto,
}

/// What the people of one team did.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamActivityDto {
    /// The team (none: people in no team).
    pub team_id: Option<Uuid>,
    /// Its name.
    pub team_name: Option<String>,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFiguresDto,
}

pub(super) fn activity_dto(a: &ActivityCounts) -> ActivityFiguresDto {
    let [done_current, done_previous] = a.done_total();
    ActivityFiguresDto {
        done: a
            .done
            .iter()
            .map(|(kind, [c, p])| ActivityDoneDto {
                kind: kind.clone(),
                current: n(*c),
                previous: n(*p),
            })
            .collect(),
        done_current: n(done_current),
        done_previous: n(done_previous),
        overdue_tasks_now: n(a.overdue_tasks[0]),
        overdue_tasks_previous: n(a.overdue_tasks[1]),
        new_leads_current: n(a.new_leads[0]),
        new_leads_previous: n(a.new_leads[1]),
    }
}
