"""Authentication without a database round trip: the same cached read anonymously, with a
session token (JWT) and with a machine token (ptk_), side by side; and how long a machine token
revoked on one instance keeps working on a second instance of the same database (bounded by
the read cache's window, POLICYTRACK_READ_CACHE_MS, 250 ms by default)."""

import json
import statistics
import time

ROUNDS = 5


def run(server, make_server, free_port, wrk, request, login, path):
    jwt = login(server.port)
    token = machine_token(server.port, request, jwt)
    url = f"http://127.0.0.1:{server.port}{path}"
    runs = {}
    for name, headers in [("anonymous", []), ("session token (JWT)", [f"Authorization: Bearer {jwt}"]),
                          ("machine token (ptk_)", [f"Authorization: Bearer {token}"])]:
        wrk(url, seconds=1, headers=headers)
        runs[name] = wrk(url, headers=headers, rss_of=server.rss_kib, metrics_port=server.port)
    anonymous = runs["anonymous"]["rps"]
    cached = {name: dict(run, ratio_to_anonymous=round(run["rps"] / anonymous, 3)) for name, run in runs.items()}
    return {"path": path, "cached_reads": cached, "target_ratio": 0.7,
            "revocation": revocation(server, make_server, free_port, request, jwt, path)}


def machine_token(port, request, jwt):
    status, _, body = request(port, "POST", "/api/v1/tokens", {"Authorization": f"Bearer {jwt}"},
                              {"name": "benchmark", "access": "read"})
    assert status == 201, body
    return json.loads(body)["token"]


def revocation(server, make_server, free_port, request, jwt, path):
    """Milliseconds from the DELETE's answer on the first instance until the second answers 401."""
    second = make_server(server.data_dir, free_port())
    second.env.update({k: v for k, v in server.env.items() if k.startswith("POLICYTRACK_")})
    second.env["POLICYTRACK_ADDR"] = f"127.0.0.1:{second.port}"
    second.start()
    delays = []
    try:
        for _ in range(ROUNDS):
            status, _, body = request(server.port, "POST", "/api/v1/tokens", {"Authorization": f"Bearer {jwt}"},
                                      {"name": "revoked in the benchmark", "access": "read"})
            assert status == 201, body
            created = json.loads(body)
            bearer = {"Authorization": f"Bearer {created['token']}"}
            for _ in range(20):  # known (and kept) by the second instance
                assert request(second.port, "GET", path, bearer)[0] == 200
            status, _, _ = request(server.port, "DELETE", f"/api/v1/tokens/{created['id']}",
                                   {"Authorization": f"Bearer {jwt}"})
            assert status == 204
            revoked = time.monotonic()
            while request(second.port, "GET", path, bearer)[0] != 401:
                assert time.monotonic() - revoked < 10, "the second instance never refused the token"
            delays.append((time.monotonic() - revoked) * 1000)
            time.sleep(0.3)
    finally:
        second.stop()
    return {"rounds_ms": [round(d, 1) for d in delays], "median_ms": round(statistics.median(delays), 1),
            "max_ms": round(max(delays), 1), "target_ms": 250}


def report(auth):
    print(f"\n== authentication: cached reads of {auth['path']} (16 connections; target: tokens at "
          f"least {auth['target_ratio']} of anonymous)")
    for name, r in auth["cached_reads"].items():
        print(f"{name:<24} {r['rps']:>9.0f} rps  p50 {r['p50_ms']:>6.2f} ms  p99 {r['p99_ms']:>6.2f} ms  "
              f"ratio to anonymous {r['ratio_to_anonymous']:.2f}  non-2xx {r['non_2xx']}")
    rv = auth["revocation"]
    print(f"revocation seen by a second instance: median {rv['median_ms']} ms, max {rv['max_ms']} ms "
          f"(rounds {rv['rounds_ms']}; target {rv['target_ms']} ms)")
