# One image, two entrypoints: the query API (default) and the indexer worker
# (args: ["dist/indexer/src/main.js"]); the index setup job runs dist/indexer/src/cli.js ensure-index.

# --- build: install everything, compile TypeScript -------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.sh scripts/build.sh
COPY core core
COPY indexer indexer
COPY query-api query-api
COPY ranking ranking
RUN scripts/build.sh && npm prune --omit=dev

# --- runtime: no shell, no package manager, non-root ------------------------------------------------
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 MODEL_DIR=/app/models
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
# The model artifacts ship in the image; mount a volume over /app/models to roll models without a build.
COPY models/ltr models/ltr
COPY models/feed-ltr models/feed-ltr
USER 65532:65532
EXPOSE 8080 9464
CMD ["dist/query-api/src/main.js"]
