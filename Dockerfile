# sgaudit's container image, for scheduled audits (docs/scheduled.md): the release binary with the
# `full` features (Security Hub, S3, CloudWatch Logs, Parquet), CA certificates, an unprivileged user, the demo recording.
#
# Its two steps are project scripts that CI runs without a container engine (scripts/container-check.sh):
# the build command (scripts/container-build.sh) and the runtime check (scripts/container-runtime-check.sh,
# here as the image's own user with an empty HOME). Change them there, not here.

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
RUN bash scripts/container-build.sh

FROM debian:bookworm-slim
# ca-certificates follows the distribution's security updates, so it is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin sgaudit \
    && mkdir -p /home/sgaudit \
    && chown 10001:10001 /home/sgaudit
COPY --from=build /src/target/release/sgaudit /usr/local/bin/sgaudit
COPY mocks/tiered /usr/share/sgaudit/demo
COPY scripts/container-runtime-check.sh /usr/share/sgaudit/container-runtime-check.sh
USER 10001:10001
ENV HOME=/home/sgaudit
WORKDIR /home/sgaudit
RUN bash /usr/share/sgaudit/container-runtime-check.sh /usr/local/bin/sgaudit /usr/share/sgaudit/demo
ENTRYPOINT ["sgaudit"]
CMD ["--help"]
