-- A contact's current score, copied onto its row (`contacts.score`, until now written once
-- at creation and never read) by the transaction that keeps it in `contact_scores`: the
-- reads of contacts take the column instead of a sub-select per row.
UPDATE contacts
   SET score = COALESCE((SELECT cs.score FROM contact_scores cs
                          WHERE cs.tenant_id = contacts.tenant_id AND cs.contact_id = contacts.id), 0)
 WHERE score <> COALESCE((SELECT cs.score FROM contact_scores cs
                           WHERE cs.tenant_id = contacts.tenant_id AND cs.contact_id = contacts.id), 0);
