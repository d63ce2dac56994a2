"""A whole report over HTTP: POST /api/v1/imports with 10,000 recommendations and 50,000
milestones (BENCH_IMPORT_RECOMMENDATIONS scales it), rows per second and the server's peak RSS
while it runs, next to the ceiling: a COPY of the same rows into the same tables, in one
transaction, in the same run."""

import json
import os
import threading
import time
import urllib.request
import uuid

RECOMMENDATIONS = int(os.environ.get("BENCH_IMPORT_RECOMMENDATIONS", "10000"))
MILESTONES_EACH = 5
CATEGORIES = ["political", "defense", "technological", "commercial"]
AGENCIES = ["US-DOS", "US-DOD", "US-NASA", "KR-MSIT", "KR-KASA", "JP-JAXA"]
STATUSES = ["not_assessed", "not_started", "in_progress", "stalled"]


def document(slug):
    recs = []
    for n in range(RECOMMENDATIONS):
        recs.append({
            "code": f"REC-{n + 1}", "external_id": f"X-{n + 1}", "category": CATEGORIES[n % 4],
            "title": f"Recommendation {n + 1}: strengthen cooperation in area {n % 97}",
            "text": "Both governments should " + "agree, fund and review the work " * 6,
            "status": "not_assessed", "priority": "medium", "target_on": "2028-06-30",
            "lead_agency": AGENCIES[n % 6], "supporting_agencies": [{"agency": AGENCIES[(n + 1) % 6]}],
            "position": n + 1,
            "milestones": [{"position": m + 1, "title": f"Step {m + 1}", "description": "A dated step.",
                            "owner_agency": AGENCIES[(n + m) % 6], "due_on": f"2027-{m + 1:02d}-15",
                            "status": "planned", "weight": 1} for m in range(MILESTONES_EACH)],
        })
    return {"format": "policytrack.report/1",
            "report": {"slug": slug, "title": "Benchmark report", "publisher": "policytrack bench"},
            "categories": [{"slug": c, "name": c.title(), "position": i} for i, c in enumerate(CATEGORIES)],
            "agencies": [], "recommendations": recs}


def run(server, login):
    token = login(server.port)
    body = json.dumps(document("bench-import")).encode()
    peak = [server.rss_kib()]
    before = peak[0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_kib())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1/imports", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            answer = json.loads(r.read())
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    rows = RECOMMENDATIONS * (1 + MILESTONES_EACH)
    assert answer["created"]["recommendations"] == RECOMMENDATIONS, answer
    started = time.monotonic()
    again = json.loads(urllib.request.urlopen(urllib.request.Request(
        req.full_url, data=body, method="POST", headers=req.headers), timeout=600).read())
    unchanged_seconds = time.monotonic() - started
    assert again["unchanged"]["recommendations"] == RECOMMENDATIONS, again
    copy_seconds = copy_ceiling(server)
    result = {
        "recommendations": RECOMMENDATIONS, "milestones": RECOMMENDATIONS * MILESTONES_EACH,
        "body_mib": round(len(body) / 2**20, 2), "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds), "unchanged_reimport_s": round(unchanged_seconds, 3),
        "copy_seconds": round(copy_seconds, 3), "copy_rows_per_s": round(rows / copy_seconds),
        "ratio_to_copy": round(copy_seconds / seconds, 3), "target_ratio": 0.25,
        "rss_before_mib": round(before / 1024, 1), "peak_rss_mib": round(peak[0] / 1024, 1),
        "target_peak_rss_mib": 256,
    }
    return result


def copy_ceiling(server):
    """COPY of the same rows (recommendations with their owners, milestones) into a fresh
    report, in one transaction, from files psql reads: what PostgreSQL itself takes."""
    report = str(uuid.uuid4())
    agencies = dict(line.split("|") for line in server.psql(
        "SELECT code, id FROM agencies WHERE code IN ('" + "','".join(AGENCIES) + "')").splitlines())
    categories = [str(uuid.uuid4()) for _ in CATEGORIES]
    work = os.path.join(server.data_dir, "copy-bench")
    os.makedirs(work, exist_ok=True)
    recs_path, links_path, ms_path = (os.path.join(work, n) for n in ("recs.csv", "links.csv", "ms.csv"))
    text = "Both governments should " + "agree, fund and review the work " * 6
    with open(recs_path, "w") as recs, open(links_path, "w") as links, open(ms_path, "w") as ms:
        for n in range(RECOMMENDATIONS):
            rec = str(uuid.uuid4())
            recs.write(f"{rec},{report},{categories[n % 4]},REC-{n + 1},X-{n + 1},{n + 1},"
                       f"\"Recommendation {n + 1}: strengthen cooperation in area {n % 97}\",\"{text}\","
                       f"not_assessed,{agencies[AGENCIES[n % 6]]},medium,2028-06-30\n")
            links.write(f"{rec},{agencies[AGENCIES[(n + 1) % 6]]},supporting\n")
            for m in range(MILESTONES_EACH):
                ms.write(f"{uuid.uuid4()},{rec},Step {m + 1},A dated step.,{agencies[AGENCIES[(n + m) % 6]]},"
                         f"2027-{m + 1:02d}-15,planned,1,{m + 1}\n")
    setup = (f"INSERT INTO reports (id, slug, title, publisher) VALUES ('{report}', 'bench-copy', 'Copy', 'bench');"
             + "".join(f"INSERT INTO categories (id, report_id, slug, name, position) VALUES "
                       f"('{c}', '{report}', '{s}', '{s}', {i});" for i, (c, s) in enumerate(zip(categories, CATEGORIES))))
    server.psql(setup)
    script = os.path.join(work, "copy.sql")
    with open(script, "w") as f:
        f.write("BEGIN;\n"
                f"\\copy recommendations (id, report_id, category_id, code, external_id, position, title, body, "
                f"status, lead_agency_id, priority, target_on) FROM '{recs_path}' CSV\n"
                f"\\copy recommendation_agencies (recommendation_id, agency_id, role) FROM '{links_path}' CSV\n"
                f"\\copy milestones (id, recommendation_id, title, description, owner_agency_id, due_on, status, "
                f"weight, position) FROM '{ms_path}' CSV\n"
                "COMMIT;\n")
    import subprocess
    started = time.monotonic()
    done = subprocess.run(server.psql_cmd() + ["-f", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def report(r):
    print(f"\nimport of {r['recommendations']:,} recommendations and {r['milestones']:,} milestones "
          f"({r['body_mib']} MiB of JSON) over HTTP:")
    print(f"  import   {r['seconds']:>8.2f} s  {r['rows_per_s']:>9,} rows/s   peak RSS {r['peak_rss_mib']} MiB "
          f"(before {r['rss_before_mib']} MiB; target at most {r['target_peak_rss_mib']})")
    print(f"  COPY     {r['copy_seconds']:>8.2f} s  {r['copy_rows_per_s']:>9,} rows/s   (the ceiling)")
    print(f"  ratio to COPY {r['ratio_to_copy']} (target at least {r['target_ratio']}); "
          f"the same file again, all unchanged: {r['unchanged_reimport_s']} s", flush=True)
