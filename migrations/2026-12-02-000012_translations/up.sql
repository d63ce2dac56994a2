-- Texts in more than one language. Each report, category, recommendation and agency keeps its
-- original wording and says which language that is; translations into the other languages sit
-- beside it, one row per language, with who wrote each and whether a machine made it. For a
-- category or an agency `title` holds the name and `body` stays empty; for a report `body` is
-- the summary, for a recommendation its text.

ALTER TABLE reports ADD COLUMN language text NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'ko', 'ja'));
ALTER TABLE categories ADD COLUMN language text NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'ko', 'ja'));
ALTER TABLE recommendations ADD COLUMN language text NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'ko', 'ja'));
ALTER TABLE agencies ADD COLUMN language text NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'ko', 'ja'));

CREATE TABLE report_translations (
    subject_id uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('en', 'ko', 'ja')),
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    machine_translated boolean NOT NULL DEFAULT false,
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    author_email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, language)
);
CREATE TABLE category_translations (LIKE report_translations INCLUDING ALL);
ALTER TABLE category_translations ADD FOREIGN KEY (subject_id) REFERENCES categories (id) ON DELETE CASCADE;
ALTER TABLE category_translations ADD FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;
CREATE TABLE recommendation_translations (LIKE report_translations INCLUDING ALL);
ALTER TABLE recommendation_translations ADD FOREIGN KEY (subject_id) REFERENCES recommendations (id) ON DELETE CASCADE;
ALTER TABLE recommendation_translations ADD FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;
CREATE TABLE agency_translations (LIKE report_translations INCLUDING ALL);
ALTER TABLE agency_translations ADD FOREIGN KEY (subject_id) REFERENCES agencies (id) ON DELETE CASCADE;
ALTER TABLE agency_translations ADD FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;

-- Search reads every translation of a recommendation too. A generated column cannot read
-- another table, so a trigger keeps the translations' titles and texts on the row, and the
-- one search column (and its one GIN index) covers original and translations alike.
ALTER TABLE recommendations ADD COLUMN translated_titles text NOT NULL DEFAULT '';
ALTER TABLE recommendations ADD COLUMN translated_texts text NOT NULL DEFAULT '';

-- Statement-level, with the statement's rows as transition tables: an import that writes
-- 10,000 translations rewrites each recommendation once in one UPDATE (a row-level trigger
-- took 10 s for them, the insert alone 0.2 s).
CREATE FUNCTION recommendation_translations_to_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    -- Each branch names only the transition tables its trigger defines.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT subject_id) INTO touched FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT subject_id) INTO touched
        FROM (SELECT subject_id FROM new_rows UNION ALL SELECT subject_id FROM old_rows) changed;
    ELSE
        SELECT array_agg(DISTINCT subject_id) INTO touched FROM old_rows;
    END IF;
    UPDATE recommendations r
    SET translated_titles = coalesce(t.titles, ''), translated_texts = coalesce(t.texts, '')
    FROM unnest(touched) AS ids(id)
    LEFT JOIN LATERAL (
        SELECT string_agg(title, ' ' ORDER BY language) AS titles,
               string_agg(body, ' ' ORDER BY language) AS texts
        FROM recommendation_translations WHERE subject_id = ids.id
    ) t ON true
    WHERE r.id = ids.id;
    RETURN NULL;
END $$;

CREATE TRIGGER recommendation_translations_inserted
AFTER INSERT ON recommendation_translations REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION recommendation_translations_to_row();
CREATE TRIGGER recommendation_translations_updated
AFTER UPDATE ON recommendation_translations REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION recommendation_translations_to_row();
CREATE TRIGGER recommendation_translations_deleted
AFTER DELETE ON recommendation_translations REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION recommendation_translations_to_row();

ALTER TABLE recommendations DROP COLUMN search;
ALTER TABLE recommendations ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', code), 'A') ||
    setweight(to_tsvector('english', without_cjk(title)), 'A') ||
    setweight(to_tsvector('english', without_cjk(body)), 'B') ||
    setweight(to_tsvector('simple', cjk_bigrams(title)), 'A') ||
    setweight(to_tsvector('simple', cjk_bigrams(body)), 'B') ||
    setweight(to_tsvector('english', without_cjk(translated_titles)), 'A') ||
    setweight(to_tsvector('english', without_cjk(translated_texts)), 'B') ||
    setweight(to_tsvector('simple', cjk_bigrams(translated_titles)), 'A') ||
    setweight(to_tsvector('simple', cjk_bigrams(translated_texts)), 'B')) STORED;
CREATE INDEX recommendations_search_idx ON recommendations USING gin (search);
