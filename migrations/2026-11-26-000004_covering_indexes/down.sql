DROP INDEX milestones_recommendation_id_idx;
CREATE INDEX milestones_recommendation_id_idx ON milestones (recommendation_id, position, id);

DROP INDEX recommendations_report_position_idx;
CREATE INDEX recommendations_report_position_idx ON recommendations (report_id, position, id);
