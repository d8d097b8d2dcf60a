//! The report's activity tables (per person, per team): which counts of this period they
//! show, in which order — the same on the Rapports page and in the files.

use crate::Lang;
use crm_ports::services::reports::SalesReport;
use crm_ports::store::ActivityCounts;
use crm_reporting::{Cell, Table};

/// A count as a cell.
pub(crate) fn count(n: u64) -> Cell {
    Cell::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The people a report names: the owners who closed deals, those who did anything.
pub(crate) fn people_of(sales: &SalesReport) -> Vec<uuid::Uuid> {
    let mut ids: Vec<_> = sales
        .by_owner
        .iter()
        .map(|o| o.owner_id.as_uuid())
        .chain(sales.activity.by_person.iter().map(|(u, _)| u.as_uuid()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The label keys of the activity tables' columns after the name (this period's counts).
pub(crate) const ACTIVITY_COLUMNS: [&str; 7] = [
    "reports.activities_done",
    "reports.calls",
    "reports.meetings",
    "reports.emails",
    "reports.tasks_done",
    "reports.overdue_tasks",
    "reports.new_leads",
];

/// A person's or team's counts of this period, in the order of [`ACTIVITY_COLUMNS`].
pub(crate) fn activity_cells(a: &ActivityCounts) -> [u64; 7] {
    [
        a.done_total()[0],
        a.done_of("call")[0],
        a.done_of("meeting")[0],
        a.done_of("email")[0],
        a.done_of("task")[0],
        a.overdue_tasks[0],
        a.new_leads[0],
    ]
}

pub(crate) fn activity_table(lang: Lang, title: &str, first: &str, rows: Vec<(String, &ActivityCounts)>) -> Table {
    Table {
        title: lang.t(title),
        columns: std::iter::once(lang.t(first))
            .chain(ACTIVITY_COLUMNS.iter().map(|k| lang.t(k)))
            .collect(),
        rows: rows
            .into_iter()
            .map(|(name, a)| {
                std::iter::once(Cell::Text(name))
                    .chain(activity_cells(a).into_iter().map(count))
                    .collect()
            })
            .collect(),
    }
}
