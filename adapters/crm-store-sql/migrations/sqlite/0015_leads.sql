-- Leads: a prospect's qualification (status, disqualification reason, who and when, first
-- qualified), and whether it waits in the pool for a sales rep.
ALTER TABLE contacts ADD COLUMN lead_status TEXT;
ALTER TABLE contacts ADD COLUMN lead_reason TEXT;
ALTER TABLE contacts ADD COLUMN lead_pooled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN lead_changed_by BLOB;
ALTER TABLE contacts ADD COLUMN lead_changed_at INTEGER;
ALTER TABLE contacts ADD COLUMN lead_qualified_at INTEGER;
CREATE INDEX contacts_lead_status ON contacts (tenant_id, lead_status) WHERE lead_status IS NOT NULL;
CREATE INDEX contacts_lead_pool ON contacts (tenant_id) WHERE lead_pooled = 1;

-- The company's list of disqualification reasons (NULL: the built-in list).
ALTER TABLE tenants ADD COLUMN lead_reasons TEXT;

-- Where each team's round-robin of leads stands (a stale id is tolerated: the next rep
-- after it in id order gets the next lead).
ALTER TABLE teams ADD COLUMN lead_rotation_last BLOB;
