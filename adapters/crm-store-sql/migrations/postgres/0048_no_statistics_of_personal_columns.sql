-- PostgreSQL's statistics (pg_statistic, read through pg_stats) keep samples of each
-- column's values: its most common values and histogram bounds. For the columns that hold
-- a person's data in clear (names, folded names and their sort key, job, address, tags, source,
-- external id; an activity's subject, place and outcome: the columns an erasure blanks),
-- such a sample would keep an erased person's name until the next ANALYZE. These columns
-- are never sampled: the planner uses its defaults for them, and the reads that match on
-- them seek each value by index whatever the statistics (`Tx::fetch_matching`).
ALTER TABLE contacts
    ALTER COLUMN first_name SET STATISTICS 0,
    ALTER COLUMN last_name SET STATISTICS 0,
    ALTER COLUMN first_fold SET STATISTICS 0,
    ALTER COLUMN last_fold SET STATISTICS 0,
    ALTER COLUMN name_sort SET STATISTICS 0,
    ALTER COLUMN job_title SET STATISTICS 0,
    ALTER COLUMN postal_code SET STATISTICS 0,
    ALTER COLUMN city SET STATISTICS 0,
    ALTER COLUMN tags SET STATISTICS 0,
    ALTER COLUMN source SET STATISTICS 0,
    ALTER COLUMN external_id SET STATISTICS 0;
ALTER TABLE activities
    ALTER COLUMN subject SET STATISTICS 0,
    ALTER COLUMN place SET STATISTICS 0,
    ALTER COLUMN outcome SET STATISTICS 0;
