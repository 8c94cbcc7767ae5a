# zoo and the seed's Python, Node and Go apps in one image; zoo is the one process the container runs.
#   docker build -t zoo . && docker run --rm -p 8000:8000 zoo
# zoo alone, one file to copy into any glibc image (README, "Add zoo to your image"):
#   docker build --target zoo-bin -t zoo-bin .   then   COPY --from=zoo-bin /zoo /usr/local/bin/zoo

# The Go app is built where Go is; only its binary goes on.
FROM golang:bookworm AS go-app
WORKDIR /src
COPY fixtures/go/go.mod fixtures/go/*.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/go-app .

# zoo as one file: its JavaScript bundled and injected into the official Node 24 binary (scripts/build-binary.ts).
# binutils: `strip`, which drops Node's debug symbols (18 MB). gcc, libc6-dev: zoo's malloc_trim addon
# (scripts/build-native.ts), which the binary carries. tini: its static build, shipped beside zoo.
FROM node:24-bookworm-slim AS binary
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends binutils gcc libc6-dev tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret:
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt -t zoo .
RUN --mount=type=secret,id=ca-certificates,required=false \
    if [ -f /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-binary.ts scripts/build-native.ts scripts/sea-modules.ts ./scripts/
COPY native/malloc-trim.c ./native/
COPY src ./src
RUN node scripts/build-binary.ts --out /out/zoo && /out/zoo --version

# Only zoo, and a static tini: `COPY --from=<this image> /zoo /usr/local/bin/zoo` (and `/tini /usr/local/bin/tini`).
FROM scratch AS zoo-bin
COPY --from=binary /out/zoo /zoo
COPY --from=binary /usr/bin/tini-static /tini

# The seed image: like the seed's python:3-slim with a Node binary and a Go binary copied in, plus zoo.
FROM debian:bookworm-slim
# python3-fastapi, python3-uvicorn: the Python app, from Debian (no pip, no PyPI).
# tini: PID 1 that forwards signals to zoo and reaps orphaned zombies.
# procps: `ps`, which zoo needs to find an app's descendants that left its process group.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-fastapi python3-uvicorn tini procps \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin zoo
# Node only for the seed's Node app: zoo itself needs none.
COPY --from=node:24-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=zoo-bin /zoo /usr/local/bin/zoo

WORKDIR /app
COPY zoo.config.json ./
COPY fixtures/python ./fixtures/python
COPY fixtures/node ./fixtures/node
COPY fixtures/static ./fixtures/static
COPY fixtures/go/run.sh ./fixtures/go/
COPY --from=go-app /out/go-app ./fixtures/go/go-app

# Files stay root's: the apps can read them, not change them. A numeric user lets Kubernetes check runAsNonRoot.
USER 10001:10001
# MALLOC_ARENA_MAX=2: glibc's malloc arenas limited for zoo and, here, for the apps too, as a container with a memory
# limit wants (README, "Memory"). Without it zoo still limits its own, and the apps keep glibc's default.
ENV NODE_ENV=production PYTHONDONTWRITEBYTECODE=1 MALLOC_ARENA_MAX=2
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["zoo", "health"]
ENTRYPOINT ["tini", "--"]
CMD ["zoo", "start"]
