# syntax=docker/dockerfile:1
# k8saudit container image: `make image` (docker build -t k8saudit:<version> .)
#
# Stage 1 builds the wheels (k8saudit's and its dependencies'); the final stage installs them
# from a bind mount (no build tools, no wheel files and no pip cache left in a layer), then
# removes pip itself. It runs as a numeric non-root user and writes only to /reports (a volume)
# and /tmp (a tmpfs), so it works with a read-only root filesystem:
#
#   docker run --rm --read-only --tmpfs /tmp -v "$PWD/out:/reports" \
#     -v "$HOME/.kube/config:/tmp/.kube/config:ro" k8saudit:0.1.0 scan --timestamped
#
# Pin the base by digest for reproducible builds: --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY k8saudit ./k8saudit
COPY templates ./templates
# Every wheel the install needs, so the final stage installs offline (--no-index).
RUN python -m pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="k8saudit" \
      org.opencontainers.image.description="Kubernetes posture auditor against the NSA/CISA Kubernetes Hardening Guidance" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/k8saudit/k8saudit" \
      org.opencontainers.image.documentation="https://github.com/k8saudit/k8saudit#in-the-cluster"
# Byte code is compiled at install time; at run time nothing may be written outside the
# volumes, so Python must not try. HOME and TMPDIR are the tmpfs (the kubernetes client writes
# a kubeconfig's inline certificates to temporary files). The image logs JSON lines unless
# stdout is a terminal (--log-format auto).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    K8SAUDIT_LOG_FORMAT=auto
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-cache-dir --no-index --find-links=/wheels k8saudit \
    && python -m pip uninstall --yes pip setuptools wheel \
    && mkdir -p /reports \
    && chown 65532:65532 /reports \
    && chmod 0700 /reports
WORKDIR /reports
USER 65532:65532
ENTRYPOINT ["k8saudit"]
CMD ["--help"]
