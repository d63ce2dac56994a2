-- /stats?as_of= and /stats/series ask, per recommendation and day, for the newest status
-- change effective by then: one index probe (a top-1 scan) each, status included.
CREATE INDEX status_changes_effective_idx
    ON status_changes (recommendation_id, effective_on DESC, recorded_at DESC, id DESC)
    INCLUDE (to_status);
