-- Leads: a prospect's qualification (status, disqualification reason, who and when, first
-- qualified), and whether it waits in the pool for a sales rep.
ALTER TABLE contacts ADD COLUMN lead_status TEXT;
ALTER TABLE contacts ADD COLUMN lead_reason TEXT;
ALTER TABLE contacts ADD COLUMN lead_pooled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts ADD COLUMN lead_changed_by UUID;
ALTER TABLE contacts ADD COLUMN lead_changed_at BIGINT;
ALTER TABLE contacts ADD COLUMN lead_qualified_at BIGINT;
CREATE INDEX contacts_lead_status ON contacts (tenant_id, lead_status) WHERE lead_status IS NOT NULL;
CREATE INDEX contacts_lead_pool ON contacts (tenant_id) WHERE lead_pooled;

-- Since when a contact is a client (the former-client rule counts from it); the clients
-- of before: since their creation.
ALTER TABLE contacts ADD COLUMN client_since BIGINT;
UPDATE contacts SET client_since = created_at WHERE kind = 'client';

-- The company's settings of the customer cycle: its list of disqualification reasons
-- (NULL: the built-in list), and after how many months without an open or won deal a
-- client becomes a former client (NULL: never).
ALTER TABLE tenants ADD COLUMN former_client_after_months BIGINT;
ALTER TABLE tenants ADD COLUMN lead_reasons JSONB;

-- Where each team's round-robin of leads stands (a stale id is tolerated: the next rep
-- after it in id order gets the next lead).
ALTER TABLE teams ADD COLUMN lead_rotation_last UUID;
