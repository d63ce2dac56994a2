"""Time to first render of the report page in headless Chromium (tests/ui/first-render.mjs),
on the import benchmark's report of 10,000 recommendations and 50,000 milestones, next to its
floor in the same run: the sign-in page, the same scripts and styles with no data to draw."""

import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = os.environ.get("BENCH_RENDER_RUNS", "5")
TARGET_MS = 1000


def first_render(node_dir, port, path):
    out = subprocess.run(["node", os.path.join(node_dir, "tests", "first-render.mjs"), path, RUNS],
                         env=dict(os.environ, BASE_URL=f"http://127.0.0.1:{port}"),
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(server, report_slug):
    node_dir = subprocess.run([os.path.join(ROOT, "scripts", "ui-tools")], capture_output=True,
                              text=True, check=True).stdout.strip()
    report = first_render(node_dir, server.port, f"/reports/{report_slug}")
    floor = first_render(node_dir, server.port, "/sign-in")
    return {"report": report, "floor": floor,
            "ratio_to_floor": round(report["median_ms"] / max(floor["median_ms"], 1), 2)}


def report(results):
    r, f = results["report"], results["floor"]
    print(f"\n== dashboard: first render of the report page, 10,000 recommendations (headless Chromium)\n"
          f"  report page: first {r['first_ms']} ms, median {r['median_ms']} ms of {r['runs']} "
          f"(target {TARGET_MS} ms; {r['table_rows']} table rows in the DOM)\n"
          f"  floor (sign-in page, no data): median {f['median_ms']} ms; ratio {results['ratio_to_floor']}")
