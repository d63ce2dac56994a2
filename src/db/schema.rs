// Diesel table definitions, in the shape `diesel print-schema` emits for the migrations.
// The generated `recommendations.search` tsvector column is left out on purpose: it is only
// ever used through SQL fragments in full-text search.

diesel::table! {
    agencies (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        country -> Text,
        parent_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        language -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        access -> Text,
        report_id -> Nullable<Uuid>,
        token_hash -> Bytea,
        expires_on -> Date,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor_email -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Uuid>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    check_ins (id) {
        id -> Uuid,
        recommendation_id -> Uuid,
        note -> Text,
        health -> Nullable<Text>,
        evidence_urls -> Array<Text>,
        as_of -> Date,
        actor_id -> Nullable<Uuid>,
        actor_email -> Nullable<Text>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    categories (id) {
        id -> Uuid,
        report_id -> Uuid,
        slug -> Text,
        name -> Text,
        position -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        language -> Text,
    }
}

diesel::table! {
    closure_proposals (id) {
        id -> Uuid,
        recommendation_id -> Uuid,
        to_status -> Text,
        health -> Nullable<Text>,
        note -> Text,
        evidence_urls -> Array<Text>,
        effective_on -> Date,
        state -> Text,
        proposed_by_id -> Nullable<Uuid>,
        proposed_by_email -> Text,
        decided_by_id -> Nullable<Uuid>,
        decided_by_email -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    deadline_firings (kind, subject_id, occurrence) {
        kind -> Text,
        subject_id -> Uuid,
        occurrence -> Date,
        fired_on -> Date,
        fired_at -> Timestamptz,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Nullable<Uuid>,
        tx -> Int8,
        seq -> Int8,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        last_duration_ms -> Nullable<Int4>,
        delivered_at -> Nullable<Timestamptz>,
        redelivery_of -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        tx -> Int8,
        seq -> Int8,
        #[sql_name = "type"]
        event_type -> Text,
        occurred_at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        actor_email -> Nullable<Text>,
        report_id -> Nullable<Uuid>,
        recommendation_id -> Nullable<Uuid>,
        data -> Jsonb,
    }
}

diesel::table! {
    login_throttles (key) {
        key -> Text,
        failures -> Int4,
        window_started_at -> Timestamptz,
        blocked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    milestones (id) {
        id -> Uuid,
        recommendation_id -> Uuid,
        title -> Text,
        description -> Text,
        owner_agency_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        status -> Text,
        completed_on -> Nullable<Date>,
        weight -> Int4,
        position -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        due_sort -> Date,
    }
}

diesel::table! {
    /// A view: milestone weights and open overdue counts per recommendation.
    milestone_tallies (recommendation_id) {
        recommendation_id -> Uuid,
        done_weight -> Int8,
        counted_weight -> Int8,
        total -> Int8,
        overdue -> Int8,
    }
}

diesel::table! {
    recommendation_agencies (recommendation_id, agency_id) {
        recommendation_id -> Uuid,
        agency_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Uuid,
        report_id -> Uuid,
        category_id -> Uuid,
        code -> Text,
        position -> Int4,
        title -> Text,
        body -> Text,
        status -> Text,
        health -> Nullable<Text>,
        lead_agency_id -> Nullable<Uuid>,
        priority -> Nullable<Text>,
        target_on -> Nullable<Date>,
        status_changed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        report_seq -> Int8,
        status_rank -> Int2,
        target_sort -> Date,
        latest_status_change_id -> Nullable<Uuid>,
        checked_in_at -> Nullable<Timestamptz>,
        pending_proposal_id -> Nullable<Uuid>,
        external_id -> Nullable<Text>,
        language -> Text,
        translated_titles -> Text,
        translated_texts -> Text,
    }
}

diesel::table! {
    reports (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        publisher -> Text,
        published_on -> Nullable<Date>,
        source_url -> Nullable<Text>,
        summary -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        seq -> Int8,
        review_closures -> Bool,
        language -> Text,
    }
}

diesel::table! {
    status_changes (id) {
        id -> Uuid,
        recommendation_id -> Uuid,
        from_status -> Text,
        to_status -> Text,
        health -> Nullable<Text>,
        note -> Text,
        evidence_urls -> Array<Text>,
        effective_on -> Date,
        actor_id -> Nullable<Uuid>,
        actor_email -> Nullable<Text>,
        recorded_at -> Timestamptz,
        approved_by_id -> Nullable<Uuid>,
        approved_by_email -> Nullable<Text>,
    }
}

diesel::table! {
    user_agencies (user_id, agency_id) {
        user_id -> Uuid,
        agency_id -> Uuid,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        token_generation -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        report_id -> Nullable<Uuid>,
        description -> Text,
        secret -> Text,
        enabled -> Bool,
        failing_since -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
        blocked_until -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> reports (report_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(categories -> reports (report_id));
diesel::joinable!(closure_proposals -> recommendations (recommendation_id));
diesel::joinable!(check_ins -> recommendations (recommendation_id));
diesel::joinable!(deliveries -> events (event_id));
diesel::joinable!(deliveries -> webhooks (webhook_id));
diesel::joinable!(milestones -> agencies (owner_agency_id));
diesel::joinable!(milestones -> recommendations (recommendation_id));
diesel::joinable!(recommendation_agencies -> agencies (agency_id));
diesel::joinable!(recommendation_agencies -> recommendations (recommendation_id));
diesel::joinable!(recommendations -> agencies (lead_agency_id));
diesel::joinable!(recommendations -> categories (category_id));
diesel::joinable!(recommendations -> reports (report_id));
diesel::joinable!(status_changes -> recommendations (recommendation_id));
diesel::joinable!(status_changes -> users (actor_id));
diesel::joinable!(user_agencies -> agencies (agency_id));
diesel::joinable!(user_agencies -> users (user_id));
diesel::joinable!(webhooks -> reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    api_tokens,
    audit_events,
    categories,
    check_ins,
    closure_proposals,
    deadline_firings,
    deliveries,
    events,
    login_throttles,
    milestone_tallies,
    milestones,
    recommendation_agencies,
    recommendations,
    reports,
    status_changes,
    user_agencies,
    users,
    webhooks,
);
