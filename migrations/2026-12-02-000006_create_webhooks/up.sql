-- Webhook subscriptions and their deliveries: a transactional outbox. The trigger below
-- writes a subscription's delivery row in the transaction of the event it carries, so
-- nothing committed goes unsent and nothing rolled back goes out; it also wakes the
-- delivery workers (NOTIFY is sent at commit).
CREATE TABLE webhooks (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url           text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000),
    -- Empty: every type.
    event_types   text[] NOT NULL DEFAULT '{}',
    report_id     uuid REFERENCES reports (id) ON DELETE CASCADE,
    description   text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    -- `whsec_` and base64: the Standard Webhooks form.
    secret        text NOT NULL,
    enabled       boolean NOT NULL DEFAULT true,
    -- Since when every attempt has failed; cleared by a success.
    failing_since timestamptz,
    disabled_at   timestamptz,
    -- While the receiver cannot be reached, only its oldest due delivery probes it.
    blocked_until timestamptz,
    version       integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_report_id_idx ON webhooks (report_id);

CREATE TABLE deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The event it carries; none for a ping.
    event_id         uuid REFERENCES events (id) ON DELETE CASCADE,
    -- As for events: deliveries go out in (tx, seq) order, and only once every transaction
    -- before them has ended, so a subscription's first attempts follow the feed's order.
    tx               bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    last_status      integer,
    last_error       text,
    last_duration_ms integer,
    delivered_at     timestamptz,
    -- A redelivery: the delivery it repeats.
    redelivery_of    uuid REFERENCES deliveries (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_order_idx ON deliveries (webhook_id, tx, seq) WHERE state = 'pending';
CREATE INDEX deliveries_webhook_idx ON deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX deliveries_event_id_idx ON deliveries (event_id);
CREATE INDEX deliveries_redelivery_of_idx ON deliveries (redelivery_of);

CREATE FUNCTION enqueue_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deliveries (webhook_id, event_id)
    SELECT w.id, NEW.id
    FROM webhooks w
    WHERE w.enabled
      AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types))
      AND (w.report_id IS NULL OR w.report_id = NEW.report_id)
    ORDER BY w.id;
    IF FOUND THEN
        PERFORM pg_notify('policytrack_deliveries', '');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_enqueue_deliveries AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION enqueue_deliveries();
