# The NRP CRM server image: the server binary plus the built web app.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && cargo install --locked trunk@0.21.14 \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && apt-get update && apt-get install -y --no-install-recommends binaryen && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The three web bundles, as scripts/build-web.sh builds them: the contractor app at /, the admin
# app at /admin and the account app at /account, with precompressed copies.
RUN trunk build web/index.html --offline --release --cargo-profile web-release \
 && trunk build web/admin.html --offline --release --cargo-profile web-release --public-url /admin/ --dist web/dist/admin \
 && trunk build web/account.html --offline --release --cargo-profile web-release --public-url /account/ --dist web/dist/account \
 && find web/dist -name '*.wasm' -o -name '*.js' -o -name '*.css' | xargs gzip -9 -k -f \
 && cargo build --release -p nrp-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data nrp && mkdir -p /data && chown nrp /data
COPY --from=build /src/target/release/nrp-server /usr/local/bin/nrp-server
COPY --from=build /src/web/dist /srv/web
ENV BIND_ADDR=0.0.0.0:8080 DATA_DIR=/data WEB_DIST_DIR=/srv/web
USER nrp
EXPOSE 8080
ENTRYPOINT ["nrp-server"]
CMD ["serve"]
