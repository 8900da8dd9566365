# syntax=docker/dockerfile:1
#
# Fjord's image: one for every component, the entrypoint's first argument choosing which runs
# (api, which serves the console too; operator; migrate). One image rather than one each: the
# api, the operator and the migrations share most of node_modules, which would otherwise be
# built, stored and pulled once per component.
#
#   docker build -t fjord .                 on the official Node image
#   docker build --build-arg BASE_IMAGE=…   on another base with Node 24 (npm for the build stage)
#
# The stack's tests build the same final tree without a Docker engine, on a base of their own
# (stack/src/image/fjord.ts); stack/src/image/runtime.ts chooses the tree for both builds.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
RUN node web/scripts/build.ts
# In place of `npm prune --omit=dev`, which would keep vitest and vite (dependencies of the
# @fjord/testing workspace, so not dev in the lock): runtime.ts follows package-lock.json from
# the api and the operator and stages only what they load, types and source maps left out, and
# of the project only the code they run, the console's build, migrations and the entrypoint.
RUN node stack/src/image/runtime.ts /runtime

FROM ${BASE_IMAGE}
# Runs as a user of its own, never root, on a read-only root filesystem: nothing is written
# outside /tmp, which the chart mounts as an emptyDir. No HEALTHCHECK: Kubernetes probes the
# api's /healthz and /readyz and the operator's.
ENV NODE_ENV=production HOME=/tmp
WORKDIR /app
# node_modules first, in a layer of its own: a change to the sources does not rebuild it.
COPY --from=build /runtime/modules/ /app/
COPY --from=build /runtime/app/ /app/
USER 10001:10001
ENTRYPOINT ["node", "/app/image/entrypoint.ts"]
