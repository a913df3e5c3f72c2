# syntax=docker/dockerfile:1
# Build: compile TypeScript and better-sqlite3 (it builds from source), then drop dev dependencies.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
# Only the shipped configs: a local config/netwatch.yaml in the build context never ends up in the image.
COPY config/netwatch.example.yaml config/demo.yaml ./config/
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Run: only the compiled code and production dependencies, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NETWATCH_CONFIG=/etc/netwatch/netwatch.yaml \
    NETWATCH_DATABASE=/data/netwatch.db
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/config ./config
COPY --from=build --chown=root:root /app/config/netwatch.example.yaml /etc/netwatch/netwatch.yaml
# The database lives on a volume; nothing else is written, so the root filesystem can be
# mounted read-only (docker run --read-only). The app files belong to root: the runtime
# user cannot modify them.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 9464
# Secrets (IIMMPACT_API_KEY, IIMMPACT_HMAC_SECRET, SLACK_WEBHOOK_URL, SMTP_URL, NETWATCH_HTTP_TOKEN)
# are passed at run time with -e or an env file; none are baked into the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:9464/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# The same V8 flags as `npm start`: a small young generation and slower heap growth keep RSS near 110 MB.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/src/cli/main.js"]
CMD ["run"]
