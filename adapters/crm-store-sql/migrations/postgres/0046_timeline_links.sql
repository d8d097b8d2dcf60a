-- A record's timeline starts from its links: with the activity's id in the index, the
-- links of one record are read from the index alone, and SQLite (which keeps no
-- statistics here: they would hold samples of personal data) picks it over walking
-- every activity of the company in date order.
DROP INDEX activity_links_entity;
CREATE INDEX activity_links_entity ON activity_links (tenant_id, entity_type, entity_id, activity_id);
