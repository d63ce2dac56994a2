-- Every change as one event, written in the transaction that makes the change, and the
-- progress check-ins analysts post between status changes.
--
-- `tx` is the writing transaction's id (pg_current_xact_id, xid8, as bigint) and `seq` the
-- order within and across transactions. The feed reads in (tx, seq) order and only events
-- of transactions older than the oldest one still in flight: every such transaction has
-- ended, so no event can later appear before a position a reader has passed.
CREATE TABLE events (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tx                bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    seq               bigint GENERATED ALWAYS AS IDENTITY,
    type              text NOT NULL CHECK (type IN (
                        'recommendation.created', 'recommendation.updated',
                        'recommendation.status_changed', 'recommendation.checked_in',
                        'recommendation.stale', 'milestone.created', 'milestone.updated',
                        'milestone.completed', 'milestone.deleted', 'milestone.due_soon',
                        'milestone.overdue', 'report.created', 'report.updated',
                        'agency.created', 'agency.updated', 'webhook.disabled')),
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    actor_kind        text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_id          uuid,
    actor_email       text,
    report_id         uuid,
    recommendation_id uuid,
    data              jsonb NOT NULL
);
CREATE UNIQUE INDEX events_order_idx ON events (tx, seq);
CREATE INDEX events_recommendation_idx ON events (recommendation_id, tx DESC, seq DESC)
    WHERE recommendation_id IS NOT NULL;
CREATE INDEX events_report_idx ON events (report_id, tx, seq) WHERE report_id IS NOT NULL;

CREATE TABLE check_ins (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recommendation_id uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    note              text NOT NULL CHECK (char_length(note) BETWEEN 1 AND 10000),
    health            text CHECK (health IN ('on_track', 'at_risk', 'off_track')),
    evidence_urls     text[] NOT NULL DEFAULT '{}',
    as_of             date NOT NULL,
    actor_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_email       text,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX check_ins_recommendation_idx ON check_ins (recommendation_id, recorded_at DESC, id DESC);
CREATE INDEX check_ins_actor_id_idx ON check_ins (actor_id);

-- The last check-in: with the last status change, what `stale` is measured from.
ALTER TABLE recommendations ADD COLUMN checked_in_at timestamptz;
