# One image for the API, the worker and one-shot commands (migrate, create-admin).
FROM node:20-bookworm-slim

# Chromium renders certificate PDFs (worker on the cohort-pdf queue).
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium ca-certificates \
  && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    CHROMIUM_PATH=/usr/bin/chromium

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

COPY . .
USER node
EXPOSE 3000
# TypeScript runs through tsx, as in development: no separate build step to drift.
CMD ["node", "--import", "tsx", "api/main.ts"]
