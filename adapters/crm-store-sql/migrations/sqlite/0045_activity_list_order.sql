-- The activities list is read in creation or change order, a page at a time, and the
-- to-do lists of a team or a company in due order: without these a large company's list
-- sorted every activity it may see for each page.
CREATE INDEX activities_created ON activities (tenant_id, created_at, id);
CREATE INDEX activities_updated ON activities (tenant_id, updated_at, id);
CREATE INDEX activities_open_tasks ON activities (tenant_id, due_at)
    WHERE kind = 'task' AND done_at IS NULL AND deleted_at IS NULL;
