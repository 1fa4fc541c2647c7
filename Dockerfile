# One image for the API, the workers and one-shot commands (migrate, create-admin).
# Stage 1 installs everything and prebuilds the workflow bundle; stage 2 is the runtime.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# A bad import in workflows/ fails here, not in a worker at start.
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# Chromium (its headless shell, no desktop layer) renders certificate PDFs (worker on the cohort-pdf queue).
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium-headless-shell ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    CHROMIUM_PATH=/usr/bin/chromium-headless-shell \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --chown=root:root . .
COPY --from=build --chown=root:root /app/dist ./dist
# Code stays root-owned and read-only to the process; it runs as the unprivileged `node` user.
USER node
EXPOSE 3000
# tini forwards SIGTERM so the API and workers shut down gracefully, and reaps Chromium's children.
ENTRYPOINT ["/usr/bin/tini", "--"]
# TypeScript runs through tsx, as in development; the workflow bundle is prebuilt above.
CMD ["node", "--import", "tsx", "api/main.ts"]
