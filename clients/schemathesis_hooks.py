"""Failures schemathesis reports although the server is right.

- RFC 9110 §15.5.21: 422 for a request that is well formed but cannot be processed with the
  data it refers to. A static schema cannot know that data, so each case is matched exactly,
  by the problem's field (a regular expression) and the start of its message.
- A query list of empty strings: in form style without explode, `[""]` is sent as `name=`,
  exactly as the empty list is, and the empty list is valid."""

import json
import os
import re
import sys

import schemathesis

# (problem field, what the problem says[, the only operation]): state the schema cannot
# describe.
STATE_DEPENDENT = [
    # An opaque cursor the server never issued (only `next_cursor` values are valid).
    (r"query\.cursor", "is not a cursor this list returned"),
    (r"query\.cursor", "belongs to another sort order"),
    # A reference to an agency, category or report that does not exist.
    ("agency_id", "no agency "),
    ("/agency_ids", "no agency "),
    ("/category", "no category "),
    ("/report", "no report "),
    # Two categories of one report with the same slug: uniqueness by one property of the
    # items is more than JSON Schema's `uniqueItems` can say.
    (r"/categories/\d+/slug", "appears twice", "create_report"),
    # A receiver URL the operator's settings refuse (plain http, a private address), or a
    # bracketed host that is no IPv6 address (more than a pattern can check).
    ("/url", "must be an https URL (plain http needs", "create_webhook"),
    ("/url", "must be an https URL (plain http needs", "update_webhook"),
    ("/url", "points at a ", "create_webhook"),
    ("/url", "points at a ", "update_webhook"),
    ("/url", "has a bracketed host that is no IPv6 address", "create_webhook"),
    ("/url", "has a bracketed host that is no IPv6 address", "update_webhook"),
    # A date after today: valid as a date, not yet as an effective or as-of date.
    ("/effective_on", "must not be in the future"),
    ("/as_of", "must not be in the future"),
    # A token's last day: today at the earliest, a year from today at the latest.
    ("/expires_on", "must not be in the past", "create_machine_token"),
    ("/expires_on", "must be at most a year ahead", "create_machine_token"),
    # `mine=true` asks for the caller's agencies: an anonymous caller has none to ask for.
    (r"query\.mine", "needs a signed-in caller"),
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
    # A series from a day after its end, or longer than the most periods one answer holds
    # (two parameters together: more than a schema says).
    (r"query\.from", "must not be after to", "get_stats_series"),
    (r"query\.from", "covers more than", "get_stats_series"),
    # A translation into the language the original is written in (which the data says).
    ("lang", "the original is in "),
    # A status move the recommendation's current status does not allow is 409, not 422.
]


def _problem_fields(response):
    try:
        problem = json.loads(response.content)
    except ValueError:
        return []
    return [(e.get("field", ""), e.get("message", "")) for e in problem.get("errors", [])]


def _empty_list_sent(case, message):
    for name, value in (case.query or {}).items():
        values = value if isinstance(value, list) else [value]
        if values and all(v == "" for v in values) and f"parameter `{name}` in query" in message:
            return True
    return False


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if failure.code == "ST201" and _empty_list_sent(case, failure.message or ""):
        return False
    if failure.code != "ST202" or response.status_code != 422:
        return True
    fields = _problem_fields(response)
    operation = case.operation.definition.raw.get("operationId")

    def known(field, message):
        return any(
            re.fullmatch(rule[0], field) and message.startswith(rule[1]) and rule[2:] in ((), (operation,))
            for rule in STATE_DEPENDENT
        )

    state_only = fields and all(known(field, message) for field, message in fields)
    if state_only and os.environ.get("SCHEMATHESIS_SHOW_FILTERED"):
        print(f"filtered: {case.operation.label} {fields}", file=sys.stderr)
    return not state_only
