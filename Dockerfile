# mapwatch image: the CLI, workers and scheduler all run from it.
# Two stages: the build needs the devDependencies (TypeScript); the runtime image gets only
# the compiled code and the production dependencies. NODE_ENV=production belongs to the
# runtime stage alone: set before `npm ci`, it skips the devDependencies and the build fails.
# CI has no Docker engine: tools/dockerfile-steps.sh runs these same steps outside Docker.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/prune-lock-optionals.mjs ./tools/
# Drops lock entries for platform binaries a registry may not serve (optional deps only).
RUN node tools/prune-lock-optionals.mjs
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.migrations.json ./
COPY src ./src
COPY migrations ./migrations
# The build bundles the CLI entry (tools/bundle-cli.mjs) for a faster start.
COPY tools/bundle-cli.mjs ./tools/
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# Debian's Chromium is what mapwatch's browser path uses when Playwright's own browsers are absent.
RUN apt-get update && apt-get install -y --no-install-recommends chromium ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
# The data directory (embedded database, evidence files, .eml outbox) is a volume owned by the app user.
RUN mkdir -p /var/lib/mapwatch /config && chown node:node /var/lib/mapwatch
ENV NODE_ENV=production MAPWATCH_CHROMIUM=/usr/bin/chromium MAPWATCH_DATA_DIR=/var/lib/mapwatch MAPWATCH_CONFIG=/config/mapwatch.config.yaml
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
COPY schema ./schema
# The notify job (run by `mapwatch worker`) renders the bundled email templates.
COPY templates ./templates
# The review app's stylesheet and script (/assets), served by `mapwatch serve`.
COPY assets ./assets
RUN ln -s /app/bin/mapwatch.js /usr/local/bin/mapwatch
USER node
VOLUME ["/var/lib/mapwatch"]
ENTRYPOINT ["/usr/bin/tini", "--", "mapwatch"]
CMD ["--help"]
