"""Failures schemathesis reports although the server follows RFC 9110 §15.5.21: 422 for a
request that is well formed but cannot be processed with the data it refers to. A static
schema cannot know that data, so each case is matched exactly, by the problem's field."""

import json
import os
import sys

import schemathesis

# (problem field, what the problem says[, the only operation]): state the schema cannot
# describe.
STATE_DEPENDENT = [
    # An opaque cursor the server never issued (only `next_cursor` values are valid).
    ("query.cursor", "is not a cursor this list returned"),
    ("query.cursor", "belongs to another sort order"),
    # A reference to an agency or category that does not exist.
    ("agency_id", "no agency "),
    ("/category", "no category "),
    # A date after today: valid as a date, not yet as an effective or as-of date.
    ("/effective_on", "must not be in the future"),
    ("/as_of", "must not be in the future"),
    # A health, evidence or target status that the status (asked for, or as stored) rules out.
    ("/health", "only not_started, in_progress and stalled take a health value"),
    ("/health", "a "),
    ("/evidence_urls", "a move to "),
    ("/status", "nothing moves back to not_assessed"),
    # A completion date that contradicts the status: the body's own parts, or the body and
    # the milestone as stored, cannot be processed together. (JSON Schema's if/then/else
    # could say the first; the linters' recommended rules and the generators do not take it.)
    ("/completed_on", "is required when status is done"),
    ("/completed_on", "is only set when status is done"),
    # A status move the recommendation's current status does not allow is 409, not 422.
]


def _problem_fields(response):
    try:
        problem = json.loads(response.content)
    except ValueError:
        return []
    return [(e.get("field", ""), e.get("message", "")) for e in problem.get("errors", [])]


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if failure.code != "ST202" or response.status_code != 422:
        return True
    fields = _problem_fields(response)
    operation = case.operation.definition.raw.get("operationId")

    def known(field, message):
        return any(
            field == rule[0] and message.startswith(rule[1]) and rule[2:] in ((), (operation,))
            for rule in STATE_DEPENDENT
        )

    state_only = fields and all(known(field, message) for field, message in fields)
    if state_only and os.environ.get("SCHEMATHESIS_SHOW_FILTERED"):
        print(f"filtered: {case.operation.label} {fields}", file=sys.stderr)
    return not state_only
