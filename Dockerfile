# mapwatch image: the CLI, workers and scheduler all run from it.
FROM node:20-bookworm-slim
# Debian's Chromium is what mapwatch's browser path uses when Playwright's own browsers are absent.
RUN apt-get update && apt-get install -y --no-install-recommends chromium ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV MAPWATCH_CHROMIUM=/usr/bin/chromium NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.migrations.json ./
COPY src ./src
COPY migrations ./migrations
COPY bin ./bin
COPY examples ./examples
COPY schema ./schema
# The notify job (run by `mapwatch worker`) renders the bundled email templates.
COPY templates ./templates
RUN npm run build && npm prune --omit=dev && ln -s /app/bin/mapwatch.js /usr/local/bin/mapwatch
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "mapwatch"]
CMD ["--help"]
