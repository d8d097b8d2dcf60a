-- An organization's id in another system (a file's or an integration's key): unique in
-- its company among the organizations not deleted.
ALTER TABLE organizations ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX organizations_external_id ON organizations (tenant_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
