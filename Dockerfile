# syntax=docker/dockerfile:1
# A conventional multi-stage build of one crm-suite binary, for those who
# build with Docker (or BuildKit, kaniko, podman) elsewhere. This repository
# builds its images without a Docker engine: `make images` (buildah, see
# scripts/build-images.sh) gives the same image layout.
#
#   docker build --build-arg SERVICE=loyalty -t crm-loyalty:0.1.0 .
#
# SERVICE: customer-profile, segmentation, loyalty, feedback or gateway.
# The final image is `scratch` with the files scripts/stage-image-root.sh
# lays out: the binary, exactly the shared libraries it needs, CA
# certificates, tzdata, user crm (65532).

ARG DEBIAN_IMAGE=debian:12

FROM ${DEBIAN_IMAGE} AS build
# The build packages of scripts/install-deps.sh, without the test and
# local-database ones (tests/k8s checks that every -dev package listed
# there is also installed here).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates tzdata \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libmysqlcppconn-dev libboost-dev libphonenumber-dev libssl-dev libicu-dev \
      libcurl4-openssl-dev \
      grpc-proto nodejs npm binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# npm inputs first, so the layer is reused while only sources change.
COPY protos/googleapis/package.json protos/googleapis/package-lock.json protos/googleapis/
COPY gateway/web-vendor/package.json gateway/web-vendor/package-lock.json gateway/web-vendor/
# The dashboard (gateway/web) is bundled at build time, so its development
# dependencies (the bundler) are installed too.
COPY gateway/web/package.json gateway/web/package-lock.json gateway/web/
RUN cd protos/googleapis && npm ci --no-audit --no-fund --loglevel=error \
 && cd /src/gateway/web-vendor && npm ci --no-audit --no-fund --loglevel=error --omit=dev \
 && cd /src/gateway/web && npm ci --no-audit --no-fund --loglevel=error
COPY . .
ARG SERVICE=customer-profile
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRM_BUILD_TESTS=OFF \
 && cmake --build /build --target crm-${SERVICE} \
 && binary=$(find /build -type f -name "crm-${SERVICE}" -perm -u+x | head -n 1) \
 && scripts/stage-image-root.sh "${SERVICE}" "${binary}" /rootfs \
 && ln -s "crm-${SERVICE}" /rootfs/usr/local/bin/crm

FROM scratch
ARG SERVICE=customer-profile
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=crm-suite
COPY --from=build /rootfs/ /
USER 65532:65532
ENV TZ=UTC
STOPSIGNAL SIGTERM
# gRPC and admin ports of the services (50051-50054, 9091-9094) or the
# gateway's HTTP port (8080); see k8s/base/<service>/config.env.
EXPOSE 50051-50054 9091-9094 8080
LABEL org.opencontainers.image.title="crm-${SERVICE}" \
      org.opencontainers.image.description="crm-suite ${SERVICE}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}"
# Exec-form ENTRYPOINT cannot expand an ARG: /usr/local/bin/crm is a
# symlink to /usr/local/bin/crm-${SERVICE}.
ENTRYPOINT ["/usr/local/bin/crm"]
