-- Who may touch what: reviewers, agency-scoped users, machine tokens and closure proposals.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('viewer', 'analyst', 'reviewer', 'admin'));

-- An analyst with agencies may change only what those agencies lead, support or own.
CREATE TABLE user_agencies (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, agency_id)
);
CREATE INDEX user_agencies_agency_id_idx ON user_agencies (agency_id);

ALTER TABLE reports ADD COLUMN review_closures boolean NOT NULL DEFAULT false;

-- Machine tokens act as their owner. Only the SHA-256 of the token is kept: it carries 256
-- random bits, so a fast hash is as safe as a slow one and is looked up by equality.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    access       text NOT NULL CHECK (access IN ('read', 'write')),
    report_id    uuid REFERENCES reports (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    expires_on   date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- A move to a closed status waiting for a second person, when the report asks for review.
CREATE TABLE closure_proposals (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recommendation_id uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    to_status         text NOT NULL,
    health            text,
    note              text NOT NULL,
    evidence_urls     text[] NOT NULL DEFAULT '{}',
    effective_on      date NOT NULL,
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'approved', 'returned')),
    proposed_by_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    proposed_by_email text NOT NULL,
    decided_by_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_by_email  text,
    decision_note     text,
    version           integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz
);
-- One pending proposal per recommendation.
CREATE UNIQUE INDEX closure_proposals_one_pending_idx
    ON closure_proposals (recommendation_id) WHERE state = 'pending';
CREATE INDEX closure_proposals_state_idx ON closure_proposals (state, created_at, id);

-- The proposal a recommendation waits on, shown in its representation.
ALTER TABLE recommendations ADD COLUMN pending_proposal_id uuid
    REFERENCES closure_proposals (id) ON DELETE SET NULL;

-- An approved closure names its reviewer beside the proposer (the change's actor).
ALTER TABLE status_changes ADD COLUMN approved_by_id uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE status_changes ADD COLUMN approved_by_email text;

-- The steps of a closure proposal are events too.
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
