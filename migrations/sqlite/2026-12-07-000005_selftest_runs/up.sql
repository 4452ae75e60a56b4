-- Runs of the integration self-test (admin → go-live), kept so that the page can show a run's
-- progress from any instance and its result afterwards. `steps` is the JSON array of rows as
-- shown; `outcome` is `running`, `passed` or `failed`.
CREATE TABLE selftest_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    started_by TEXT NOT NULL,
    environment TEXT NOT NULL,
    outcome TEXT NOT NULL,
    steps TEXT NOT NULL
);
