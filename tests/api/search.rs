//! `q=` in Korean and Japanese: words inside compounds, with particles, in text without
//! spaces, and mixed with English; English stemming and ranking as before.

use crate::helpers::{TestApp, spawn_app};
use serde_json::json;

const REPORT: &str = "hangul-search";

async fn add(app: &TestApp, admin: &str, code: &str, title: &str, text: &str) {
    let added = app
        .send_json(
            "POST",
            &format!("/api/v1/reports/{REPORT}/recommendations"),
            &[("Authorization", admin)],
            &json!({"code": code, "title": title, "text": text, "category": "space"}),
        )
        .await;
    assert_eq!(
        added.status,
        201,
        "{}",
        String::from_utf8_lossy(&added.body)
    );
}

/// Codes found by `q` in the test's report, in report order.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    let query = url_encode(q);
    let answer = app
        .get(&format!(
            "/api/v1/recommendations?report={REPORT}&sort=code&q={query}"
        ))
        .await;
    assert_eq!(
        answer.status,
        200,
        "{q}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect()
}

pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn korean_and_japanese_words_are_found_inside_compounds_and_inflected_forms() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let report = app
        .send_json(
            "POST",
            "/api/v1/reports",
            &[("Authorization", &admin)],
            &json!({"slug": REPORT, "title": "검색 시험", "publisher": "policytrack",
                    "categories": [{"slug": "space", "name": "Space"}]}),
        )
        .await;
    assert_eq!(report.status, 201);
    add(
        &app,
        &admin,
        "KO-1",
        "한미 우주협력의 강화",
        "양국은 우주협력의 이행계획을 세운다.",
    )
    .await;
    add(
        &app,
        &admin,
        "KO-2",
        "우주 산업 공급망",
        "KASA와 NASA의 협력 체계를 만든다.",
    )
    .await;
    add(
        &app,
        &admin,
        "JA-1",
        "日米韓の宇宙協力を推進する",
        "宇宙状況監視の情報共有を強化する。",
    )
    .await;
    add(
        &app,
        &admin,
        "EN-1",
        "Space situational awareness",
        "Share space situational awareness data among allies.",
    )
    .await;

    // A word inside a compound, with a particle after it.
    assert_eq!(found(&app, "협력").await, ["KO-1", "KO-2"]);
    assert_eq!(found(&app, "우주협력").await, ["KO-1"]);
    assert_eq!(found(&app, "이행계획").await, ["KO-1"]);
    assert_eq!(found(&app, "우주").await.len(), 2);
    // Bigrams must be adjacent and in order: 협우 is not in any text.
    assert!(found(&app, "협우").await.is_empty());
    // Japanese without spaces.
    assert_eq!(found(&app, "宇宙協力").await, ["JA-1"]);
    assert_eq!(found(&app, "情報共有").await, ["JA-1"]);
    assert_eq!(found(&app, "監視").await, ["JA-1"]);
    // Mixed: both parts must match.
    assert_eq!(found(&app, "KASA 협력").await, ["KO-2"]);
    assert!(found(&app, "awareness 협력").await.is_empty());
    // Two Korean words anywhere in the text.
    assert_eq!(found(&app, "양국 이행계획").await, ["KO-1"]);
    // A single syllable is a prefix.
    assert!(found(&app, "협").await.contains(&"KO-1".to_owned()));
    // Query syntax characters around CJK text are text, not operators, and never an error.
    for hostile in [
        "協力&|!<->:*()'",
        "・ー゠",
        "우주 -협력 \"KASA\" OR",
        "'협력':*",
    ] {
        found(&app, hostile).await;
    }
    // English keeps its stemming and its ranking.
    assert_eq!(found(&app, "allied").await, ["EN-1"]);
    let everywhere = app
        .get("/api/v1/recommendations?q=awareness%20OR%20situational%20OR%20space&limit=5")
        .await
        .json();
    assert_eq!(everywhere["items"][0]["code"], "DEF-3", "{everywhere}");
    // The counts a dashboard shows search the same way.
    let stats = app
        .get(&format!(
            "/api/v1/stats?report={REPORT}&q={}",
            url_encode("협력")
        ))
        .await
        .json();
    assert_eq!(stats["recommendations"], 2);
}
