-- Secrets the shop generates for itself (the session cookie key when SHOP_SESSION_KEY is not
-- set), kept in the database so that every instance sharing it agrees on them.
CREATE TABLE app_secrets (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
