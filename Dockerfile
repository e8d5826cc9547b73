# syntax=docker/dockerfile:1
#
# One image for every in-cluster part of ipledger: the node agent, the init container that
# installs the CNI plugin (the native pipe, built in the Go stage) on each host, the projector,
# the reconciler and the import Job.
#
#   docker build -t registry.example.com/ipledger:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t registry.example.com/ipledger:0.1.0 --push .
#
# NOT YET BUILT: the machines this project is developed on have no container engine, so this
# recipe has never run. It is kept minimal on purpose; docs/operations.md ("The image") lists
# what to check after the first build.

# Node 24 LTS by default (Node 20 reached end of life in April 2026); --build-arg NODE_VERSION=20
# still builds, as the project supports Node >= 20.19.
ARG NODE_VERSION=24
ARG GO_VERSION=1.26

# The CNI plugin: the native pipe of plugin/native (standard library only), cross-compiled on the
# build machine for the target platform: static (CGO_ENABLED=0), stripped, about 2 MB. The final
# stage runs it once (CNI VERSION) as a smoke test.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS cni
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY plugin/native/go.mod plugin/native/main.go plugin/native/versions.json ./
RUN CGO_ENABLED=0 GOTOOLCHAIN=local GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o /out/ipledger-cni .

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
# better-sqlite3 is compiled here, for the platform being built (buildx --platform), against the
# headers of this image's own Node, instead of downloading a prebuilt binary. The bookworm image
# carries python3, make and g++ for node-gyp.
ENV npm_config_build_from_source=better-sqlite3 \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts scripts
COPY migrations migrations
COPY ledger ledger
COPY projections projections
COPY plugin plugin
COPY src src
COPY test/bench test/bench
COPY test/support test/support
# The CLI, the agent, the TypeScript pipe and the migrations in dist/; then runtime deps only.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# Static: the pipe needs nothing from the host it is installed on, not even its libc.
COPY --from=cni /out/ipledger-cni /usr/local/lib/ipledger/ipledger-cni
COPY deploy/image/ipledger-cluster.sh /usr/local/bin/ipledger-cluster
COPY deploy/image/ipledger-install-cni.sh /usr/local/bin/ipledger-install-cni
# Through a symlink, so Node sees the .mjs name and loads the probe as an ES module.
COPY deploy/image/ipledger-probe.mjs /usr/local/lib/ipledger/ipledger-probe.mjs
RUN ln -s /app/dist/src/cli/bin.js /usr/local/bin/ipledger \
 && ln -s /usr/local/lib/ipledger/ipledger-probe.mjs /usr/local/bin/ipledger-probe \
 && chmod 0755 /usr/local/bin/ipledger-cluster /usr/local/bin/ipledger-install-cni /usr/local/lib/ipledger/ipledger-probe.mjs \
 && ipledger --help > /dev/null \
 && echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION /usr/local/lib/ipledger/ipledger-cni > /dev/null
ENTRYPOINT ["ipledger"]
