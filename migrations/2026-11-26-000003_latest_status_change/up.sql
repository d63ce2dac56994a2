-- Each recommendation points at its newest status change, which the status write sets in
-- the same transaction that appends it. Reading the latest change is then one key lookup,
-- however long the history grows (a DISTINCT ON over the history read all of it).
ALTER TABLE recommendations
    ADD COLUMN latest_status_change_id uuid REFERENCES status_changes (id) ON DELETE SET NULL;

UPDATE recommendations r
SET latest_status_change_id = latest.id
FROM (
    SELECT DISTINCT ON (recommendation_id) recommendation_id, id
    FROM status_changes
    ORDER BY recommendation_id, recorded_at DESC, id DESC
) latest
WHERE latest.recommendation_id = r.id;
