DROP TABLE selftest_runs;
