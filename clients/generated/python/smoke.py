"""A smoke program for the Python client OpenAPI Generator makes with default options: logs
in, lists political recommendations page by page, changes a status with If-Match, gets 412 as
a typed problem on the stale ETag, and reads the history and the typed event the change
recorded. scripts/api-check runs it."""

import os
import sys

import openapi_client
from openapi_client.exceptions import ApiException
from openapi_client.models import (
    ChangeStatusRequest,
    Problem,
    RecommendationStatusChangedEvent,
    Status,
    TokenRequest,
)

BASE_URL = os.environ.get("POLICYTRACK_URL", "http://127.0.0.1:8080")


def main() -> int:
    anonymous = openapi_client.ApiClient(openapi_client.Configuration(host=BASE_URL))
    login = openapi_client.AuthApi(anonymous).create_token(
        TokenRequest(
            email=os.environ["POLICYTRACK_EMAIL"], password=os.environ["POLICYTRACK_PASSWORD"]
        )
    )
    config = openapi_client.Configuration(host=BASE_URL, access_token=login.access_token)
    api = openapi_client.RecommendationsApi(openapi_client.ApiClient(config))

    codes, cursor = [], None
    while True:
        page = api.list_recommendations(category="political", limit=3, cursor=cursor)
        codes += [item.code for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(codes) == 7, codes

    read = api.get_report_recommendation_with_http_info(
        "charting-a-path-in-the-uncharted-domain", "POL-7"
    )
    etag = read.headers["etag"]
    detail = read.data
    target = Status.STATUS_STALLED if detail.status == Status.STATUS_IN_PROGRESS else Status.STATUS_IN_PROGRESS
    changed = api.change_status(
        detail.id, etag, ChangeStatusRequest(status=target, note="Changed by the Python client.")
    )
    assert changed.status == target, changed.status

    try:
        api.change_status(
            detail.id,
            etag,
            ChangeStatusRequest(status=Status.STATUS_NOT_STARTED, note="This must be refused."),
        )
        raise AssertionError("a stale ETag was accepted")
    except ApiException as error:
        assert error.status == 412, error.status
        problem = Problem.from_json(error.body)
        assert problem.type == "urn:policytrack:problem:precondition-failed", problem

    history = api.list_recommendation_history(detail.id)
    assert history.items[0].to_status == target, history.items[0]
    events = openapi_client.EventsApi(api.api_client).list_recommendation_events(detail.id, limit=1)
    newest = events.items[0].actual_instance
    assert isinstance(newest, RecommendationStatusChangedEvent), newest
    assert newest.data.status_change.to_status == target, newest
    print(
        f"python client: {len(codes)} political recommendations, "
        f"{detail.status.value} -> {target.value}, 412 typed, history and event read"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
