//! The demo's deals over the last 18 months: each month's deals opened in the weeks before
//! it and moved through the stages (each step dated when it happened, through the same
//! application under a clock set to that day), then won or lost within their month — more
//! of them, and larger, as the months go, so that the funnel, the sales by period and the
//! forecast against actual tell a story. A quarter of them are still open, opened in the
//! last two months and expected to close in the coming ones; a few older ones slipped
//! (still open, their expected close past). Each Manager validated their team's forecast
//! at the start of every month, so the forecast's history sets what was submitted
//! against what was won.

use crate::Generator;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use crm_domain::contact::Contact;
use crm_domain::pipeline::Pipeline;
use crm_domain::report::{PeriodKind, ReportPeriod};
use crm_domain::{Actor, TeamId, UserId};
use crm_ports::services::team_forecast::SubmitForecast;
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Past months with deals (the oldest 17 months before this one).
const MONTHS: u32 = 17;

/// Why deals were lost.
const LOST: [&str; 3] = ["Prix trop élevé", "Concurrent retenu", "Projet reporté"];

/// What a company's deals need.
pub(super) struct DealPlan<'a> {
    /// Who records them (the reps own them).
    pub admin: Actor,
    /// Where they go.
    pub pipeline: &'a Pipeline,
    /// What the company sells.
    pub trade: &'static crate::trades::Trade,
    /// The company's contacts; a deal goes to one owned by a rep, and is that rep's.
    pub contacts: &'a [Contact],
    /// The sales reps, in order (the first is `commercial1`).
    pub reps: &'a [UserId],
    /// Each team's Manager and the team: every month they validate its forecast.
    pub teams: &'a [(Actor, TeamId)],
    /// How many.
    pub count: u64,
}

/// What the Managers write as they validate a month's forecast.
const COMMENTS: [&str; 3] = [
    "Prévision validée en réunion d'équipe.",
    "Deux signatures attendues en fin de mois ; prudence sur le reste.",
    "Revue affaire par affaire avec chaque commercial.",
];

/// Each Manager validates their team's forecast of the period holding `day`, as it stands
/// at `when` (the team's open deals expected in the period).
async fn validate<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    teams: &[(Actor, TeamId)],
    day: NaiveDate,
    kind: PeriodKind,
    note: usize,
) -> Result<(), ServiceError> {
    for (k, (manager, team)) in teams.iter().enumerate() {
        let input = SubmitForecast {
            adjustments: Vec::new(),
            comment: Some(COMMENTS[(note + k) % COMMENTS.len()].into()),
        };
        app.submit_forecast(manager, *team, ReportPeriod::containing(day, kind), &input)
            .await?;
    }
    Ok(())
}

/// The first day of the month `back` months before `today`'s, at 9:00 UTC.
fn month_start(today: DateTime<Utc>, back: u32) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today.date_naive());
    let day = first.checked_sub_months(Months::new(back)).unwrap_or(first);
    Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap_or_default())
}

/// The past month (0, the oldest, to `MONTHS - 1`, last month) of the `j`-th of `n` past
/// deals: later months weigh more (4 + their number), so the business grows.
fn month_of(j: u64, n: u64) -> u32 {
    let weight = |k: u32| 4 + u64::from(k);
    let total: u64 = (0..MONTHS).map(weight).sum();
    let mut below = 0;
    for k in 0..MONTHS {
        below += weight(k);
        // Deal j falls in month k when its place (j + ½ of n) is under the months so far.
        if (2 * j + 1) * total < 2 * n * below {
            return k;
        }
    }
    MONTHS - 1
}

/// `value` (minor units) grown by 4 % a month over `month` months, in whole euros.
fn grown(value: i64, month: u32) -> i64 {
    value * i64::from(100 + 4 * month) / 10_000 * 100
}

/// Loads a company's deals; how many were opened.
///
/// # Errors
/// The first service error.
pub(super) async fn load_deals<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    g: &Generator,
    rng: &mut ChaCha8Rng,
    plan: &DealPlan<'_>,
) -> Result<usize, ServiceError> {
    let today = app.now();
    let at = |when: DateTime<Utc>| app.with_clock(FixedClock(when.min(today)));
    let stages = &plan.pipeline.stages;
    let last = stages.len().saturating_sub(1);
    // Each rep's contacts (a deal is its contact owner's).
    let of_rep: Vec<Vec<&Contact>> = plan
        .reps
        .iter()
        .map(|r| plan.contacts.iter().filter(|c| c.owner_id == *r).collect())
        .collect();
    if of_rep.is_empty() || of_rep.iter().any(Vec::is_empty) {
        return Err(ServiceError::Internal("every demo rep owns contacts".into()));
    }
    let contact_for = |i: u64| {
        let mine = &of_rep[(i % of_rep.len() as u64) as usize];
        mine[((i / of_rep.len() as u64) * 7 % mine.len() as u64) as usize]
    };
    let open_now = plan.count / 4;
    let past = plan.count - open_now;
    let mut opened = 0;
    for month in 0..MONTHS {
        let start = month_start(today, MONTHS - month);
        let ids: Vec<u64> = (0..past).filter(|j| month_of(*j, past) == month).collect();
        // Opened and moved up to the month's second day, when its forecast is validated;
        // then (below) moved on and closed. Each step is written in its place in time
        // around the validation, which reads the deals as they stand.
        let validated = start + Duration::days(1);
        let mut open = Vec::new();
        for i in ids {
            let (mut input, steps) = g.opportunity(plan.trade, i, today.date_naive(), stages.len());
            let c = contact_for(i);
            let created = start - Duration::days(rng.random_range(5..40)) + Duration::minutes(rng.random_range(0..480));
            let closes = start + Duration::days(rng.random_range(1..27)) + Duration::minutes(rng.random_range(0..480));
            input.contact_ids = vec![c.id];
            input.organization_id = c.fields.organization_id;
            input.expected_close = Some(closes.date_naive());
            input.value_minor = grown(input.value_minor, month);
            let roll = rng.random_range(0..100);
            // 45 in 100 won (through every stage), 40 lost where they stood, the rest slipped.
            let steps = if roll < 45 { last } else { steps.min(last.saturating_sub(1)) };
            let mut o = at(created)
                .create_opportunity(&plan.admin, plan.pipeline.id, None, &input, Some(c.owner_id))
                .await?;
            let span = closes - created;
            let moves: Vec<_> = stages
                .iter()
                .enumerate()
                .take(steps + 1)
                .skip(1)
                .map(|(s, stage)| {
                    let when = created + span * i32::try_from(s).unwrap_or(1) / i32::try_from(steps + 1).unwrap_or(1);
                    (when, stage.id)
                })
                .collect();
            let (before, after): (Vec<_>, Vec<_>) = moves.into_iter().partition(|(when, _)| *when < validated);
            for (when, stage) in before {
                o = at(when).move_opportunity(&plan.admin, o.id, o.version, stage).await?;
            }
            opened += 1;
            open.push((o, after, roll, closes));
        }
        validate(&at(validated), plan.teams, start.date_naive(), PeriodKind::Month, month as usize).await?;
        for (mut o, after, roll, closes) in open {
            for (when, stage) in after {
                o = at(when).move_opportunity(&plan.admin, o.id, o.version, stage).await?;
            }
            if roll < 45 {
                at(closes).win_opportunity(&plan.admin, o.id, o.version).await?;
            } else if roll < 85 {
                at(closes)
                    .lose_opportunity(&plan.admin, o.id, o.version, LOST[roll as usize % LOST.len()])
                    .await?;
            }
        }
    }
    // Still open: opened in the last two months, expected in the coming six, each rep
    // with some (the first rep's first can move forward).
    for k in 0..open_now {
        let i = past + k;
        let (mut input, steps) = g.opportunity(plan.trade, i, today.date_naive(), stages.len());
        let c = contact_for(k);
        let created = today - Duration::days(rng.random_range(1..60)) - Duration::minutes(rng.random_range(0..480));
        input.contact_ids = vec![c.id];
        input.organization_id = c.fields.organization_id;
        input.expected_close = Some((today + Duration::days(rng.random_range(5..180))).date_naive());
        input.value_minor = grown(input.value_minor, MONTHS);
        let mut o = at(created)
            .create_opportunity(&plan.admin, plan.pipeline.id, None, &input, Some(c.owner_id))
            .await?;
        for (s, stage) in stages.iter().enumerate().take(steps.min(last.saturating_sub(1)) + 1).skip(1) {
            let when = created + (today - created) * i32::try_from(s).unwrap_or(1) / i32::try_from(last + 1).unwrap_or(1);
            o = at(when).move_opportunity(&plan.admin, o.id, o.version, stage.id).await?;
        }
        opened += 1;
    }
    // This month's and this quarter's forecasts, validated today.
    validate(app, plan.teams, today.date_naive(), PeriodKind::Month, 0).await?;
    validate(app, plan.teams, today.date_naive(), PeriodKind::Quarter, 1).await?;
    Ok(opened)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn past_deals_fill_every_month_and_grow() {
        let n = 90;
        let per: Vec<usize> = (0..MONTHS).map(|m| (0..n).filter(|j| month_of(*j, n) == m).count()).collect();
        assert_eq!(per.iter().sum::<usize>(), 90);
        assert!(per.iter().all(|c| *c >= 1), "{per:?}");
        assert!(per[16] >= 2 * per[0], "{per:?}");
        assert!(
            per.windows(2).all(|w| w[1] + 1 >= w[0]),
            "never much fewer than the month before: {per:?}"
        );
        // Small companies too.
        let small: Vec<u64> = (0..12).map(|j| u64::from(month_of(j, 12))).collect();
        assert!(small.windows(2).all(|w| w[0] <= w[1]), "in order: {small:?}");
    }

    #[test]
    fn months_start_on_their_first_day() {
        let today = Utc.with_ymd_and_hms(2026, 3, 31, 15, 0, 0).unwrap();
        assert_eq!(month_start(today, 1), Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap());
        assert_eq!(month_start(today, 17), Utc.with_ymd_and_hms(2024, 10, 1, 9, 0, 0).unwrap());
    }
}
