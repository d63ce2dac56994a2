// A smoke program for the typescript-fetch client OpenAPI Generator makes with default
// options: logs in, lists political recommendations page by page, changes a status with
// If-Match, gets 412 as a typed problem on the stale ETag, and reads the history and the
// typed event the change recorded.
// scripts/api-check copies it next to the generated client, compiles and runs it.
import {
  AuthApi,
  Configuration,
  EventsApi,
  ProblemFromJSON,
  RecommendationsApi,
  ResponseError,
  Status,
} from "./client/index";

const basePath = process.env.POLICYTRACK_URL ?? "http://127.0.0.1:8080";

async function main(): Promise<void> {
  const login = await new AuthApi(new Configuration({ basePath })).createToken({
    tokenRequest: {
      email: process.env.POLICYTRACK_EMAIL ?? "",
      password: process.env.POLICYTRACK_PASSWORD ?? "",
    },
  });
  const api = new RecommendationsApi(
    new Configuration({ basePath, accessToken: login.accessToken }),
  );

  const codes: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listRecommendations({ category: "political", limit: 3, cursor });
    codes.push(...page.items.map((item) => item.code));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (codes.length !== 7) throw new Error(`expected 7 political recommendations: ${codes}`);

  const read = await api.getReportRecommendationRaw({
    report: "charting-a-path-in-the-uncharted-domain",
    code: "POL-6",
  });
  const etag = read.raw.headers.get("etag") ?? "";
  const detail = await read.value();
  const target =
    detail.status === Status.STATUS_IN_PROGRESS ? Status.STATUS_STALLED : Status.STATUS_IN_PROGRESS;
  const changed = await api.changeStatus({
    id: detail.id,
    ifMatch: etag,
    changeStatusRequest: { status: target, note: "Changed by the typescript-fetch client." },
  });
  if (changed.status !== target) throw new Error(`the change did not apply: ${changed.status}`);

  try {
    await api.changeStatus({
      id: detail.id,
      ifMatch: etag,
      changeStatusRequest: { status: Status.STATUS_NOT_STARTED, note: "This must be refused." },
    });
    throw new Error("a stale ETag was accepted");
  } catch (error) {
    if (!(error instanceof ResponseError) || error.response.status !== 412) throw error;
    const problem = ProblemFromJSON(await error.response.json());
    if (problem.type !== "urn:policytrack:problem:precondition-failed") {
      throw new Error(`412 is not a typed problem: ${JSON.stringify(problem)}`);
    }
  }

  const history = await api.listRecommendationHistory({ id: detail.id });
  if (history.items[0]?.toStatus !== target) throw new Error("the history does not show the change");
  const events = await new EventsApi(
    new Configuration({ basePath, accessToken: login.accessToken }),
  ).listRecommendationEvents({ id: detail.id, limit: 1 });
  const newest = events.items[0];
  if (newest?.type !== "recommendation.status_changed" || newest.data.statusChange.toStatus !== target) {
    throw new Error(`the newest event is not the status change: ${JSON.stringify(newest)}`);
  }
  console.log(
    `typescript-fetch client: ${codes.length} political recommendations, ${detail.status} -> ${target}, 412 typed, history and event read`,
  );
}

main().catch((error) => {
  console.error("typescript-fetch client:", error);
  process.exit(1);
});
