-- Reports at scale (issue 18): each deal's stays in its stages — its stage history with
-- what a funnel filters on (the deal's pipeline, owner, creation, outcome, deletion) — a
-- projection of the opportunity row that the store rewrites with it, in the same
-- transaction. A pipeline's funnel is counted from it in SQL without reading the deals.
-- `left_at` is when the stay ended: the next move, else the deal's close (NULL while the
-- deal is there). `won` and `live` are 0/1.
CREATE TABLE opportunity_stays (
    tenant_id       UUID NOT NULL,
    opportunity_id  UUID NOT NULL,
    seq             BIGINT NOT NULL,
    pipeline_id     UUID NOT NULL,
    stage_id        UUID NOT NULL,
    entered_at      BIGINT NOT NULL,
    left_at         BIGINT,
    owner_id        UUID NOT NULL,
    created_at      BIGINT NOT NULL,
    won             BIGINT NOT NULL,
    live            BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, seq),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
);
CREATE INDEX opportunity_stays_pipeline ON opportunity_stays (tenant_id, pipeline_id, stage_id);

-- The deals already there: their histories (JSON: `to` a UUID, `at` RFC 3339 in UTC with
-- 0, 3, 6 or 9 decimals) read into rows, instants truncated to the microsecond as the
-- store writes them. The walls are lifted for the owner while the migration reads every
-- tenant's deals, and raised again in the same transaction.
ALTER TABLE opportunities NO FORCE ROW LEVEL SECURITY;
-- backfill: begin
INSERT INTO opportunity_stays
    (tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at, left_at, owner_id, created_at, won, live)
SELECT tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at,
       COALESCE(LEAD(entered_at) OVER (PARTITION BY tenant_id, opportunity_id ORDER BY seq), closed_at),
       owner_id, created_at, won, live
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
) AS entries;
-- backfill: end
ALTER TABLE opportunities FORCE ROW LEVEL SECURITY;

ALTER TABLE opportunity_stays ENABLE ROW LEVEL SECURITY;
ALTER TABLE opportunity_stays FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON opportunity_stays USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());

-- The reads of the sales figures: deals closed in a period; new prospects in a period.
CREATE INDEX opportunities_closed ON opportunities (tenant_id, closed_at);
CREATE INDEX contacts_kind_created ON contacts (tenant_id, kind, created_at);
