DROP TABLE gateway_calls;
