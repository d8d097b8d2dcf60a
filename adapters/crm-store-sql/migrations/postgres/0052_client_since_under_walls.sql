-- Migration 0015 dated the clients of before ("client since their creation") with one
-- UPDATE, which row-level security, forced on the tables' owner too, kept from reaching
-- any row when the owner is not a superuser: their `client_since` stayed empty, and the
-- former-client rule never counted for them. Done again here company by company, each under
-- its own setting, the list of companies read under the platform's (as 0051). The
-- application dates every client it makes, so only those rows are still empty.
DO $$
DECLARE
    company uuid;
BEGIN
    PERFORM set_config('app.platform', 'on', true);
    FOR company IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', company::text, true);
        UPDATE contacts SET client_since = created_at
         WHERE tenant_id = company AND kind = 'client' AND client_since IS NULL;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    PERFORM set_config('app.platform', '', true);
END
$$;
