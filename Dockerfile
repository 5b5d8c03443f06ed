# mailsim as a CI service container. Not built or run where mailsim is developed (no Docker
# there): see "In CI as a service" in the README, and check it in your own CI.
#
#   docker build -t mailsim .
#   docker run --rm -p 1025:1025 -p 8025:8025 -v mailsim-data:/data mailsim

# Build: install every dependency, build the server and the UI, pack the tarball (only what
# runs: see "files" in package.json) and install it globally, native binding included.
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles itself where no prebuilt binary can be downloaded.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm pack --ignore-scripts --silent \
  && npm install -g --prefix /opt/mailsim --omit=dev --no-audit --no-fund ./mailsim-*.tgz

# Run: the installed package on the same slim base (same libc as the build), no compilers.
FROM node:20-bookworm-slim
COPY --from=build /opt/mailsim /opt/mailsim
# Listeners on all interfaces inside the container; database, CA and certificates in /data.
ENV PATH=/opt/mailsim/bin:$PATH \
    NODE_ENV=production \
    MAILSIM_HOME=/data \
    MAILSIM_SMTP=0.0.0.0:1025 \
    MAILSIM_HTTP=0.0.0.0:8025 \
    MAILSIM_LOG_FORMAT=json
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1025 8025
# /readyz answers 200 once the store is open and every listener listens (503 while stopping).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8025/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["mailsim"]
