-- An organization's contacts and deals, in the lists' default order (name, title), read
-- from one index range: SQLite keeps no statistics and, with only (tenant, organization),
-- walked the whole company in name order to find an organization's contacts (1.3 s at
-- 300,000 contacts); deals had no index by organization at all.
DROP INDEX contacts_organization;
CREATE INDEX contacts_organization ON contacts (tenant_id, organization_id, name_sort, id);
CREATE INDEX opportunities_organization ON opportunities (tenant_id, organization_id, title_sort, id);
