//! Translations: written by admins with If-Match (refusals change nothing), read in the
//! language `Accept-Language` or `lang=` asks for with a fallback to the original, tagged per
//! language, searched, and carried by exports.

use crate::helpers::{TestApp, spawn_app};
use crate::transfer::{import, ok};
use policytrack::domain::Role;
use serde_json::{Value, json};

const CHAIN: &str = "ko-KR,ko;q=0.9,en;q=0.8";

async fn put(
    app: &TestApp,
    path: &str,
    auth: &str,
    if_match: &str,
    body: &Value,
) -> (u16, Value, Option<String>) {
    let mut headers = vec![("Authorization", auth)];
    if !if_match.is_empty() {
        headers.push(("If-Match", if_match));
    }
    let answer = app.send_json("PUT", path, &headers, body).await;
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer.status, json, answer.header("etag"))
}

fn korean() -> Value {
    json!({"title": "우주상황인식 협력 강화", "text": "한미 우주상황인식 정보를 공유하고 이행계획을 세운다."})
}

#[actix_web::test]
async fn only_admins_translate_with_a_current_if_match_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let analyst = app.create_user(Role::Analyst).await.bearer();
    let (id, etag) = app.recommendation("DEF-3").await;
    let path = format!("/api/v1/recommendations/{id}/translations/ko");
    let before = app.write_fingerprint().await;
    let refusals: [(&str, &str, &str, Value, u16); 8] = [
        ("", &etag, &path, korean(), 401),
        (&analyst, &etag, &path, korean(), 403),
        (&admin, "", &path, korean(), 428),
        (&admin, "\"v999.1\"", &path, korean(), 412),
        (
            &admin,
            &etag,
            &path,
            json!({"title": " ", "text": "x"}),
            422,
        ),
        (
            &admin,
            &etag,
            &path,
            json!({"title": "t", "text": "x", "colour": 1}),
            422,
        ),
        (
            &admin,
            &etag,
            &format!("/api/v1/recommendations/{id}/translations/fr"),
            korean(),
            422,
        ),
        // The original is English: an English "translation" is refused.
        (
            &admin,
            &etag,
            &format!("/api/v1/recommendations/{id}/translations/en"),
            korean(),
            422,
        ),
    ];
    for (auth, if_match, path, body, status) in refusals {
        let (got, problem, _) = put(&app, path, auth, if_match, &body).await;
        assert_eq!(got, status, "{path} as {auth:.12}: {problem}");
        assert_eq!(
            app.write_fingerprint().await,
            before,
            "a {status} changed something"
        );
    }

    let (status, created, new_etag) = put(&app, &path, &admin, &etag, &korean()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["language"], "ko");
    assert_eq!(created["title"], "우주상황인식 협력 강화");
    assert_eq!(created["machine_translated"], false);
    assert!(
        created["author"].as_str().is_some_and(|a| a.contains('@')),
        "{created}"
    );
    let new_etag = new_etag.expect("etag");
    assert_ne!(new_etag, etag);
    // The old tag is spent: a second writer holding it gets 412 and changes nothing.
    let after_first = app.write_fingerprint().await;
    let (status, _, _) = put(&app, &path, &admin, &etag, &korean()).await;
    assert_eq!(status, 412);
    assert_eq!(app.write_fingerprint().await, after_first);

    let machine = json!({"title": "우주 협력", "text": "기계 번역", "machine_translated": true});
    let (status, replaced, _) = put(&app, &path, &admin, &new_etag, &machine).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["machine_translated"], true);
    let read = app
        .get(&format!(
            "/api/v1/recommendations/{id}?include=translations"
        ))
        .await
        .json();
    assert_eq!(
        read["version"], 3,
        "two translation writes are two versions: {read}"
    );
    assert_eq!(read["translations"][0]["title"], "우주 협력");
    let audited = app
        .query_text(&format!(
            "SELECT count(*)::text FROM audit_events WHERE entity_id = '{id}' AND action = 'put_translation'"
        ))
        .await;
    assert_eq!(audited, "2");
    let events = app
        .query_text(&format!(
            "SELECT count(*)::text FROM events WHERE recommendation_id = '{id}' \
             AND type = 'recommendation.updated' AND data->'changes' ? 'translations.ko'"
        ))
        .await;
    assert_eq!(events, "2");

    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .header("etag")
        .expect("etag");
    let delete = |if_match: String| {
        let (app, admin, path) = (&app, admin.clone(), path.clone());
        async move {
            app.send_raw(
                "DELETE",
                &path,
                &[("Authorization", &admin), ("If-Match", &if_match)],
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(delete(etag.clone()).await, 412);
    assert_eq!(delete(current.clone()).await, 204);
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .header("etag")
        .expect("etag");
    assert_eq!(delete(current).await, 404);
    assert_eq!(app.count("recommendation_translations").await, 0);
}

#[actix_web::test]
async fn accept_language_picks_a_translation_falls_back_and_tags_each_language() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, etag) = app.recommendation("DEF-3").await;
    let path = format!("/api/v1/recommendations/{id}/translations/ko");
    assert_eq!(put(&app, &path, &admin, &etag, &korean()).await.0, 201);
    let url = format!("/api/v1/recommendations/{id}");
    let read = |accept: &'static str, query: &'static str| {
        let (app, url) = (&app, format!("{url}{query}"));
        async move { app.get_with(&url, &[("Accept-Language", accept)]).await }
    };

    let ko = read(CHAIN, "").await;
    assert_eq!(ko.status, 200);
    assert_eq!(ko.json()["title"], "우주상황인식 협력 강화");
    assert_eq!(ko.json()["language"], "ko");
    assert_eq!(ko.json()["original_language"], "en");
    assert_eq!(ko.header("content-language").as_deref(), Some("ko"));
    assert!(
        ko.header("vary")
            .is_some_and(|v| v.contains("Accept-Language")),
        "{:?}",
        ko.header("vary")
    );

    // Japanese is wanted first but missing: the next language of the list, then the original.
    let fallback = read("ja, ko;q=0.5", "").await;
    assert_eq!(fallback.json()["language"], "ko");
    let original = read("ja", "").await;
    assert_eq!(original.json()["language"], "en");
    assert_eq!(original.header("content-language").as_deref(), Some("en"));
    let forced = read(CHAIN, "?lang=en").await;
    assert_eq!(forced.json()["language"], "en");
    assert_eq!(
        read(CHAIN, "?lang=fr").await.assert_problem(422)["errors"][0]["field"],
        "lang"
    );

    let (ko_tag, en_tag) = (
        ko.header("etag").expect("etag"),
        original.header("etag").expect("etag"),
    );
    assert_ne!(ko_tag, en_tag, "each language has its own tag");
    let again = app
        .get_with(
            &url,
            &[("Accept-Language", CHAIN), ("If-None-Match", &ko_tag)],
        )
        .await;
    assert_eq!(again.status, 304, "{ko_tag} {:?}", again.header("etag"));
    let other = app
        .get_with(
            &url,
            &[("Accept-Language", "en"), ("If-None-Match", &ko_tag)],
        )
        .await;
    assert_eq!(
        other.status, 200,
        "a Korean tag does not stand for the English answer"
    );

    // Lists: each item in its language; the cache keeps languages apart.
    let list_url =
        "/api/v1/recommendations?report=charting-a-path-in-the-uncharted-domain&limit=200";
    for _ in 0..2 {
        let list = app.get_with(list_url, &[("Accept-Language", CHAIN)]).await;
        let items = list.json()["items"].as_array().expect("items").clone();
        let def3 = items.iter().find(|r| r["code"] == "DEF-3").expect("DEF-3");
        assert_eq!(def3["title"], "우주상황인식 협력 강화");
        assert_eq!(list.header("content-language").as_deref(), Some("ko, en"));
        let english = app
            .get_with(list_url, &[("Accept-Language", "en")])
            .await
            .json();
        let def3 = english["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["code"] == "DEF-3")
            .cloned();
        assert_eq!(def3.expect("DEF-3")["language"], "en");
    }
    let milestone = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/milestones"),
            &[("Authorization", &admin)],
            &json!({"title": "Joint exercise", "due_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(milestone.status, 201);
    let timeline = app
        .get_with(
            "/api/v1/timeline?report=charting-a-path-in-the-uncharted-domain",
            &[("Accept-Language", CHAIN)],
        )
        .await
        .json();
    assert_eq!(
        timeline["items"][0]["recommendation"]["title"], "우주상황인식 협력 강화",
        "{timeline}"
    );
    let with_all = app.get(&format!("{url}?include=translations")).await.json();
    assert_eq!(with_all["language"], "en");
    assert_eq!(with_all["translations"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn agencies_carry_official_korean_and_japanese_names_and_search_finds_them() {
    let app = spawn_app().await;
    let korean = app
        .get_with("/api/v1/agencies?country=KR", &[("Accept-Language", "ko")])
        .await;
    let items = korean.json()["items"].as_array().expect("items").clone();
    let kasa = items
        .iter()
        .find(|a| a["code"] == "KR-KASA")
        .expect("KR-KASA");
    assert_eq!(kasa["name"], "우주항공청");
    assert_eq!(kasa["language"], "ko");
    assert_eq!(kasa["original_language"], "en");
    let english = app.get("/api/v1/agencies?country=KR").await.json();
    assert_eq!(english["items"][0]["language"], "en");

    for (q, code) in [
        ("우주항공청", "KR-KASA"),
        ("항공우주연구", "KR-KARI"),
        ("防衛省", "JP-MOD"),
        ("jaxa", "JP-JAXA"),
        ("AeroSpace Admin", "KR-KASA"),
    ] {
        let url = format!("/api/v1/agencies?q={}", crate::search::url_encode(q));
        let found = app.get(&url).await.json();
        let codes: Vec<&str> = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["code"].as_str())
            .collect();
        assert_eq!(codes, [code], "{q}");
    }
    let id = app.agency_id("JP-JAXA").await;
    let one = app
        .get_with(
            &format!("/api/v1/agencies/{id}?include=translations"),
            &[("Accept-Language", "ja")],
        )
        .await;
    assert_eq!(one.json()["name"], "国立研究開発法人宇宙航空研究開発機構");
    assert_eq!(one.header("content-language").as_deref(), Some("ja"));
    assert_eq!(one.json()["translations"][0]["language"], "ja");
    assert_eq!(app.get("/api/v1/agencies?q=").await.status, 422);
}

#[actix_web::test]
async fn reports_and_categories_translate_and_recommendations_show_the_category_name() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let report = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await;
    let (report_id, report_etag) = (
        report.json()["id"].as_str().expect("id").to_owned(),
        report.header("etag").expect("etag"),
    );
    let body = json!({"title": "미지의 영역에서 길을 찾다", "summary": "한미 우주협력 권고"});
    let (status, written, _) = put(
        &app,
        &format!("/api/v1/reports/{report_id}/translations/ko"),
        &admin,
        &report_etag,
        &body,
    )
    .await;
    assert_eq!(status, 201, "{written}");
    assert_eq!(written["summary"], "한미 우주협력 권고");

    let category = report.json()["categories"][0].clone();
    let category_id = category["id"].as_str().expect("id");
    let category_etag = format!("\"v{}\"", category["version"]);
    let (status, named, _) = put(
        &app,
        &format!("/api/v1/categories/{category_id}/translations/ko"),
        &admin,
        &category_etag,
        &json!({"name": "정치"}),
    )
    .await;
    assert_eq!(status, 201, "{named}");

    let read = app
        .get_with(
            &format!("/api/v1/reports/{report_id}"),
            &[("Accept-Language", CHAIN)],
        )
        .await
        .json();
    assert_eq!(read["title"], "미지의 영역에서 길을 찾다");
    assert_eq!(read["language"], "ko");
    assert_eq!(read["categories"][0]["name"], "정치");
    let list = app
        .get_with(
            &format!(
                "/api/v1/recommendations?report={report_id}&category={}",
                category["slug"].as_str().expect("slug")
            ),
            &[("Accept-Language", "ko")],
        )
        .await
        .json();
    assert_eq!(list["items"][0]["category"]["name"], "정치");
    for query in ["", "&status=not_assessed"] {
        let url = format!("/api/v1/stats?report={report_id}{query}");
        let stats = app.get_with(&url, &[("Accept-Language", "ko")]).await;
        assert_eq!(
            stats.json()["by_category"][0]["category"]["name"],
            "정치",
            "{query}"
        );
        let english = app.get(&url).await.json();
        assert_ne!(
            english["by_category"][0]["category"]["name"], "정치",
            "{query}"
        );
    }
}

#[actix_web::test]
async fn search_reads_translations_and_csv_exports_carry_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, etag) = app.recommendation("DEF-3").await;
    let path = format!("/api/v1/recommendations/{id}/translations/ko");
    assert_eq!(put(&app, &path, &admin, &etag, &korean()).await.0, 201);
    for q in ["상황인식", "이행계획", "우주"] {
        let url = format!("/api/v1/recommendations?q={}", crate::search::url_encode(q));
        let found = app.get(&url).await.json();
        let codes: Vec<&str> = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|r| r["code"].as_str())
            .collect();
        assert_eq!(codes, ["DEF-3"], "{q}");
    }
    let english = app
        .get("/api/v1/recommendations?q=situational%20awareness&sort=relevance")
        .await
        .json();
    assert_eq!(english["items"][0]["code"], "DEF-3", "{english}");

    // A replaced translation is searched as it now reads; a removed one no longer.
    let codes_for = |q: &'static str| {
        let app = &app;
        async move {
            let url = format!("/api/v1/recommendations?q={}", crate::search::url_encode(q));
            let found = app.get(&url).await.json();
            found["items"].as_array().expect("items").len()
        }
    };
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .header("etag")
        .expect("etag");
    let replaced = json!({"title": "궤도잔해 감시", "text": "궤도잔해 정보를 나눈다."});
    let (status, _, next) = put(&app, &path, &admin, &current, &replaced).await;
    assert_eq!(status, 200);
    assert_eq!(codes_for("상황인식").await, 0);
    assert_eq!(codes_for("잔해").await, 1);
    let removed = app
        .send_raw(
            "DELETE",
            &path,
            &[
                ("Authorization", &admin),
                ("If-Match", &next.expect("etag")),
            ],
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(codes_for("잔해").await, 0);
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .header("etag")
        .expect("etag");
    assert_eq!(put(&app, &path, &admin, &current, &korean()).await.0, 201);

    let csv = app
        .get("/api/v1/recommendations?format=csv&report=charting-a-path-in-the-uncharted-domain")
        .await;
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    let header = text.lines().next().expect("header");
    assert!(
        header.ends_with("text,language,title_en,text_en,title_ko,text_ko,title_ja,text_ja"),
        "{header}"
    );
    let row = text
        .lines()
        .find(|l| l.contains(",DEF-3,"))
        .expect("DEF-3 row");
    assert!(row.contains("우주상황인식 협력 강화"), "{row}");
    assert!(
        !row.starts_with("우주"),
        "the title column keeps the original"
    );
}

#[actix_web::test]
async fn translations_survive_export_and_import_as_documents_and_csv() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, etag) = app.recommendation("DEF-3").await;
    let path = format!("/api/v1/recommendations/{id}/translations/ko");
    assert_eq!(put(&app, &path, &admin, &etag, &korean()).await.0, 201);
    let export = "/api/v1/reports/charting-a-path-in-the-uncharted-domain/export";
    let document = app.get(export).await.json();
    let def3 = document["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .find(|r| r["code"] == "DEF-3")
        .expect("DEF-3")
        .clone();
    assert_eq!(def3["language"], "en");
    assert_eq!(def3["translations"][0]["language"], "ko");
    assert_eq!(def3["translations"][0]["title"], "우주상황인식 협력 강화");

    // The report's and its categories' translations travel in the document too.
    let report = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await;
    let report_path = format!(
        "/api/v1/reports/{}/translations/ja",
        report.json()["id"].as_str().expect("id")
    );
    let report_etag = report.header("etag").expect("etag");
    let body = json!({"title": "未知の領域への道", "summary": "日米韓の宇宙協力"});
    assert_eq!(
        put(&app, &report_path, &admin, &report_etag, &body).await.0,
        201
    );
    let category = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await
        .json()["categories"][1]
        .clone();
    let category_path = format!(
        "/api/v1/categories/{}/translations/ko",
        category["id"].as_str().expect("id")
    );
    let category_etag = format!("\"v{}\"", category["version"]);
    assert_eq!(
        put(
            &app,
            &category_path,
            &admin,
            &category_etag,
            &json!({"name": "국방"})
        )
        .await
        .0,
        201
    );
    let (id, _) = app.recommendation("DEF-3").await;
    let document = app.get(export).await.json();
    assert_eq!(
        document["report"]["translations"][0]["summary"],
        "日米韓の宇宙協力"
    );
    assert_eq!(document["categories"][1]["translations"][0]["name"], "국방");
    let elsewhere = spawn_app().await;
    let elsewhere_admin = elsewhere.admin().await;
    let moved = serde_json::to_vec(&document).expect("json");
    ok(&import(&elsewhere, &elsewhere_admin, "", "application/json", &moved).await);
    let there = elsewhere
        .get_with(
            "/api/v1/reports/charting-a-path-in-the-uncharted-domain",
            &[("Accept-Language", "ja")],
        )
        .await
        .json();
    assert_eq!(there["title"], "未知の領域への道");
    let there = elsewhere
        .get_with(
            "/api/v1/reports/charting-a-path-in-the-uncharted-domain",
            &[("Accept-Language", "ko")],
        )
        .await
        .json();
    assert_eq!(there["categories"][1]["name"], "국방");
    let (there_id, _) = elsewhere.recommendation("DEF-3").await;
    let there = elsewhere
        .get_with(
            &format!("/api/v1/recommendations/{there_id}"),
            &[("Accept-Language", "ko")],
        )
        .await
        .json();
    assert_eq!(there["title"], "우주상황인식 협력 강화");
    let again = ok(&import(&elsewhere, &elsewhere_admin, "", "application/json", &moved).await);
    assert_eq!(
        again["updated"],
        json!({"reports": 0, "categories": 0, "recommendations": 0, "milestones": 0, "agencies": 0}),
        "{again}"
    );

    // Removed here, the document brings it back; the same document again changes nothing.
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .header("etag")
        .expect("etag");
    let removed = app
        .send_raw(
            "DELETE",
            &path,
            &[("Authorization", &admin), ("If-Match", &current)],
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    let body = serde_json::to_vec(&document).expect("json");
    let result = ok(&import(&app, &admin, "", "application/json", &body).await);
    assert_eq!(result["updated"]["recommendations"], 1, "{result}");
    let read = app
        .get_with(
            &format!("/api/v1/recommendations/{id}"),
            &[("Accept-Language", "ko")],
        )
        .await
        .json();
    assert_eq!(read["title"], "우주상황인식 협력 강화");
    let again = ok(&import(&app, &admin, "", "application/json", &body).await);
    assert_eq!(again["updated"]["recommendations"], 0, "{again}");

    // CSV: an edited title_ko is written, an emptied one removes the translation.
    let csv = app.get(&format!("{export}?format=csv")).await;
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    let edited = text.replace("우주상황인식 협력 강화", "우주상황인식 공조");
    let result = ok(&import(
        &app,
        &admin,
        "?report=charting-a-path-in-the-uncharted-domain",
        "text/csv",
        edited.as_bytes(),
    )
    .await);
    assert_eq!(result["updated"]["recommendations"], 1, "{result}");
    let read = app
        .get(&format!(
            "/api/v1/recommendations/{id}?include=translations"
        ))
        .await
        .json();
    assert_eq!(read["translations"][0]["title"], "우주상황인식 공조");
    assert!(
        read["translations"][0]["author"]
            .as_str()
            .is_some_and(|a| a.contains('@'))
    );
    let emptied = text
        .replace("우주상황인식 협력 강화", "")
        .replace("한미 우주상황인식 정보를 공유하고 이행계획을 세운다.", "");
    ok(&import(
        &app,
        &admin,
        "?report=charting-a-path-in-the-uncharted-domain",
        "text/csv",
        emptied.as_bytes(),
    )
    .await);
    assert_eq!(app.count("recommendation_translations").await, 0);

    // A translation into the original's own language is a row error; nothing is written.
    let header = text.lines().next().expect("header").to_owned();
    let row = text
        .lines()
        .find(|l| l.contains(",DEF-3,"))
        .expect("row")
        .to_owned();
    let title_en = header
        .split(',')
        .position(|c| c == "title_en")
        .expect("title_en");
    let mut cells: Vec<String> = csv_cells(&row);
    cells[title_en] = "An English translation of English".into();
    let bad = format!(
        "{header}\n{}\n",
        cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    );
    let before = app.write_fingerprint().await;
    let refused = import(
        &app,
        &admin,
        "?report=charting-a-path-in-the-uncharted-domain",
        "text/csv",
        bad.as_bytes(),
    )
    .await;
    let problem = refused.assert_problem(422);
    assert_eq!(problem["errors"][0]["column"], "title_en", "{problem}");
    assert_eq!(app.write_fingerprint().await, before);
}

fn csv_cells(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let record = reader
        .records()
        .next()
        .expect("a record")
        .expect("readable");
    record.iter().map(str::to_owned).collect()
}

#[actix_web::test]
async fn an_original_in_korean_is_written_as_such_and_translated_into_english() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .send_json(
            "POST",
            "/api/v1/reports/charting-a-path-in-the-uncharted-domain/recommendations",
            &[("Authorization", &admin)],
            &json!({"code": "KO-1", "category": "political", "language": "ko",
                    "title": "한미 우주 대화 정례화", "text": "양국 우주 대화를 매년 연다."}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_str().expect("id").to_owned();
    let etag = created.header("etag").expect("etag");
    let url = format!("/api/v1/recommendations/{id}");
    let english_reader = app.get_with(&url, &[("Accept-Language", "en")]).await;
    assert_eq!(english_reader.json()["original_language"], "ko");
    assert_eq!(
        english_reader.json()["language"],
        "ko",
        "no English yet: the original"
    );
    assert_eq!(
        english_reader.header("content-language").as_deref(),
        Some("ko")
    );

    let path = format!("{url}/translations/en");
    let english = json!({"title": "Regular U.S.-ROK space dialogue", "text": "Hold the dialogue every year.", "machine_translated": true});
    let (status, _, etag) = put(&app, &path, &admin, &etag, &english).await;
    assert_eq!(status, 201);
    let read = app
        .get_with(&url, &[("Accept-Language", "en-US")])
        .await
        .json();
    assert_eq!(read["title"], "Regular U.S.-ROK space dialogue");
    assert_eq!(read["language"], "en");
    assert_eq!(read["machine_translated"], true);
    let original = app
        .get_with(&url, &[("Accept-Language", "ko")])
        .await
        .json();
    assert_eq!(original["machine_translated"], false);
    let (status, _, _) = put(
        &app,
        &format!("{url}/translations/ko"),
        &admin,
        etag.as_deref().unwrap_or(""),
        &korean(),
    )
    .await;
    assert_eq!(status, 422, "the original is Korean");

    // Marking the original English while an English translation exists is a conflict.
    let analyst = app.create_user(Role::Analyst).await.bearer();
    let before = app.write_fingerprint().await;
    let current = app.get(&url).await.header("etag").expect("etag");
    let patched = app
        .send_json(
            "PATCH",
            &url,
            &[("Authorization", &admin), ("If-Match", &current)],
            &json!({"language": "en"}),
        )
        .await;
    patched.assert_problem(409);
    assert_eq!(app.write_fingerprint().await, before);
    let refused = app
        .send_json(
            "PATCH",
            &url,
            &[("Authorization", &analyst), ("If-Match", &current)],
            &json!({"language": "ja"}),
        )
        .await;
    refused.assert_problem(403);
    assert_eq!(app.write_fingerprint().await, before);
    let patched = app
        .send_json(
            "PATCH",
            &url,
            &[("Authorization", &admin), ("If-Match", &current)],
            &json!({"language": "ja"}),
        )
        .await;
    assert_eq!(
        patched.status,
        200,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    assert_eq!(patched.json()["original_language"], "ja");

    let agency = app
        .send_json(
            "POST",
            "/api/v1/agencies",
            &[("Authorization", &admin)],
            &json!({"code": "KR-KISA", "name": "한국인터넷진흥원", "country": "KR", "language": "ko"}),
        )
        .await;
    assert_eq!(agency.status, 201);
    assert_eq!(agency.json()["original_language"], "ko");
}

#[actix_web::test]
async fn at_ten_thousand_recommendations_search_over_translations_uses_the_index() {
    let app = spawn_app().await;
    app.execute(
        "INSERT INTO recommendations (report_id, category_id, code, position, title, body) \
         SELECT c.report_id, c.id, 'SCALE-' || n, 100 + n, 'Scale recommendation ' || n, \
                'Joint work on launch services, item ' || n || '. ' || \
                (SELECT string_agg(md5((n * 10 + k)::text), ' ') FROM generate_series(1, 8) k) \
         FROM generate_series(1, 10000) AS n, \
              (SELECT id, report_id FROM categories ORDER BY position LIMIT 1) AS c",
    )
    .await;
    app.execute(
        "INSERT INTO recommendation_translations (subject_id, language, title, body) \
         SELECT id, 'ko', '궤도잔해 감시 협력 ' || code, '궤도잔해 정보를 공유하는 이행계획' \
         FROM recommendations WHERE code LIKE 'SCALE-%' AND position % 5 = 1",
    )
    .await;
    // Rows inserted in bulk wait in the GIN index's pending list, which the planner prices
    // as a scan of its own; an import (and autovacuum) moves them into the index.
    app.execute("DO $$ BEGIN PERFORM gin_clean_pending_list('recommendations_search_idx'); END $$")
        .await;
    app.execute("ANALYZE recommendations").await;
    // The list's search condition, planned as the list plans it (a parameter, not a literal).
    app.execute(
        "CREATE FUNCTION test_search_plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$ \
         DECLARE line text; BEGIN \
         FOR line IN EXECUTE 'EXPLAIN SELECT id FROM recommendations \
             WHERE search @@ (SELECT search_query($1))' USING q LOOP RETURN NEXT line; END LOOP; \
         END $$",
    )
    .await;
    for q in ["잔해", "궤도잔해 감시", "launch services"] {
        let plan = app
            .query_text(&format!(
                "SELECT string_agg(line, E'\\n') FROM test_search_plan('{q}') AS line"
            ))
            .await;
        assert!(plan.contains("recommendations_search_idx"), "{q}:\n{plan}");
    }
    let found = app
        .get(&format!(
            "/api/v1/recommendations?q={}&limit=1",
            crate::search::url_encode("잔해")
        ))
        .await;
    assert_eq!(found.status, 200);
    assert!(
        found.json()["items"][0]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("SCALE-"))
    );
}

#[actix_web::test]
async fn every_subject_refuses_translation_writes_and_language_clashes_without_a_trace() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let analyst = app.create_user(Role::Analyst).await.bearer();
    let report = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await;
    let report_id = report.json()["id"].as_str().expect("id").to_owned();
    let category = report.json()["categories"][0].clone();
    let category_id = category["id"].as_str().expect("id").to_owned();
    let agency_id = app.agency_id("KR-KASA").await;
    let subjects = [
        (
            format!("/api/v1/reports/{report_id}"),
            report.header("etag").expect("etag"),
            json!({"title": "보고서", "summary": ""}),
        ),
        (
            format!("/api/v1/categories/{category_id}"),
            format!("\"v{}\"", category["version"]),
            json!({"name": "정치"}),
        ),
        (
            format!("/api/v1/agencies/{agency_id}"),
            app.get(&format!("/api/v1/agencies/{agency_id}"))
                .await
                .header("etag")
                .expect("etag"),
            json!({"name": "우주항공청 2"}),
        ),
    ];
    let before = app.write_fingerprint().await;
    for (url, etag, body) in &subjects {
        let ja = format!("{url}/translations/ja");
        let refusals = [
            (analyst.as_str(), etag.as_str(), ja.clone(), 403),
            (admin.as_str(), "\"v999.1\"", ja.clone(), 412),
            (admin.as_str(), "", ja.clone(), 428),
            (
                admin.as_str(),
                etag.as_str(),
                format!("{url}/translations/en"),
                422,
            ),
        ];
        for (auth, if_match, path, status) in refusals {
            let (got, problem, _) = put(&app, &path, auth, if_match, body).await;
            assert_eq!(got, status, "PUT {path}: {problem}");
            assert_eq!(app.write_fingerprint().await, before, "PUT {path} {status}");
        }
        let stale = app
            .send_raw(
                "DELETE",
                &ja,
                &[("Authorization", &admin), ("If-Match", "\"v999.1\"")],
                None,
            )
            .await;
        assert_eq!(stale.status, 412, "DELETE {ja}");
        let absent = app
            .send_raw(
                "DELETE",
                &ja,
                &[("Authorization", &admin), ("If-Match", etag)],
                None,
            )
            .await;
        assert_eq!(absent.status, 404, "DELETE {ja}");
        assert_eq!(app.write_fingerprint().await, before, "DELETE {ja}");
    }

    // Marking an original Korean while a Korean translation exists: 409, for each subject.
    for (url, etag, body) in &subjects {
        let (status, _, _) = put(&app, &format!("{url}/translations/ko"), &admin, etag, body).await;
        assert!(matches!(status, 200 | 201), "{url}: {status}");
    }
    let after_writes = app.write_fingerprint().await;
    for (url, _, _) in &subjects {
        // A category has no read of its own: its tag is its version as the report lists it.
        let current = if url.contains("/categories/") {
            let report = app
                .get(&format!("/api/v1/reports/{report_id}"))
                .await
                .json();
            format!("\"v{}\"", report["categories"][0]["version"])
        } else {
            app.get(url).await.header("etag").expect("etag")
        };
        let clash = app
            .send_json(
                "PATCH",
                url,
                &[("Authorization", &admin), ("If-Match", &current)],
                &json!({"language": "ko"}),
            )
            .await;
        clash.assert_problem(409);
        assert_eq!(app.write_fingerprint().await, after_writes, "PATCH {url}");
    }

    // A document whose translation repeats the original's language is refused whole.
    let mut document = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/export")
        .await
        .json();
    document["recommendations"][0]["translations"] =
        json!([{"language": "en", "title": "Same language"}]);
    document["categories"][0]["translations"] = json!([{"language": "en", "name": "Same"}]);
    let body = serde_json::to_vec(&document).expect("json");
    let refused = import(&app, &admin, "", "application/json", &body).await;
    let problem = refused.assert_problem(422);
    let columns: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["column"].as_str())
        .collect();
    assert!(
        columns
            .iter()
            .any(|c| c.contains("translations/0/language")),
        "{problem}"
    );
    assert_eq!(app.write_fingerprint().await, after_writes);
}
