// Verifies the deliveries clients/webhooks/receiver.py recorded with the standardwebhooks
// npm package (the specification's TypeScript implementation), and checks that a changed body
// or a wrong secret fails.
//
//     node dist/verify-webhooks.js SECRET RECORDED.jsonl
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

interface Recorded {
  headers: Record<string, string>;
  body: string;
  type: string;
}

const [secret, file] = process.argv.slice(2);
if (!secret || !file) {
  throw new Error("usage: verify-webhooks SECRET RECORDED.jsonl");
}
const recorded: Recorded[] = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Recorded);
if (recorded.length === 0) {
  throw new Error("no deliveries were recorded");
}

const webhook = new Webhook(secret);
const otherSecret = new Webhook(`whsec_${Buffer.alloc(24, 7).toString("base64")}`);
const refuses = (verify: () => unknown): boolean => {
  try {
    verify();
    return false;
  } catch {
    return true;
  }
};
for (const { headers, body, type } of recorded) {
  const payload = webhook.verify(body, headers) as { type: string };
  if (payload.type !== type) {
    throw new Error(`verified, but the type is ${payload.type}, not ${type}`);
  }
  if (!refuses(() => webhook.verify(body.replace(/}$/, ' }'), headers))) {
    throw new Error(`a changed body of ${headers["webhook-id"]} verified`);
  }
  if (!refuses(() => otherSecret.verify(body, headers))) {
    throw new Error(`${headers["webhook-id"]} verified with another secret`);
  }
}
console.log(
  `standardwebhooks (npm) verified ${recorded.length} deliveries: ${recorded.map((r) => r.type).join(", ")}`,
);
