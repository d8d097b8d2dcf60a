-- Reports at scale (issue 18): each deal's stays in its stages — its stage history with
-- what a funnel filters on (the deal's pipeline, owner, creation, outcome, deletion) — a
-- projection of the opportunity row that the store rewrites with it, in the same
-- transaction. A pipeline's funnel is counted from it in SQL without reading the deals,
-- from one index: per stage, `first_entry` (1 on the first time the deal entered it),
-- `furthest` (1 on one row per deal that has a furthest step: a won deal's first row;
-- else the first entry into its furthest stage by the pipeline's order, rewritten when
-- that order changes) and `stay_seconds` (the whole seconds until the next move or the
-- deal's close; NULL while the deal is there). `won`, `live` and the flags are 0/1.
CREATE TABLE opportunity_stays (
    tenant_id       BLOB NOT NULL,
    opportunity_id  BLOB NOT NULL,
    seq             INTEGER NOT NULL,
    pipeline_id     BLOB NOT NULL,
    stage_id        BLOB NOT NULL,
    entered_at      INTEGER NOT NULL,
    stay_seconds    INTEGER,
    first_entry     INTEGER NOT NULL,
    furthest        INTEGER NOT NULL,
    owner_id        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    won             INTEGER NOT NULL,
    live            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, seq),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX opportunity_stays_funnel ON opportunity_stays
    (tenant_id, pipeline_id, live, stage_id, stay_seconds, first_entry, furthest, won, owner_id, created_at);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER opportunity_stays_fk_insert BEFORE INSERT ON opportunity_stays
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_stays_tenant_id_opportunity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.opportunity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM opportunities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.opportunity_id);
END;

CREATE TRIGGER opportunity_stays_fk_update BEFORE UPDATE OF tenant_id, opportunity_id ON opportunity_stays
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_stays_tenant_id_opportunity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.opportunity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM opportunities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.opportunity_id);
END;

-- The deals already there: their histories (JSON: `to` a UUID, `at` RFC 3339 in UTC with
-- 0, 3, 6 or 9 decimals) read into rows, instants truncated to the microsecond as the
-- store writes them.
-- backfill: begin
INSERT INTO opportunity_stays
    (tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at, stay_seconds, first_entry, furthest,
     owner_id, created_at, won, live)
SELECT tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at,
       CASE WHEN left_at >= entered_at THEN (left_at - entered_at) / 1000000 END,
       first_entry,
       CASE WHEN won = 1 THEN CASE WHEN seq = 0 THEN 1 ELSE 0 END
            WHEN first_entry = 1 AND stage_position = top THEN 1 ELSE 0 END,
       owner_id, created_at, won, live
FROM (
    SELECT e.*,
           COALESCE(LEAD(e.entered_at) OVER (PARTITION BY e.tenant_id, e.opportunity_id ORDER BY e.seq), e.closed_at) AS left_at,
           CASE WHEN ROW_NUMBER() OVER (PARTITION BY e.tenant_id, e.opportunity_id, e.stage_id ORDER BY e.seq) = 1
                THEN 1 ELSE 0 END AS first_entry,
           st.position AS stage_position,
           MAX(st.position) OVER (PARTITION BY e.tenant_id, e.opportunity_id) AS top
    FROM (
        SELECT tenant_id, opportunity_id, seq, pipeline_id, stage_id,
               unixepoch(substr(at_text, 1, 19)) * 1000000
               + CASE WHEN substr(at_text, 20, 1) = '.'
                      THEN CAST(substr(substr(at_text, 21, length(at_text) - 21) || '000000', 1, 6) AS INTEGER)
                      ELSE 0 END AS entered_at,
               closed_at, owner_id, created_at, won, live
        FROM (
            SELECT o.tenant_id, o.id AS opportunity_id, CAST(j.key AS INTEGER) AS seq, o.pipeline_id,
                   unhex(replace(json_extract(j.value, '$.to'), '-', '')) AS stage_id,
                   json_extract(j.value, '$.at') AS at_text,
                   o.closed_at, o.owner_id, o.created_at,
                   CASE WHEN o.status = 'won' THEN 1 ELSE 0 END AS won,
                   CASE WHEN o.deleted_at IS NULL THEN 1 ELSE 0 END AS live
            FROM opportunities AS o, json_each(o.stage_history) AS j
        ) AS h
    ) AS e
    LEFT JOIN stages AS st
        ON st.tenant_id = e.tenant_id AND st.id = e.stage_id AND st.pipeline_id = e.pipeline_id
) AS w;
-- backfill: end

-- The reads of the sales figures, from the index alone (`deleted_at` in it, the live rows
-- kept by the reads): deals closed in a period with the columns grouped and summed, the
-- open pipeline per currency and probability, new prospects in a period.
CREATE INDEX opportunities_closed
    ON opportunities (tenant_id, closed_at, status, owner_id, currency, value_minor, created_at, deleted_at);
CREATE INDEX opportunities_open
    ON opportunities (tenant_id, status, currency, probability, owner_id, value_minor, deleted_at);
CREATE INDEX contacts_new ON contacts (tenant_id, kind, created_at, owner_id, deleted_at);
