-- Korean and Japanese words sit inside compounds and take particles (우주협력의), and Japanese
-- has no spaces: the English parser keeps each such run as one token, so 협력 never matched
-- 우주협력의. Each run of Hangul, kana or CJK ideographs is now also indexed as its overlapping
-- bigrams (simple configuration, in the same search column), and search_query() matches a
-- query's runs as adjacent bigrams: 협력 and 우주 find 우주협력의, 이행계획 finds 이행계획을.
-- The English parser now reads the text with those runs blanked out. English text has no such
-- runs, so its lexemes and ranks are what they were.

-- The bigrams of every CJK run of t, space-separated in order; a one-character run as itself.
CREATE FUNCTION cjk_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           CASE WHEN length(r.run) = 1 THEN r.run ELSE substr(r.run, i, 2) END,
           ' ' ORDER BY m.n, i), '')
  FROM regexp_matches(t, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+', 'g') WITH ORDINALITY AS m(arr, n)
  CROSS JOIN LATERAL (SELECT m.arr[1] AS run) r
  CROSS JOIN LATERAL generate_series(1, greatest(length(r.run) - 1, 1)) AS i
$$;

-- The CJK runs of q as a query: each run's bigrams as a phrase (adjacent, in order), runs
-- ANDed; a one-character run as a prefix. NULL when q has none.
CREATE FUNCTION cjk_tsquery(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT to_tsquery('simple', string_agg(phrase, ' & ' ORDER BY n))
  FROM (
    SELECT m.n,
           CASE WHEN length(r.run) = 1 THEN r.run || ':*'
                ELSE (SELECT string_agg(substr(r.run, i, 2), ' <-> ' ORDER BY i)
                      FROM generate_series(1, length(r.run) - 1) AS i)
           END AS phrase
    FROM regexp_matches(q, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+', 'g') WITH ORDINALITY AS m(arr, n)
    CROSS JOIN LATERAL (SELECT m.arr[1] AS run) r
  ) runs
$$;

-- t with its CJK runs blanked out: what the English parser reads, so that a Latin word with a
-- Korean particle attached (KASA와) is still the English word.
CREATE FUNCTION without_cjk(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(t, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]+', ' ', 'g')
$$;

-- What `q=` searches for: web search syntax in English for the rest of the query, and its
-- CJK runs as bigram phrases; both must match.
CREATE FUNCTION search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
           WHEN parts.cjk IS NULL THEN websearch_to_tsquery('english', q)
           WHEN btrim(parts.rest) = '' THEN parts.cjk
           ELSE websearch_to_tsquery('english', parts.rest) && parts.cjk
         END
  FROM (SELECT cjk_tsquery(q) AS cjk, without_cjk(q) AS rest) parts
$$;

-- PostgreSQL 15 cannot change a generated column's expression: the column is made again.
ALTER TABLE recommendations DROP COLUMN search;
ALTER TABLE recommendations ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', code), 'A') ||
    setweight(to_tsvector('english', without_cjk(title)), 'A') ||
    setweight(to_tsvector('english', without_cjk(body)), 'B') ||
    setweight(to_tsvector('simple', cjk_bigrams(title)), 'A') ||
    setweight(to_tsvector('simple', cjk_bigrams(body)), 'B')) STORED;
CREATE INDEX recommendations_search_idx ON recommendations USING gin (search);
