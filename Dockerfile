# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build

# Runtime stage: Node 24 LTS, production dependencies only, unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY config ./config
COPY config/docker.yaml ./config/intake.yaml
RUN groupadd --system intake && useradd --system --gid intake --home-dir /app intake \
    && mkdir -p /app/data /app/keys && chown intake:intake /app/data /app/keys
USER intake
# The archive and the keys outlive the container; mount your configuration read-only
# over /app/config/intake.yaml (see README: Docker).
VOLUME ["/app/data", "/app/keys"]
EXPOSE 2525
ENTRYPOINT ["node", "/app/dist/src/main.js"]
CMD ["serve", "--config", "/app/config/intake.yaml"]
