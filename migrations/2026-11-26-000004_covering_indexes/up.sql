-- Aggregates that run on every read get what they need from an index alone, not from the
-- heap. Both indexes are widened rather than added, so writes maintain no extra index.

-- The milestone tallies of a list page (50 recommendations, 500 milestones at scale).
-- Status and due date are indexed elsewhere already; only a change of weight alone loses
-- its heap-only update.
DROP INDEX milestones_recommendation_id_idx;
CREATE INDEX milestones_recommendation_id_idx ON milestones (recommendation_id, position, id)
    INCLUDE (status, weight, due_on);

-- The stats' data version: count and sum of versions, of all or of one report. Every
-- recommendation write moves the indexed updated_at, so none was a heap-only update anyway.
DROP INDEX recommendations_report_position_idx;
CREATE INDEX recommendations_report_position_idx ON recommendations (report_id, position, id)
    INCLUDE (version);
