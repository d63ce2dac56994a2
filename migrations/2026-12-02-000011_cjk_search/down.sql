ALTER TABLE recommendations DROP COLUMN search;
ALTER TABLE recommendations ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', code), 'A') ||
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', body), 'B')) STORED;
CREATE INDEX recommendations_search_idx ON recommendations USING gin (search);
DROP FUNCTION search_query(text);
DROP FUNCTION without_cjk(text);
DROP FUNCTION cjk_tsquery(text);
DROP FUNCTION cjk_bigrams(text);
