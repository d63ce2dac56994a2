// Logs in, lists political recommendations page by page, changes a status with If-Match,
// shows that a stale ETag gets 412, and reads the history. Fails loudly on any surprise.
import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const baseUrl = process.env.POLICYTRACK_URL ?? "http://127.0.0.1:8080";
const email = process.env.POLICYTRACK_EMAIL ?? "";
const password = process.env.POLICYTRACK_PASSWORD ?? "";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const anonymous = createClient<paths>({ baseUrl });
const login = await anonymous.POST("/api/v1/auth/token", { body: { email, password } });
check(login.data, `login failed: ${login.response.status}`);
const client = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${login.data.access_token}` },
});

// Page through one category with the cursor.
const codes: string[] = [];
let cursor: string | undefined;
do {
  const page = await client.GET("/api/v1/recommendations", {
    params: { query: { category: "political", limit: 3, cursor } },
  });
  // The list also answers text/csv, so its type is JSON | string: narrow it.
  check(page.data && typeof page.data !== "string", `list failed: ${page.response.status}`);
  codes.push(...page.data.items.map((r) => r.code));
  cursor = page.data.next_cursor ?? undefined;
} while (cursor);
check(codes.length === 7, `expected 7 political recommendations, got ${codes.join(",")}`);

// Read one, change its status with If-Match.
const first = await client.GET("/api/v1/reports/{report}/recommendations/{code}", {
  params: { path: { report: "charting-a-path-in-the-uncharted-domain", code: "POL-3" } },
});
check(first.data, "read POL-3 failed");
const etag = first.response.headers.get("etag");
check(etag, "no ETag");
const id = first.data.id;
const target = first.data.status === "in_progress" ? "stalled" : "in_progress";
const changed = await client.POST("/api/v1/recommendations/{id}/status", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { status: target, note: "Changed by the TypeScript example." },
});
// 200 answers the recommendation; 202 a closure proposal (when the report reviews closures).
const updated = changed.data && "code" in changed.data ? changed.data : undefined;
check(updated?.status === target, `status change failed: ${changed.response.status}`);

// The old ETag is stale now.
const stale = await client.POST("/api/v1/recommendations/{id}/status", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { status: "not_started", note: "This must be refused." },
});
check(stale.response.status === 412, `expected 412, got ${stale.response.status}`);
check(stale.error?.type === "urn:policytrack:problem:precondition-failed", "not a problem document");

const history = await client.GET("/api/v1/recommendations/{id}/history", {
  params: { path: { id } },
});
check(history.data?.items[0]?.note === "Changed by the TypeScript example.", "history misses the change");
console.log(`typescript client ok: ${codes.length} political, ${first.data.code} -> ${target}, stale write 412`);
