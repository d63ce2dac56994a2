-- Sort keys that indexes can serve, so every list order (and every keyset page) is an index
-- scan instead of a sort, and derived tallies that prepared statements can reuse.

-- Reports in the order they were added; recommendations carry their report's number.
ALTER TABLE reports ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE reports ADD CONSTRAINT reports_seq_key UNIQUE (seq);

ALTER TABLE recommendations ADD COLUMN report_seq bigint;
UPDATE recommendations r SET report_seq = p.seq FROM reports p WHERE p.id = r.report_id;
ALTER TABLE recommendations ALTER COLUMN report_seq SET NOT NULL;

CREATE FUNCTION recommendations_set_report_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT seq INTO NEW.report_seq FROM reports WHERE id = NEW.report_id;
    RETURN NEW;
END $$;
CREATE TRIGGER recommendations_report_seq BEFORE INSERT OR UPDATE OF report_id ON recommendations
    FOR EACH ROW EXECUTE FUNCTION recommendations_set_report_seq();

-- Lifecycle order of the status, and the target date with "none" last.
ALTER TABLE recommendations ADD COLUMN status_rank smallint GENERATED ALWAYS AS (
    CASE status
        WHEN 'not_assessed' THEN 1 WHEN 'not_started' THEN 2 WHEN 'in_progress' THEN 3
        WHEN 'stalled' THEN 4 WHEN 'implemented' THEN 5 WHEN 'partially_implemented' THEN 6
        WHEN 'not_implemented' THEN 7 ELSE 8 END) STORED;
ALTER TABLE recommendations ADD COLUMN target_sort date
    GENERATED ALWAYS AS (COALESCE(target_on, DATE '9999-12-31')) STORED;
ALTER TABLE milestones ADD COLUMN due_sort date
    GENERATED ALWAYS AS (COALESCE(due_on, DATE '9999-12-31')) STORED;

CREATE INDEX recommendations_report_order_idx ON recommendations (report_seq, position, id);
CREATE INDEX recommendations_status_order_idx ON recommendations (status_rank, report_seq, position, id);
CREATE INDEX recommendations_target_order_idx ON recommendations (target_sort, report_seq, position, id);
CREATE INDEX milestones_due_order_idx ON milestones (due_sort, id);
CREATE INDEX milestones_open_due_idx ON milestones (due_on) WHERE status IN ('planned', 'in_progress');

-- Milestone weights per recommendation (progress) and open overdue counts, as of today (UTC
-- sessions): a plain relation, so the query that reads it is a cacheable prepared statement.
CREATE VIEW milestone_tallies AS
SELECT recommendation_id,
       COALESCE(SUM(weight) FILTER (WHERE status = 'done'), 0)::bigint AS done_weight,
       COALESCE(SUM(weight) FILTER (WHERE status <> 'cancelled'), 0)::bigint AS counted_weight,
       COUNT(*) AS total,
       COUNT(*) FILTER (WHERE due_on < CURRENT_DATE AND status IN ('planned', 'in_progress')) AS overdue
FROM milestones
GROUP BY recommendation_id;
