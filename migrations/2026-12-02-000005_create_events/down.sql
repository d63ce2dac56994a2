ALTER TABLE recommendations DROP COLUMN checked_in_at;
DROP TABLE check_ins;
DROP TABLE events;
