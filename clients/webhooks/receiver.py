"""A Standard Webhooks receiver for scripts/api-check, on 127.0.0.1.

Each delivery is checked with the standardwebhooks library (the specification's own Python
implementation, not policytrack's code) against the secret in SECRET_FILE, read per request
because the subscription is made after the receiver is listening. A verified delivery gets
204 and is appended to OUT (JSON lines, for the TypeScript check); anything else gets 400, so
policytrack retries it and never marks it delivered.

    python receiver.py PORT SECRET_FILE OUT
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

port, secret_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            with open(secret_file) as f:
                secret = f.read().strip()
            payload = Webhook(secret).verify(body, headers)
        except (OSError, WebhookVerificationError, ValueError) as error:
            print(f"receiver: refused a delivery: {error}", file=sys.stderr)
            self.send_response(400)
            self.end_headers()
            return
        record = {
            "headers": {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")},
            "body": body.decode(),
            "type": payload["type"],
        }
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
