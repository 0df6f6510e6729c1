# Image of the migration worker (the default command) and of the chef-migrate CLI:
#   docker compose exec worker chef-migrate status
# No build step: `node --import tsx` compiles the TypeScript on load (package.json), so the image carries the sources.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so that a source change reuses this layer. tsx is a runtime dependency, so --omit=dev keeps
# what runs the code and drops typescript, eslint, prettier and @temporalio/testing.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only what runs: the worker, its workflows and activities, the CLI. Owned by root, so the process cannot alter them.
COPY tsconfig.json ./
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY client ./client
COPY bin ./bin
ENV PATH=/app/bin:$PATH

# The backup directory (the plan's backupDir) holds SQL dumps with password hashes: the user's own, mode 0700.
# A named volume mounted there starts with this owner and mode. The keys directory is a read-only bind mount
# (docker-compose.yml); it exists here so that the mount point has sane permissions without one.
RUN mkdir -p /var/lib/chef-migrate /etc/chef-migrate/keys \
    && chown node:node /var/lib/chef-migrate \
    && chmod 0700 /var/lib/chef-migrate
VOLUME ["/var/lib/chef-migrate"]

# The image's unprivileged `node` user, by number so that a runtime can check it is not root (runAsNonRoot).
USER 1000:1000

CMD ["node", "--import", "tsx", "worker/main.ts"]
