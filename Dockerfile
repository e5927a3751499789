# Build stage: compiles TypeScript and the native SQLite module.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: the program (with its bundled templates and samples) lives in /opt/misskey-bridge;
# the operator's files (config.yaml, templates/, data/) in the working directory, so a mounted
# templates folder overrides bundled templates file by file instead of hiding them all.
FROM node:20-bookworm-slim
ENV NODE_ENV=production LOG_FORMAT=json
WORKDIR /opt/misskey-bridge
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# the template studio's page scripts and styles, served as they are (no build step)
COPY --from=build /app/src/studio/public ./src/studio/public
COPY --from=build /app/src/ops/public ./src/ops/public
# the Redis store's Lua scripts, read at run time beside the compiled code
COPY --from=build /app/src/store/redis/scripts ./src/store/redis/scripts
COPY package.json config.example.yaml ./
COPY templates ./templates
COPY samples ./samples
WORKDIR /srv/misskey-bridge
RUN mkdir -p data templates && chown node:node data
USER node
VOLUME ["/srv/misskey-bridge/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "/opt/misskey-bridge/dist/cli.js"]
CMD ["serve"]
