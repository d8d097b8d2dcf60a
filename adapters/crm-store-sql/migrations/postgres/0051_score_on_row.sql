-- A contact's current score, copied onto its row (`contacts.score`, until now written once
-- at creation and never read) by the transaction that keeps it in `contact_scores`: the
-- reads of contacts take the column, where a sub-select per row cost PostgreSQL a third of
-- a page's time. Brought up to date here, company by company: row-level security binds
-- the tables' owner too (FORCE), so each company's rows are written under its own
-- setting, the list of companies read under the platform's.
DO $$
DECLARE
    company uuid;
BEGIN
    PERFORM set_config('app.platform', 'on', true);
    FOR company IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', company::text, true);
        UPDATE contacts c
           SET score = s.score
          FROM (SELECT c2.id,
                       COALESCE((SELECT cs.score FROM contact_scores cs
                                  WHERE cs.tenant_id = c2.tenant_id AND cs.contact_id = c2.id), 0) AS score
                  FROM contacts c2
                 WHERE c2.tenant_id = company) s
         WHERE c.tenant_id = company AND c.id = s.id AND c.score <> s.score;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    PERFORM set_config('app.platform', '', true);
END
$$;
