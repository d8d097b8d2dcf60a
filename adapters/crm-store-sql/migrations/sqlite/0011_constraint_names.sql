-- Names for the foreign keys of SQLite. SQLite reports a violated foreign key only as
-- `FOREIGN KEY constraint failed`, naming neither the constraint nor the table, so the
-- store could not tell the caller which reference is unknown. These triggers make the same
-- checks just before SQLite's own (which stay, as the last word) and fail with the name the
-- constraint has on PostgreSQL: `FOREIGN KEY constraint failed: <name>` (error code
-- SQLITE_CONSTRAINT_TRIGGER). The store maps that name to the field it guards, on both
-- backends alike (src/constraints.rs). One insert and one update trigger per table check
-- its foreign keys in the order PostgreSQL does; a NULL in any column of a foreign key
-- means no check, as in SQLite. Only the referencing side is named: deleting a row still
-- referenced fails as SQLite's unnamed error.

CREATE TRIGGER event_counters_fk_insert BEFORE INSERT ON event_counters
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: event_counters_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER event_counters_fk_update BEFORE UPDATE OF tenant_id ON event_counters
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: event_counters_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER users_fk_insert BEFORE INSERT ON users
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: users_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: users_team_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.team_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM teams AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.team_id);
END;

CREATE TRIGGER users_fk_update BEFORE UPDATE OF tenant_id, team_id ON users
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: users_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: users_team_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.team_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM teams AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.team_id);
END;

CREATE TRIGGER teams_fk_insert BEFORE INSERT ON teams
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: teams_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: teams_manager_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.manager_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.manager_id);
END;

CREATE TRIGGER teams_fk_update BEFORE UPDATE OF tenant_id, manager_id ON teams
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: teams_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: teams_manager_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.manager_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.manager_id);
END;

CREATE TRIGGER organizations_fk_insert BEFORE INSERT ON organizations
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: organizations_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER organizations_fk_update BEFORE UPDATE OF tenant_id ON organizations
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: organizations_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER contacts_fk_insert BEFORE INSERT ON contacts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_organization_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.organization_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM organizations AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.organization_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_owner_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.owner_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.owner_id);
END;

CREATE TRIGGER contacts_fk_update BEFORE UPDATE OF tenant_id, organization_id, owner_id ON contacts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_organization_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.organization_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM organizations AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.organization_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contacts_owner_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.owner_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.owner_id);
END;

CREATE TRIGGER contact_tags_fk_insert BEFORE INSERT ON contact_tags
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_tags_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER contact_tags_fk_update BEFORE UPDATE OF tenant_id, contact_id ON contact_tags
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_tags_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER contact_lookups_fk_insert BEFORE INSERT ON contact_lookups
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_lookups_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER contact_lookups_fk_update BEFORE UPDATE OF tenant_id, contact_id ON contact_lookups
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_lookups_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER pipelines_fk_insert BEFORE INSERT ON pipelines
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: pipelines_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER pipelines_fk_update BEFORE UPDATE OF tenant_id ON pipelines
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: pipelines_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER stages_fk_insert BEFORE INSERT ON stages
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: stages_tenant_id_pipeline_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.pipeline_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pipelines AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.pipeline_id);
END;

CREATE TRIGGER stages_fk_update BEFORE UPDATE OF tenant_id, pipeline_id ON stages
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: stages_tenant_id_pipeline_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.pipeline_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pipelines AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.pipeline_id);
END;

CREATE TRIGGER opportunities_fk_insert BEFORE INSERT ON opportunities
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_pipeline_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.pipeline_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pipelines AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.pipeline_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_stage_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.stage_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM stages AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.stage_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_owner_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.owner_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.owner_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_organization_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.organization_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM organizations AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.organization_id);
END;

CREATE TRIGGER opportunities_fk_update BEFORE UPDATE OF tenant_id, pipeline_id, stage_id, owner_id, organization_id ON opportunities
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_pipeline_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.pipeline_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pipelines AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.pipeline_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_stage_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.stage_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM stages AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.stage_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_owner_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.owner_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.owner_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunities_organization_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.organization_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM organizations AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.organization_id);
END;

CREATE TRIGGER opportunity_contacts_fk_insert BEFORE INSERT ON opportunity_contacts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_contacts_tenant_id_opportunity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.opportunity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM opportunities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.opportunity_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_contacts_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER opportunity_contacts_fk_update BEFORE UPDATE OF tenant_id, opportunity_id, contact_id ON opportunity_contacts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_contacts_tenant_id_opportunity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.opportunity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM opportunities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.opportunity_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: opportunity_contacts_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER events_fk_insert BEFORE INSERT ON events
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: events_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER events_fk_update BEFORE UPDATE OF tenant_id ON events
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: events_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER credentials_fk_insert BEFORE INSERT ON credentials
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: credentials_tenant_id_user_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER credentials_fk_update BEFORE UPDATE OF tenant_id, user_id ON credentials
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: credentials_tenant_id_user_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER tokens_fk_insert BEFORE INSERT ON tokens
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tokens_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tokens_tenant_id_user_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER tokens_fk_update BEFORE UPDATE OF tenant_id, user_id ON tokens
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tokens_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tokens_tenant_id_user_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER idempotency_keys_fk_insert BEFORE INSERT ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: idempotency_keys_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER idempotency_keys_fk_update BEFORE UPDATE OF tenant_id ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: idempotency_keys_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER operator_tokens_fk_insert BEFORE INSERT ON operator_tokens
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: operator_tokens_operator_id_fkey')
        WHERE NEW.operator_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM operators AS p WHERE p.id = NEW.operator_id);
END;

CREATE TRIGGER operator_tokens_fk_update BEFORE UPDATE OF operator_id ON operator_tokens
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: operator_tokens_operator_id_fkey')
        WHERE NEW.operator_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM operators AS p WHERE p.id = NEW.operator_id);
END;

CREATE TRIGGER activities_fk_insert BEFORE INSERT ON activities
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activities_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activities_assignee_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.assignee_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.assignee_id);
END;

CREATE TRIGGER activities_fk_update BEFORE UPDATE OF tenant_id, assignee_id ON activities
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activities_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activities_assignee_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.assignee_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.assignee_id);
END;

CREATE TRIGGER activity_links_fk_insert BEFORE INSERT ON activity_links
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_links_tenant_id_activity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.activity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM activities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.activity_id);
END;

CREATE TRIGGER activity_links_fk_update BEFORE UPDATE OF tenant_id, activity_id ON activity_links
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_links_tenant_id_activity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.activity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM activities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.activity_id);
END;

CREATE TRIGGER activity_attendees_fk_insert BEFORE INSERT ON activity_attendees
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_attendees_tenant_id_activity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.activity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM activities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.activity_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_attendees_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER activity_attendees_fk_update BEFORE UPDATE OF tenant_id, activity_id, user_id ON activity_attendees
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_attendees_tenant_id_activity_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.activity_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM activities AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.activity_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: activity_attendees_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER reminder_rules_fk_insert BEFORE INSERT ON reminder_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: reminder_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER reminder_rules_fk_update BEFORE UPDATE OF tenant_id ON reminder_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: reminder_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER notifications_fk_insert BEFORE INSERT ON notifications
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: notifications_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: notifications_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER notifications_fk_update BEFORE UPDATE OF tenant_id, user_id ON notifications
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: notifications_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: notifications_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER unmatched_calls_fk_insert BEFORE INSERT ON unmatched_calls
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: unmatched_calls_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER unmatched_calls_fk_update BEFORE UPDATE OF tenant_id ON unmatched_calls
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: unmatched_calls_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER segments_fk_insert BEFORE INSERT ON segments
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segments_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER segments_fk_update BEFORE UPDATE OF tenant_id ON segments
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segments_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER segment_members_fk_insert BEFORE INSERT ON segment_members
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segment_members_tenant_id_segment_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.segment_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM segments AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.segment_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segment_members_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER segment_members_fk_update BEFORE UPDATE OF tenant_id, segment_id, contact_id ON segment_members
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segment_members_tenant_id_segment_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.segment_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM segments AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.segment_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: segment_members_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER duplicate_groups_fk_insert BEFORE INSERT ON duplicate_groups
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_groups_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER duplicate_groups_fk_update BEFORE UPDATE OF tenant_id ON duplicate_groups
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_groups_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER duplicate_group_members_fk_insert BEFORE INSERT ON duplicate_group_members
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_group_members_tenant_id_group_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.group_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM duplicate_groups AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.group_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_group_members_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER duplicate_group_members_fk_update BEFORE UPDATE OF tenant_id, group_id, contact_id ON duplicate_group_members
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_group_members_tenant_id_group_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.group_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM duplicate_groups AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.group_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: duplicate_group_members_tenant_id_contact_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER consumer_cursors_fk_insert BEFORE INSERT ON consumer_cursors
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: consumer_cursors_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER consumer_cursors_fk_update BEFORE UPDATE OF tenant_id ON consumer_cursors
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: consumer_cursors_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER parked_events_fk_insert BEFORE INSERT ON parked_events
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: parked_events_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER parked_events_fk_update BEFORE UPDATE OF tenant_id ON parked_events
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: parked_events_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER jobs_fk_insert BEFORE INSERT ON jobs
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: jobs_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER jobs_fk_update BEFORE UPDATE OF tenant_id ON jobs
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: jobs_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER files_fk_insert BEFORE INSERT ON files
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: files_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER files_fk_update BEFORE UPDATE OF tenant_id ON files
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: files_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
