-- Core schema: reports, categories, agencies, recommendations and their children,
-- users and the audit log. Closed sets are TEXT + CHECK so Rust enums map 1:1.

CREATE TABLE reports (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    publisher    text NOT NULL CHECK (char_length(publisher) <= 300),
    published_on date,
    source_url   text CHECK (char_length(source_url) <= 2000),
    summary      text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 10000),
    version      integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id   uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    position    integer NOT NULL CHECK (position >= 0),
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (report_id, slug)
);

CREATE TABLE agencies (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    parent_id   uuid REFERENCES agencies (id) ON DELETE SET NULL CHECK (parent_id <> id),
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agencies_parent_id_idx ON agencies (parent_id);
CREATE INDEX agencies_country_idx ON agencies (country);

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL UNIQUE
                        CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    password_hash       text NOT NULL,
    role                text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    disabled            boolean NOT NULL DEFAULT false,
    -- Tokens carry the generation they were issued under; disabling the user or changing
    -- the password bumps it, so every earlier token stops working at once.
    token_generation    integer NOT NULL DEFAULT 1,
    version             integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recommendations (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id          uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    category_id        uuid NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    code               text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_.-]{0,31}$'),
    -- Report order (the order the report lists them in); the default sort.
    position           integer NOT NULL CHECK (position >= 0),
    title              text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    body               text NOT NULL CHECK (char_length(body) <= 20000),
    status             text NOT NULL DEFAULT 'not_assessed' CHECK (status IN (
                           'not_assessed', 'not_started', 'in_progress', 'stalled',
                           'implemented', 'partially_implemented', 'not_implemented', 'superseded')),
    health             text CHECK (health IN ('on_track', 'at_risk', 'off_track')),
    lead_agency_id     uuid REFERENCES agencies (id) ON DELETE RESTRICT,
    priority           text CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    target_on          date,
    status_changed_at  timestamptz,
    search             tsvector GENERATED ALWAYS AS (
                           setweight(to_tsvector('english', code), 'A') ||
                           setweight(to_tsvector('english', title), 'A') ||
                           setweight(to_tsvector('english', body), 'B')) STORED,
    version            integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (report_id, code),
    -- Health is a second axis for open, assessed recommendations only.
    CHECK (health IS NULL OR status IN ('not_started', 'in_progress', 'stalled'))
);
CREATE INDEX recommendations_report_position_idx ON recommendations (report_id, position, id);
CREATE INDEX recommendations_category_id_idx ON recommendations (category_id);
CREATE INDEX recommendations_lead_agency_id_idx ON recommendations (lead_agency_id);
CREATE INDEX recommendations_status_idx ON recommendations (status);
CREATE INDEX recommendations_priority_idx ON recommendations (priority);
CREATE INDEX recommendations_target_on_idx ON recommendations (target_on);
CREATE INDEX recommendations_updated_at_idx ON recommendations (updated_at, id);
CREATE INDEX recommendations_search_idx ON recommendations USING gin (search);

CREATE TABLE recommendation_agencies (
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    agency_id          uuid NOT NULL REFERENCES agencies (id) ON DELETE RESTRICT,
    role               text NOT NULL DEFAULT 'supporting'
                       CHECK (role IN ('supporting', 'co_lead', 'consulted', 'informed')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recommendation_id, agency_id)
);
CREATE INDEX recommendation_agencies_agency_id_idx ON recommendation_agencies (agency_id);

CREATE TABLE milestones (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    title              text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    description        text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
    owner_agency_id    uuid REFERENCES agencies (id) ON DELETE RESTRICT,
    due_on             date,
    status             text NOT NULL DEFAULT 'planned'
                       CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    completed_on       date,
    weight             integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 1000),
    position           integer NOT NULL CHECK (position >= 0),
    version            integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- A done milestone has a completion date; nothing else does.
    CHECK ((status = 'done') = (completed_on IS NOT NULL))
);
CREATE INDEX milestones_recommendation_id_idx ON milestones (recommendation_id, position, id);
CREATE INDEX milestones_owner_agency_id_idx ON milestones (owner_agency_id);
CREATE INDEX milestones_status_idx ON milestones (status);
CREATE INDEX milestones_due_on_idx ON milestones (due_on, id);

CREATE TABLE status_changes (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    from_status        text NOT NULL CHECK (from_status IN (
                           'not_assessed', 'not_started', 'in_progress', 'stalled',
                           'implemented', 'partially_implemented', 'not_implemented', 'superseded')),
    to_status          text NOT NULL CHECK (to_status IN (
                           'not_started', 'in_progress', 'stalled',
                           'implemented', 'partially_implemented', 'not_implemented', 'superseded')),
    health             text CHECK (health IN ('on_track', 'at_risk', 'off_track')),
    note               text NOT NULL CHECK (char_length(note) BETWEEN 1 AND 10000),
    evidence_urls      text[] NOT NULL DEFAULT '{}',
    effective_on       date NOT NULL,
    actor_id           uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_email        text,
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_changes_recommendation_idx ON status_changes (recommendation_id, recorded_at DESC, id);
CREATE INDEX status_changes_recorded_at_idx ON status_changes (recorded_at, id);
CREATE INDEX status_changes_actor_id_idx ON status_changes (actor_id);

-- The status history is append-only: rows are never edited.
CREATE FUNCTION status_changes_forbid_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'status_changes is append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER status_changes_append_only BEFORE UPDATE ON status_changes
    FOR EACH ROW EXECUTE FUNCTION status_changes_forbid_update();

CREATE TABLE audit_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_email  text,
    action       text NOT NULL CHECK (action ~ '^[a-z_]{1,64}$'),
    entity_type  text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,64}$'),
    entity_id    uuid,
    before       jsonb,
    after        jsonb,
    request_id   text
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id);

-- Failed logins per account and per client address, shared by every instance.
CREATE TABLE login_throttles (
    key              text PRIMARY KEY,
    failures         integer NOT NULL DEFAULT 0,
    window_started_at timestamptz NOT NULL DEFAULT now(),
    blocked_until    timestamptz
);
