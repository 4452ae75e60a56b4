DROP TABLE IF EXISTS app_secrets;
