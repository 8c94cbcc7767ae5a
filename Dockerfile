# zoo and the seed's Python, Node and Go apps in one image; zoo is the one process the container runs.
#   docker build -t zoo . && docker run --rm -p 8000:8000 zoo

# The Go app is built where Go is; only its binary goes on.
FROM golang:bookworm AS go-app
WORKDIR /src
COPY fixtures/go/go.mod fixtures/go/*.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/go-app .

# zoo compiled to JavaScript: in the image it runs dist/, not its TypeScript through Node's type stripping,
# which costs about 30 MB of RSS at idle (docs/performance.md).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret:
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt -t zoo .
RUN --mount=type=secret,id=ca-certificates,required=false \
    if [ -f /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# zoo's production dependencies only (the `node` devDependency is not needed: the image's own node is 24).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca-certificates,required=false \
    if [ -f /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
# python3-fastapi, python3-uvicorn: the Python app, from Debian (no pip, no PyPI).
# tini: PID 1 that forwards signals to zoo and reaps orphaned zombies, which Node as PID 1 does not.
# procps: `ps`, which zoo needs to find an app's descendants that left its process group.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-fastapi python3-uvicorn tini procps \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin zoo \
 && printf '#!/bin/sh\nexec node /app/dist/cli.js "$@"\n' > /usr/local/bin/zoo && chmod 755 /usr/local/bin/zoo

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json zoo.config.json ./
COPY --from=build /app/dist ./dist
COPY fixtures/python ./fixtures/python
COPY fixtures/node ./fixtures/node
COPY fixtures/static ./fixtures/static
COPY fixtures/go/run.sh ./fixtures/go/
COPY --from=go-app /out/go-app ./fixtures/go/go-app

# Files stay root's: the apps can read them, not change them. A numeric user lets Kubernetes check runAsNonRoot.
USER 10001:10001
ENV NODE_ENV=production PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["zoo", "health"]
ENTRYPOINT ["tini", "--"]
CMD ["zoo", "start"]
