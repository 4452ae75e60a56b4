//! Browser tests: a shopper's real clicks in headless Chromium, driven over WebDriver
//! (chromedriver), against a shop and its in-process AsiaBill simulator started by each test.
//! They prove that the pages, the redirects and the simulator's JS SDK stand-in with its card
//! iframe work together.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromedriver`; `CHROMEDRIVER` and
//! `CHROME_BIN` override the paths). Without chromedriver every scenario is skipped with a printed
//! reason, unless `CI` is set: then it fails.
//!
//! Each scenario gets a shop of its own on a fresh SQLite database (always SQLite, even when
//! `TEST_DATABASE_URL` names PostgreSQL: these tests are about the browser, and the API suite
//! covers both databases), its own chromedriver and Chromium profile, and saves a screenshot
//! and the page source under `target/browser-screenshots/` when it fails. After its steps, each
//! scenario checks that neither the process's log output nor its shop's database holds any card
//! number or CVV typed so far by any scenario of this run.

mod account;
mod admin;
mod harness;
mod layout;
mod local;
mod shopper;
