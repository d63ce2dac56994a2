-- What the deadline scheduler has announced: one row per occurrence, so each fires exactly
-- once however many instances run and however often a pass repeats. The event is written
-- in the same transaction as its row.
CREATE TABLE deadline_firings (
    kind       text NOT NULL CHECK (kind IN
                 ('milestone.due_soon', 'milestone.overdue', 'recommendation.stale')),
    -- The milestone or recommendation.
    subject_id uuid NOT NULL,
    -- Which occurrence: the due date (milestones) or the day of the last activity (stale).
    occurrence date NOT NULL,
    -- The scheduler's day when it fired.
    fired_on   date NOT NULL,
    fired_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, subject_id, occurrence)
);
