// A smoke program for the Go client OpenAPI Generator makes with default options: logs in,
// lists political recommendations page by page, changes a status with If-Match, gets 412 as a
// typed problem on the stale ETag, and reads the history and the
// typed event the change recorded. scripts/api-check builds and runs it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	openapi "github.com/GIT_USER_ID/GIT_REPO_ID"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "go client:", err)
		os.Exit(1)
	}
}

func run() error {
	config := openapi.NewConfiguration()
	config.Servers = openapi.ServerConfigurations{{URL: os.Getenv("POLICYTRACK_URL")}}
	client := openapi.NewAPIClient(config)
	ctx := context.Background()

	login := openapi.NewTokenRequest(os.Getenv("POLICYTRACK_EMAIL"), os.Getenv("POLICYTRACK_PASSWORD"))
	token, _, err := client.AuthAPI.CreateToken(ctx).TokenRequest(*login).Execute()
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	ctx = context.WithValue(ctx, openapi.ContextAccessToken, token.AccessToken)

	var codes []string
	cursor := ""
	for {
		request := client.RecommendationsAPI.ListRecommendations(ctx).
			Category("political").Limit(3).Status([]openapi.Status{openapi.STATUS_NOT_ASSESSED, openapi.STATUS_IN_PROGRESS, openapi.STATUS_STALLED})
		if cursor != "" {
			request = request.Cursor(cursor)
		}
		page, _, err := request.Execute()
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		for _, item := range page.Items {
			codes = append(codes, item.Code)
		}
		if !page.NextCursor.IsSet() || page.NextCursor.Get() == nil {
			break
		}
		cursor = *page.NextCursor.Get()
	}
	if len(codes) != 7 {
		return fmt.Errorf("expected 7 political recommendations, got %v", codes)
	}

	detail, response, err := client.RecommendationsAPI.
		GetReportRecommendation(ctx, "charting-a-path-in-the-uncharted-domain", "POL-5").Execute()
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	etag := response.Header.Get("ETag")
	target := openapi.STATUS_IN_PROGRESS
	if detail.Status == openapi.STATUS_IN_PROGRESS {
		target = openapi.STATUS_STALLED
	}
	change := openapi.NewChangeStatusRequest("Changed by the Go client.", target)
	changed, response, err := client.RecommendationsAPI.ChangeStatus(ctx, detail.Id).
		IfMatch(etag).ChangeStatusRequest(*change).Execute()
	if err != nil {
		return fmt.Errorf("change status: %w", err)
	}
	if changed.Status != target || response.Header.Get("ETag") == etag {
		return fmt.Errorf("the change did not apply: %v", changed.Status)
	}

	again := openapi.NewChangeStatusRequest("This must be refused.", openapi.STATUS_NOT_STARTED)
	_, response, err = client.RecommendationsAPI.ChangeStatus(ctx, detail.Id).
		IfMatch(etag).ChangeStatusRequest(*again).Execute()
	var apiError *openapi.GenericOpenAPIError
	if !errors.As(err, &apiError) || response.StatusCode != 412 {
		return fmt.Errorf("a stale ETag was not refused with 412: %v", err)
	}
	problem, ok := apiError.Model().(openapi.Problem)
	if !ok || problem.Status != 412 || problem.Type != "urn:policytrack:problem:precondition-failed" {
		return fmt.Errorf("412 is not a typed problem: %#v", apiError.Model())
	}

	history, _, err := client.RecommendationsAPI.ListRecommendationHistory(ctx, detail.Id).Execute()
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if len(history.Items) == 0 || history.Items[0].ToStatus != target {
		return fmt.Errorf("the history does not show the change")
	}
	events, _, err := client.EventsAPI.ListRecommendationEvents(ctx, detail.Id).Limit(1).Execute()
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	if len(events.Items) != 1 || events.Items[0].RecommendationStatusChangedEvent == nil ||
		events.Items[0].RecommendationStatusChangedEvent.Data.StatusChange.ToStatus != target {
		return fmt.Errorf("the newest event is not the status change: %#v", events.Items)
	}
	fmt.Printf("go client: %d pages of political recommendations, %s -> %s, 412 typed, history and event read\n",
		(len(codes)+2)/3, detail.Status, target)
	return nil
}
