-- Reports at scale (issue 18): each deal's stays in its stages — its stage history with
-- what a funnel filters on (the deal's pipeline, owner, creation, outcome, deletion) — a
-- projection of the opportunity row that the store rewrites with it, in the same
-- transaction. A pipeline's funnel is counted from it in SQL without reading the deals.
-- `left_at` is when the stay ended: the next move, else the deal's close (NULL while the
-- deal is there). `won` and `live` are 0/1.
CREATE TABLE opportunity_stays (
    tenant_id       BLOB NOT NULL,
    opportunity_id  BLOB NOT NULL,
    seq             INTEGER NOT NULL,
    pipeline_id     BLOB NOT NULL,
    stage_id        BLOB NOT NULL,
    entered_at      INTEGER NOT NULL,
    left_at         INTEGER,
    owner_id        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    won             INTEGER NOT NULL,
    live            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, seq),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX opportunity_stays_pipeline ON opportunity_stays (tenant_id, pipeline_id, stage_id);

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
WITH entries AS (
    SELECT o.tenant_id, o.id AS opportunity_id, CAST(j.key AS INTEGER) AS seq, o.pipeline_id,
           unhex(replace(json_extract(j.value, '$.to'), '-', '')) AS stage_id,
           json_extract(j.value, '$.at') AS at_text,
           o.closed_at, o.owner_id, o.created_at,
           CASE WHEN o.status = 'won' THEN 1 ELSE 0 END AS won,
           CASE WHEN o.deleted_at IS NULL THEN 1 ELSE 0 END AS live
    FROM opportunities AS o, json_each(o.stage_history) AS j
), timed AS (
    SELECT *,
           unixepoch(substr(at_text, 1, 19)) * 1000000
           + CASE WHEN substr(at_text, 20, 1) = '.'
                  THEN CAST(substr(substr(at_text, 21, length(at_text) - 21) || '000000', 1, 6) AS INTEGER)
                  ELSE 0 END AS entered_at
    FROM entries
)
INSERT INTO opportunity_stays
    (tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at, left_at, owner_id, created_at, won, live)
SELECT tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at,
       COALESCE(LEAD(entered_at) OVER (PARTITION BY tenant_id, opportunity_id ORDER BY seq), closed_at),
       owner_id, created_at, won, live
FROM timed;
-- backfill: end

-- The reads of the sales figures: deals closed in a period; new prospects in a period.
CREATE INDEX opportunities_closed ON opportunities (tenant_id, closed_at);
CREATE INDEX contacts_kind_created ON contacts (tenant_id, kind, created_at);
