# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and bundle the CLI (dist/intake) with the dev
# dependencies. The image's Node is 26 LTS,
# so the npm package `node` (the pinned runtime for machines with an older Node) is not
# fetched: --ignore-scripts skips its download, and it is the only dependency with an
# install script.
FROM node:26-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
COPY scripts/bundle.mjs ./scripts/bundle.mjs
RUN npm run build

# Runtime stage: Node 26 LTS, production dependencies only, unprivileged user.
FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && rm -rf node_modules/node && npm cache clean --force
COPY --from=build /src/dist/intake ./dist/intake
COPY bin ./bin
COPY config ./config
COPY config/docker.yaml ./config/intake.yaml
RUN groupadd --system intake && useradd --system --gid intake --home-dir /app intake \
    && mkdir -p /app/data /app/keys && chown intake:intake /app/data /app/keys
USER intake
# The store (/app/data/intake.sqlite: evidence, tickets, queue — with the logs and the
# pickup directory beside it) and the keys outlive the container; mount your
# configuration read-only over /app/config/intake.yaml (see README: Docker). With
# store.engine: postgresql the data volume holds only logs.
VOLUME ["/app/data", "/app/keys"]
EXPOSE 2525 9465
# GET /healthz of intake serve (config/docker.yaml enables metrics on port 9465): 200 when
# the store answers, the team key is loaded and the listeners are up, 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9465/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same launcher as on a host: with node_modules/node removed it runs the image's Node
# (26; it refuses anything older than 24).
ENTRYPOINT ["/app/bin/intake"]
CMD ["serve", "--config", "/app/config/intake.yaml"]
