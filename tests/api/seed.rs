use crate::helpers::{empty_database, spawn_app, spawn_app_on, test_config};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use policytrack::db::schema::{agencies, categories, recommendations, reports};
use policytrack::seed;

async fn counts(app: &crate::helpers::TestApp) -> (i64, i64, i64, i64) {
    let mut conn = app.pool.get().await.expect("conn");
    (
        reports::table
            .count()
            .get_result(&mut conn)
            .await
            .expect("reports"),
        categories::table
            .count()
            .get_result(&mut conn)
            .await
            .expect("categories"),
        recommendations::table
            .count()
            .get_result(&mut conn)
            .await
            .expect("recs"),
        agencies::table
            .count()
            .get_result(&mut conn)
            .await
            .expect("agencies"),
    )
}

#[actix_web::test]
async fn an_empty_database_is_migrated_and_seeded_on_start() {
    let app = spawn_app_on(empty_database().await, test_config()).await;
    assert_eq!(counts(&app).await, (1, 4, 15, 22));
    let items = app.collect_pages("/api/v1/recommendations", 50).await;
    assert_eq!(items.len(), 15);
}

#[actix_web::test]
async fn seeded_categories_hold_7_3_3_2_recommendations() {
    let app = spawn_app().await;
    let mut conn = app.pool.get().await.expect("conn");
    let per_category: Vec<(String, i64)> = categories::table
        .inner_join(recommendations::table)
        .group_by((categories::slug, categories::position))
        .select((categories::slug, diesel::dsl::count_star()))
        .order(categories::position)
        .load(&mut conn)
        .await
        .expect("group counts");
    assert_eq!(
        per_category,
        [
            ("political".to_string(), 7),
            ("defense".to_string(), 3),
            ("technological".to_string(), 3),
            ("commercial".to_string(), 2)
        ]
    );
}

#[actix_web::test]
async fn seeding_again_changes_nothing() {
    let app = spawn_app().await;
    let before = counts(&app).await;
    let mut conn = policytrack::db::connect(&app.db_url).await.expect("conn");
    let outcome = seed::seed(&mut conn).await.expect("seed");
    assert_eq!(outcome, seed::SeedOutcome::default());
    let again = seed::seed_if_empty(&mut conn).await.expect("seed if empty");
    assert!(again.is_none());
    assert_eq!(counts(&app).await, before);
}

#[actix_web::test]
async fn seed_restores_a_missing_agency_without_duplicating_the_rest() {
    let app = spawn_app().await;
    let mut conn = policytrack::db::connect(&app.db_url).await.expect("conn");
    diesel::delete(agencies::table.filter(agencies::code.eq("JP-MOD")))
        .execute(&mut conn)
        .await
        .expect("delete");
    let outcome = seed::seed(&mut conn).await.expect("seed");
    assert_eq!(outcome.agencies, 1);
    assert_eq!(outcome.recommendations, 0);
    assert_eq!(counts(&app).await, (1, 4, 15, 22));
}
