-- Scale data set: 100 reports, 10,000 recommendations, 100,000 milestones, 1,000,000 status
-- changes, spread over the seeded agencies. Runs in one transaction.
BEGIN;
INSERT INTO reports (slug, title, publisher)
SELECT 'scale-' || r, 'Scale report ' || r, 'Benchmark' FROM generate_series(1, 100) r;
INSERT INTO categories (report_id, slug, name, position)
SELECT rep.id, c.slug, initcap(c.slug), c.pos
FROM reports rep
CROSS JOIN (VALUES ('political', 0), ('defense', 1), ('technological', 2), ('commercial', 3)) AS c(slug, pos)
WHERE rep.slug LIKE 'scale-%';
WITH agency AS (SELECT array_agg(id ORDER BY code) AS ids FROM agencies)
INSERT INTO recommendations (report_id, category_id, code, position, title, body, status, health,
                             lead_agency_id, priority, target_on, status_changed_at, updated_at)
SELECT rep.id, cat.id, 'R-' || n, n,
       'Recommendation ' || n || ' on ' || (ARRAY['launch vehicles', 'export controls', 'space situational awareness',
         'supply chains', 'norms of behaviour', 'joint exercises', 'lunar exploration', 'satellite navigation',
         'spectrum sharing', 'workforce training'])[1 + n % 10],
       'Full text of recommendation ' || n || ': strengthen cooperation, share information, '
         || 'build trust and expand joint exercises among allied partners. ' || md5(n::text),
       (ARRAY['not_assessed','not_started','in_progress','stalled','implemented',
              'partially_implemented','not_implemented','superseded'])[1 + n % 8],
       CASE WHEN n % 8 IN (1, 2, 3) THEN (ARRAY['on_track','at_risk','off_track'])[1 + n % 3] END,
       agency.ids[1 + n % array_length(agency.ids, 1)],
       (ARRAY['low','medium','high','critical'])[1 + n % 4],
       DATE '2026-01-01' + (n % 900),
       now() - make_interval(days => n % 400),
       now() - make_interval(secs => n)
FROM reports rep
JOIN generate_series(1, 100) n ON true
JOIN categories cat ON cat.report_id = rep.id AND cat.position = n % 4
CROSS JOIN agency
WHERE rep.slug LIKE 'scale-%';
INSERT INTO milestones (recommendation_id, title, owner_agency_id, due_on, status, completed_on, weight, position)
SELECT r.id, 'Milestone ' || m, r.lead_agency_id, DATE '2025-06-01' + ((m * 37 + r.position) % 900),
       (ARRAY['planned','in_progress','done','cancelled'])[1 + (m + r.position) % 4],
       CASE WHEN (m + r.position) % 4 = 2 THEN DATE '2025-06-01' + ((m * 37 + r.position) % 900) END,
       1 + m % 3, m
FROM recommendations r JOIN reports rep ON rep.id = r.report_id AND rep.slug LIKE 'scale-%'
CROSS JOIN generate_series(1, 10) m;
INSERT INTO status_changes (recommendation_id, from_status, to_status, note, effective_on, recorded_at)
SELECT r.id,
       (ARRAY['not_assessed','not_started','in_progress','stalled'])[1 + (c + 3) % 4],
       (ARRAY['not_started','in_progress','stalled','implemented'])[1 + c % 4],
       'Scale change ' || c, DATE '2024-01-01' + (c % 700),
       now() - make_interval(mins => (100 - c) * 60 + r.position)
FROM recommendations r JOIN reports rep ON rep.id = r.report_id AND rep.slug LIKE 'scale-%'
CROSS JOIN generate_series(1, 100) c;
UPDATE recommendations r SET latest_status_change_id = latest.id
FROM (SELECT DISTINCT ON (recommendation_id) recommendation_id, id FROM status_changes
      ORDER BY recommendation_id, recorded_at DESC, id DESC) latest
WHERE latest.recommendation_id = r.id;
COMMIT;
ANALYZE;
