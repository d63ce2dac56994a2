DROP TRIGGER events_enqueue_deliveries ON events;
DROP FUNCTION enqueue_deliveries();
DROP TABLE deliveries;
DROP TABLE webhooks;
