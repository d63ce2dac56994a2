"""Webhook figures for scripts/bench, printed and never asserted:

- deliveries per second: one instance draining a backlog of deliveries to eight subscriptions
  on a local receiver (the bare handler's POST /hook), beside that receiver's own rate under
  wrk at 16 connections, the most any sender could get out of it;
- commit-to-receiver latency: events committed at 200 per second, one at a time, each timed
  from the moment its INSERT was handed to PostgreSQL until the receiver had it.
"""

import json
import os
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUBSCRIPTIONS = 8
BACKLOG_EVENTS = 2500  # per subscription
RATE = 200  # events per second for the latency run
DRAIN_LIMIT_S = 60
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def prepare_backlog(server, bare_port):
    """Replaces every subscription with SUBSCRIPTIONS to the bare receiver, each owing the
    oldest BACKLOG_EVENTS events. Run while the instance's jobs are off."""
    return int(server.psql(f"""
        DELETE FROM webhooks;
        INSERT INTO webhooks (url, secret)
          SELECT 'http://127.0.0.1:{bare_port}/hook', '{SECRET}' FROM generate_series(1, {SUBSCRIPTIONS});
        INSERT INTO deliveries (webhook_id, event_id)
          SELECT w.id, e.id FROM webhooks w
          CROSS JOIN (SELECT id, tx, seq FROM events ORDER BY tx, seq LIMIT {BACKLOG_EVENTS}) e
          ORDER BY e.tx, e.seq, w.id;
        SELECT count(*) FROM deliveries WHERE state = 'pending';"""))


def drain(server, backlog):
    """Waits (bounded) while the started instance delivers the backlog; deliveries per second."""
    started = time.monotonic()
    delivered = 0
    while time.monotonic() - started < DRAIN_LIMIT_S:
        delivered = int(server.psql("SELECT count(*) FROM deliveries WHERE state = 'delivered'"))
        if delivered >= backlog:
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    failed = int(server.psql("SELECT count(*) FROM deliveries WHERE state <> 'delivered'"))
    return {"deliveries": delivered, "seconds": round(elapsed, 2),
            "per_second": round(delivered / elapsed) if elapsed else 0, "not_delivered": failed}


def receiver_ceiling(wrk, out_dir, bare_port):
    """The bare receiver's own rate: wrk POSTing a delivery-sized body at 16 connections."""
    script = os.path.join(out_dir, "hook.lua")
    body = json.dumps({"type": "recommendation.status_changed", "timestamp": "2026-12-02T00:00:00Z",
                       "data": {"x": "y" * 1500}})
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(body)}\n")
    return wrk(f"http://127.0.0.1:{bare_port}/hook", script=script)["rps"]


class Arrivals:
    """A receiver on 127.0.0.1 that notes when each webhook-id arrived."""

    def __init__(self):
        arrivals = self.times = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", "0")))
                arrivals.setdefault(self.headers.get("webhook-id"), time.time())
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def latency(server, request, token, psql_cmd, seconds):
    """Commit-to-receiver latency at RATE events per second, through one subscription."""
    server.psql("DELETE FROM webhooks")
    receiver = Arrivals()
    try:
        status, _, body = request(server.port, "POST", "/api/v1/webhooks", {"Authorization": f"Bearer {token}"},
                                  {"url": f"http://127.0.0.1:{receiver.port}/hook",
                                   "event_types": ["agency.updated"]})
        assert status == 201, body
        sent = {}
        psql = subprocess.Popen(psql_cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        start = time.monotonic()
        for n in range(RATE * seconds):
            event = str(uuid.uuid4())
            due = start + n / RATE
            time.sleep(max(0.0, due - time.monotonic()))
            sent[event] = time.time()
            psql.stdin.write(f"INSERT INTO events (id, type, actor_kind, data) "
                             f"VALUES ('{event}', 'agency.updated', 'system', '{{}}');\n")
            psql.stdin.flush()
        psql.stdin.close()
        psql.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(e in receiver.times for e in sent):
            time.sleep(0.05)
        waits = sorted((receiver.times[e] - t) * 1000 for e, t in sent.items() if e in receiver.times)
        server.psql("DELETE FROM webhooks")

        def pct(p):
            return round(waits[min(len(waits) - 1, int(len(waits) * p))], 1) if waits else None

        return {"events": len(sent), "received": len(waits), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                "max_ms": round(waits[-1], 1) if waits else None}
    finally:
        receiver.close()


def report(w):
    t, lat = w["throughput"], w["latency"]
    print(f"\n== webhooks (one instance; printed, not asserted)")
    print(f"deliveries: {t['deliveries']} to {SUBSCRIPTIONS} subscriptions in {t['seconds']} s = "
          f"{t['per_second']}/s (target >= 1000/s); receiver alone under wrk {w['receiver_rps']:.0f} rps, "
          f"ratio {w['ratio_to_receiver']:.2f}; not delivered {t['not_delivered']}")
    print(f"latency, commit to receiver at {RATE} events/s: p50 {lat['p50_ms']} ms (target <= 50), "
          f"p99 {lat['p99_ms']} ms (target <= 250), max {lat['max_ms']} ms; "
          f"{lat['received']}/{lat['events']} received")
