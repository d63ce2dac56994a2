//! The languages texts are kept in, and which of them a reader asked for.

crate::text_enum! {
    /// A language a text is written or translated in (ISO 639-1).
    pub enum Language {
        En => "en",
        Ko => "ko",
        Ja => "ja",
    }
}

/// The languages a reader wants, most wanted first; empty: no preference (originals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preference(Vec<Language>);

impl Preference {
    /// Exactly one language (`lang=`).
    pub fn only(language: Language) -> Self {
        Self(vec![language])
    }

    /// An `Accept-Language` header (RFC 9110 §12.5.4): ranges by descending `q` (ties keep
    /// their order), `ko-KR` counting as `ko`; languages we do not keep, `*` and `q=0` are
    /// left out, so an unsupported list means no preference rather than an error.
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranked: Vec<(u16, usize, Language)> = Vec::new();
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or_default().trim();
            let primary = range.split('-').next().unwrap_or_default();
            let Ok(language) = primary.to_ascii_lowercase().parse::<Language>() else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if !(quality > 0.0 && quality <= 1.0) {
                continue;
            }
            ranked.push(((quality * 1000.0).round() as u16, position, language));
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut languages: Vec<Language> = Vec::new();
        for (_, _, language) in ranked {
            if !languages.contains(&language) {
                languages.push(language);
            }
        }
        Self(languages)
    }

    pub fn languages(&self) -> &[Language] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `ko-en`: what a cache key or an ETag varies by (no comma: ETag lists split on it).
    pub fn key(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|l| l.as_str()).collect();
        names.join("-")
    }

    /// The language to show a text in: the first wanted one that is the original or has a
    /// translation; the original when none is.
    pub fn pick(&self, original: Language, translated: impl Fn(Language) -> bool) -> Language {
        self.0
            .iter()
            .copied()
            .find(|&l| l == original || translated(l))
            .unwrap_or(original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::*;

    #[test]
    fn accept_language_orders_by_quality_and_folds_regions() {
        let p = Preference::from_accept_language("ko-KR,ko;q=0.9,en;q=0.8");
        assert_eq!(p.languages(), &[Ko, En]);
        let p = Preference::from_accept_language("en;q=0.5, ja, fr;q=0.9, *;q=0.1");
        assert_eq!(p.languages(), &[Ja, En]);
        let p = Preference::from_accept_language("ko;q=0, de, EN-us");
        assert_eq!(p.languages(), &[En]);
        assert!(Preference::from_accept_language("fr, de;q=0.4").is_empty());
    }

    #[test]
    fn the_pick_falls_back_along_the_list_then_to_the_original() {
        let p = Preference::from_accept_language("ja,ko;q=0.8");
        assert_eq!(p.pick(En, |l| l == Ko), Ko);
        assert_eq!(p.pick(En, |_| false), En);
        assert_eq!(p.pick(Ko, |l| l == Ja), Ja);
        assert_eq!(p.pick(Ja, |_| true), Ja);
        assert_eq!(Preference::default().pick(Ko, |_| true), Ko);
    }
}
