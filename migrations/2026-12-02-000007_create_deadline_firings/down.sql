DROP TABLE deadline_firings;
