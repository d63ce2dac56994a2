DELETE FROM events WHERE type = 'report.imported';
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN (
    'recommendation.created', 'recommendation.updated',
    'recommendation.status_changed', 'recommendation.checked_in',
    'recommendation.stale', 'recommendation.closure_proposed',
    'recommendation.closure_approved', 'recommendation.closure_returned',
    'milestone.created', 'milestone.updated',
    'milestone.completed', 'milestone.deleted', 'milestone.due_soon',
    'milestone.overdue', 'report.created', 'report.updated',
    'agency.created', 'agency.updated', 'webhook.disabled'));
ALTER TABLE recommendations DROP COLUMN external_id;
