DELETE FROM events WHERE type LIKE 'recommendation.closure_%';
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN (
    'recommendation.created', 'recommendation.updated',
    'recommendation.status_changed', 'recommendation.checked_in',
    'recommendation.stale', 'milestone.created', 'milestone.updated',
    'milestone.completed', 'milestone.deleted', 'milestone.due_soon',
    'milestone.overdue', 'report.created', 'report.updated',
    'agency.created', 'agency.updated', 'webhook.disabled'));
ALTER TABLE status_changes DROP COLUMN approved_by_email;
ALTER TABLE status_changes DROP COLUMN approved_by_id;
ALTER TABLE recommendations DROP COLUMN pending_proposal_id;
DROP TABLE closure_proposals;
DROP TABLE api_tokens;
ALTER TABLE reports DROP COLUMN review_closures;
DROP TABLE user_agencies;
UPDATE users SET role = 'analyst' WHERE role = 'reviewer';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('viewer', 'analyst', 'admin'));
