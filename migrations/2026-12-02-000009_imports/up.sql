-- Whole reports in and out: recommendations keep the identifier of the system they came
-- from, and an import is one event per report it touched.
ALTER TABLE recommendations ADD COLUMN external_id text
    CHECK (char_length(external_id) BETWEEN 1 AND 100);
ALTER TABLE recommendations ADD CONSTRAINT recommendations_report_external_id_key
    UNIQUE (report_id, external_id);

ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN (
    'recommendation.created', 'recommendation.updated',
    'recommendation.status_changed', 'recommendation.checked_in',
    'recommendation.stale', 'recommendation.closure_proposed',
    'recommendation.closure_approved', 'recommendation.closure_returned',
    'milestone.created', 'milestone.updated',
    'milestone.completed', 'milestone.deleted', 'milestone.due_soon',
    'milestone.overdue', 'report.created', 'report.updated', 'report.imported',
    'agency.created', 'agency.updated', 'webhook.disabled'));
