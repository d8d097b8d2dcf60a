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
    tenant_id       UUID NOT NULL,
    opportunity_id  UUID NOT NULL,
    seq             BIGINT NOT NULL,
    pipeline_id     UUID NOT NULL,
    stage_id        UUID NOT NULL,
    entered_at      BIGINT NOT NULL,
    stay_seconds    BIGINT,
    first_entry     BIGINT NOT NULL,
    furthest        BIGINT NOT NULL,
    owner_id        UUID NOT NULL,
    created_at      BIGINT NOT NULL,
    won             BIGINT NOT NULL,
    live            BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, seq),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
);
CREATE INDEX opportunity_stays_funnel ON opportunity_stays
    (tenant_id, pipeline_id, live, stage_id, stay_seconds, first_entry, furthest, won, owner_id, created_at);

-- The deals already there: their histories (JSON: `to` a UUID, `at` RFC 3339 in UTC with
-- 0, 3, 6 or 9 decimals) read into rows, instants truncated to the microsecond as the
-- store writes them.
-- The walls are lifted for the owner while the migration reads every tenant's deals, and
-- raised again in the same transaction.
ALTER TABLE opportunities NO FORCE ROW LEVEL SECURITY;
ALTER TABLE stages NO FORCE ROW LEVEL SECURITY;
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
        SELECT o.tenant_id, o.id AS opportunity_id, j.ord - 1 AS seq, o.pipeline_id,
               (j.e ->> 'to')::uuid AS stage_id,
               EXTRACT(EPOCH FROM (substr(j.e ->> 'at', 1, 19) || 'Z')::timestamptz)::bigint * 1000000
               + CASE WHEN substr(j.e ->> 'at', 20, 1) = '.'
                      THEN substr(rpad(substr(j.e ->> 'at', 21, length(j.e ->> 'at') - 21), 6, '0'), 1, 6)::bigint
                      ELSE 0 END AS entered_at,
               o.closed_at, o.owner_id, o.created_at,
               CASE WHEN o.status = 'won' THEN 1 ELSE 0 END AS won,
               CASE WHEN o.deleted_at IS NULL THEN 1 ELSE 0 END AS live
        FROM opportunities AS o
        CROSS JOIN LATERAL jsonb_array_elements(o.stage_history) WITH ORDINALITY AS j (e, ord)
    ) AS e
    LEFT JOIN stages AS st
        ON st.tenant_id = e.tenant_id AND st.id = e.stage_id AND st.pipeline_id = e.pipeline_id
) AS w;
-- backfill: end
ALTER TABLE opportunities FORCE ROW LEVEL SECURITY;
ALTER TABLE stages FORCE ROW LEVEL SECURITY;

ALTER TABLE opportunity_stays ENABLE ROW LEVEL SECURITY;
ALTER TABLE opportunity_stays FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON opportunity_stays USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());

-- The reads of the sales figures, from the index alone (`deleted_at` in it, the live rows
-- kept by the reads): deals closed in a period with the columns grouped and summed, the
-- open pipeline per currency and probability, new prospects in a period.
CREATE INDEX opportunities_closed
    ON opportunities (tenant_id, closed_at, status, owner_id, currency, value_minor, created_at, deleted_at);
CREATE INDEX opportunities_open
    ON opportunities (tenant_id, status, currency, probability, owner_id, value_minor, deleted_at);
CREATE INDEX contacts_new ON contacts (tenant_id, kind, created_at, owner_id, deleted_at);
