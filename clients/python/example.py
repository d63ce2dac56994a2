"""Logs in, lists political recommendations page by page, changes a status with If-Match,
shows that a stale ETag gets 412, and reads the history, with the generated Python client."""

import os
import sys

from policytrack_client import AuthenticatedClient, Client
from policytrack_client.api.auth import create_token
from policytrack_client.api.recommendations import (
    change_status,
    get_report_recommendation,
    list_recommendation_history,
    list_recommendations,
)
from policytrack_client.models import ChangeStatusRequest, Status, TokenRequest

BASE_URL = os.environ.get("POLICYTRACK_URL", "http://127.0.0.1:8080")


def main() -> int:
    anonymous = Client(base_url=BASE_URL, raise_on_unexpected_status=True)
    token = create_token.sync(
        client=anonymous,
        body=TokenRequest(
            email=os.environ["POLICYTRACK_EMAIL"], password=os.environ["POLICYTRACK_PASSWORD"]
        ),
    )
    assert token is not None and token.access_token, "login failed"
    client = AuthenticatedClient(base_url=BASE_URL, token=token.access_token)

    codes, cursor = [], None
    while True:
        kwargs = {"category": "political", "limit": 3}
        if cursor:
            kwargs["cursor"] = cursor
        page = list_recommendations.sync(client=client, **kwargs)
        codes += [r.code for r in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(codes) == 7, codes

    detail = get_report_recommendation.sync_detailed(
        "charting-a-path-in-the-uncharted-domain", "POL-4", client=client
    )
    assert detail.status_code == 200, detail.status_code
    etag = detail.headers["etag"]
    rec = detail.parsed
    target = Status.STATUS_STALLED if rec.status == Status.STATUS_IN_PROGRESS else Status.STATUS_IN_PROGRESS
    changed = change_status.sync_detailed(
        rec.id,
        client=client,
        body=ChangeStatusRequest(status=target, note="Changed by the Python example."),
        if_match=etag,
    )
    assert changed.status_code == 200, changed.content
    assert changed.parsed.status == target

    stale = change_status.sync_detailed(
        rec.id,
        client=client,
        body=ChangeStatusRequest(status=Status.STATUS_NOT_STARTED, note="This must be refused."),
        if_match=etag,
    )
    assert stale.status_code == 412, stale.status_code

    history = list_recommendation_history.sync(rec.id, client=client)
    assert history.items[0].note == "Changed by the Python example.", history.items[0].note
    print(f"python client ok: {len(codes)} political, {rec.code} -> {target.value}, stale write 412")
    return 0


if __name__ == "__main__":
    sys.exit(main())
