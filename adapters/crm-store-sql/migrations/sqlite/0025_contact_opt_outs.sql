-- A contact's opt-outs, per channel: no marketing email (campaigns leave them out; a
-- one-to-one email stays possible), no marketing calls. The GDPR work extends these into
-- consent records with their legal basis and proof.
ALTER TABLE contacts ADD COLUMN email_opt_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN phone_opt_out INTEGER NOT NULL DEFAULT 0;
