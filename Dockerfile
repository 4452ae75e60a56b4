# The shop's image: `docker build .` needs nothing but this repository.
#
# Stage 1 compiles the dependencies against empty sources, so that a change to the shop's own
# code rebuilds only the shop (the layer with every crate of Cargo.lock stays cached); stage 2
# compiles the shop; stage 3 is the runtime: the binary, its static files and a user of its own.

FROM rust:1.95-bookworm AS build
WORKDIR /build

# The manifests of every workspace member (cargo refuses a workspace with one missing) and empty
# sources for each, then the dependencies alone.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
COPY crates/asiabill/Cargo.toml crates/asiabill/
COPY crates/asiabill-sandbox/Cargo.toml crates/asiabill-sandbox/
COPY crates/loadgen/Cargo.toml crates/loadgen/
RUN mkdir -p src crates/asiabill/src crates/asiabill-sandbox/src crates/loadgen/src \
    && touch src/lib.rs crates/asiabill/src/lib.rs crates/asiabill-sandbox/src/lib.rs \
    && echo 'fn main() {}' > src/main.rs \
    && echo 'fn main() {}' > crates/loadgen/src/main.rs \
    && cargo build --release --locked -p asiabill-shop --bin shop

# The real sources. COPY keeps their modification times, which may be older than the empty
# files built above; touching each crate's root makes cargo rebuild the three crates.
COPY src src
COPY crates crates
COPY templates templates
COPY locales locales
COPY migrations migrations
RUN touch src/lib.rs src/main.rs crates/asiabill/src/lib.rs crates/asiabill-sandbox/src/lib.rs \
    && cargo build --release --locked -p asiabill-shop --bin shop

FROM debian:bookworm-slim AS runtime
# libssl3: the bundled libpq links OpenSSL for TLS to PostgreSQL; ca-certificates: https to
# AsiaBill and SMTP; curl: the health check below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home --home-dir /app --shell /usr/sbin/nologin shop
WORKDIR /app
# Templates, locales and migrations are compiled into the binary; the static files are served
# from `static/` in the working folder (`web::state::static_dir`). `var/` is where the default
# SQLite database goes when DATABASE_URL is not set, so the image also runs alone.
COPY --from=build /build/target/release/shop /usr/local/bin/shop
COPY static static
RUN mkdir var && chown shop:shop var
USER shop

# The shop and the simulator's default ports; bind them beyond the container with
# SHOP_BIND=0.0.0.0:8080 (and SANDBOX_BIND, or `sandbox --bind`).
EXPOSE 8080 8081
# Ready means the database answers (and, outside `local`, AsiaBill's host resolves). The port is
# SHOP_BIND's; the default SHOP_BIND listens on loopback, which the check reaches too.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD bind="${SHOP_BIND:-127.0.0.1:8080}"; curl -fsS -o /dev/null "http://127.0.0.1:${bind##*:}/readyz" || exit 1
ENTRYPOINT ["shop"]
CMD ["serve"]
