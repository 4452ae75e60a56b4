#!/usr/bin/env bash
# The full benchmark: builds the shop and the load generator in release, runs every scenario on
# SQLite (and on PostgreSQL when one answers), prints the table and writes it into
# bench/README.md between the results markers (and bench/results.md). See bench/README.md.
#
#   bash bench/run.sh                     # everything, 10 s a scenario
#   bash bench/run.sh --duration 30s      # extra arguments go to the load generator
#   BENCH_POSTGRES_URL=postgres://… bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
target="${CARGO_TARGET_DIR:-target}"
pg_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

echo "== cargo build --release (shop, loadgen)"
cargo build --release --bin shop --bin loadgen

args=(--shop "$target/release/shop" --markdown bench/results.md)
host_port="${pg_url#*@}"; host_port="${host_port%%/*}"
if command -v pg_isready >/dev/null \
  && pg_isready -q -h "${host_port%%:*}" -p "${host_port##*:}" 2>/dev/null; then
  args+=(--postgres "$pg_url")
else
  echo "PostgreSQL does not answer at $host_port: SQLite only"
fi

echo "== loadgen ${args[*]} $*"
status=0
"$target/release/loadgen" "${args[@]}" "$@" || status=$?

# Put the new table into the README, between the markers.
if [ -s bench/results.md ]; then
  awk -v results=bench/results.md '
    BEGIN { while ((getline line < results) > 0) body = body line "\n" }
    /<!-- results:start -->/ { print; printf "%s", body; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip { print }
  ' bench/README.md > bench/README.md.new
  mv bench/README.md.new bench/README.md
  echo "results written to bench/README.md and bench/results.md"
fi
exit "$status"
