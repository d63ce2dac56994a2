ALTER TABLE recommendations DROP COLUMN latest_status_change_id;
