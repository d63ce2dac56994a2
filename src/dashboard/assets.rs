//! The dashboard's files, compiled into the binary so the service needs no build step and
//! no other host at run time.

use crate::http::conditional::body_tag;
use std::sync::LazyLock;

/// One embedded file with its content type and the tag a client revalidates with.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    pub etag: String,
}

macro_rules! embedded {
    ($(($name:literal, $type:expr)),* $(,)?) => {
        [$(($name, $type, include_str!(concat!("assets/", $name)))),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static FILES: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    embedded![
        ("index.html", "text/html; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("app.js", JS),
        ("api.js", JS),
        ("ui.js", JS),
        ("charts.js", JS),
        ("overview.js", JS),
        ("report.js", JS),
        ("recommendation.js", JS),
        ("agencies.js", JS),
        ("timeline.js", JS),
        ("trend.js", JS),
        ("signin.js", JS),
        ("favicon.svg", "image/svg+xml"),
    ]
    .into_iter()
    .map(|(name, content_type, body)| Asset {
        name,
        content_type,
        body,
        etag: body_tag(body.as_bytes()),
    })
    .collect()
});

/// The file called `name`, if the dashboard has one.
pub fn find(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|asset| asset.name == name)
}

/// The page every dashboard route answers with; the script picks the view from the URL.
pub fn shell() -> &'static Asset {
    find("index.html").expect("index.html is embedded")
}
