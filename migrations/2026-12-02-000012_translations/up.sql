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

CREATE FUNCTION recommendation_translations_to_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    target uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.subject_id ELSE NEW.subject_id END;
BEGIN
    UPDATE recommendations r
    SET translated_titles = t.titles, translated_texts = t.texts
    FROM (SELECT coalesce(string_agg(title, ' ' ORDER BY language), '') AS titles,
                 coalesce(string_agg(body, ' ' ORDER BY language), '') AS texts
          FROM recommendation_translations WHERE subject_id = target) t
    WHERE r.id = target;
    RETURN NULL;
END $$;

CREATE TRIGGER recommendation_translations_to_row
AFTER INSERT OR UPDATE OR DELETE ON recommendation_translations
FOR EACH ROW EXECUTE FUNCTION recommendation_translations_to_row();

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
