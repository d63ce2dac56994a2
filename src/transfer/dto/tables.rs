//! The export workbook's milestone and history sheets, read off the report document (its
//! recommendation sheet is the recommendation list's table).

use super::ReportDocument;
use crate::http::table::Table;

pub fn milestones(doc: &ReportDocument) -> Table {
    let mut table = Table::new(&[
        "recommendation_code",
        "position",
        "title",
        "status",
        "owner_agency_code",
        "due_on",
        "completed_on",
        "weight",
        "description",
    ]);
    for rec in &doc.recommendations {
        for m in rec.milestones.iter().flatten() {
            table.push(vec![
                rec.code.clone(),
                m.position.to_string(),
                m.title.clone(),
                m.status.to_string(),
                m.owner_agency.clone().unwrap_or_default(),
                m.due_on.map(|d| d.to_string()).unwrap_or_default(),
                m.completed_on.map(|d| d.to_string()).unwrap_or_default(),
                m.weight.to_string(),
                m.description.clone(),
            ]);
        }
    }
    table
}

pub fn history(doc: &ReportDocument) -> Table {
    let mut table = Table::new(&[
        "recommendation_code",
        "recorded_at",
        "from_status",
        "to_status",
        "health",
        "effective_on",
        "actor",
        "approved_by",
        "evidence_urls",
        "note",
    ]);
    for rec in &doc.recommendations {
        for h in rec.history.iter().flatten() {
            table.push(vec![
                rec.code.clone(),
                h.recorded_at.to_rfc3339(),
                h.from_status.to_string(),
                h.to_status.to_string(),
                h.health.map(|x| x.to_string()).unwrap_or_default(),
                h.effective_on.to_string(),
                h.actor.clone().unwrap_or_default(),
                h.approved_by.clone().unwrap_or_default(),
                h.evidence_urls.join(" "),
                h.note.clone(),
            ]);
        }
    }
    table
}
