ALTER TABLE recommendations DROP COLUMN search;
DROP TABLE recommendation_translations, category_translations, report_translations, agency_translations;
DROP FUNCTION recommendation_translations_to_row();
ALTER TABLE recommendations DROP COLUMN translated_titles, DROP COLUMN translated_texts;
ALTER TABLE reports DROP COLUMN language;
ALTER TABLE categories DROP COLUMN language;
ALTER TABLE recommendations DROP COLUMN language;
ALTER TABLE agencies DROP COLUMN language;
ALTER TABLE recommendations ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', code), 'A') ||
    setweight(to_tsvector('english', without_cjk(title)), 'A') ||
    setweight(to_tsvector('english', without_cjk(body)), 'B') ||
    setweight(to_tsvector('simple', cjk_bigrams(title)), 'A') ||
    setweight(to_tsvector('simple', cjk_bigrams(body)), 'B')) STORED;
CREATE INDEX recommendations_search_idx ON recommendations USING gin (search);
