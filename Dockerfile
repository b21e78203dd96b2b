# contest: the judging server in a container (README, "Deploying").
#
#   docker build -t contest .
#   docker run -d --name contest -p 8000:8000 -v contest-data:/data \
#       -e CONTEST_PUBLIC_URL=http://192.168.1.20:8000 contest
#
# The first stage builds the wheel (templates, static files, catalogs, migrations and fixtures ship inside it) and
# installs it with its dependencies into /opt/venv; the second copies that venv into a slim image and runs
# `contest serve` as an unprivileged user. SQLite lives in the /data volume unless CONTEST_DATABASE_URL names
# PostgreSQL (deploy/compose.yaml).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contest/ contest/
COPY templates/ templates/
COPY static/ static/
COPY fixtures/ fixtures/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/contest-*.whl \
    && /opt/venv/bin/python -P -c "from contest.web.pages import resource_dir as r; assert '_data' in str(r('static'))"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="contest" \
      org.opencontainers.image.description="Skills-competition scoring and live leaderboard server" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CONTEST_DATABASE_URL=sqlite:////data/contest.db \
    CONTEST_HOST=0.0.0.0 \
    CONTEST_PORT=8000 \
    CONTEST_WORKERS=1
RUN groupadd --system --gid 10001 contest \
    && useradd --system --uid 10001 --gid contest --home-dir /data --no-create-home --shell /usr/sbin/nologin contest \
    && mkdir /data \
    && chown contest:contest /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CONTEST_PORT', '8000'), timeout=4); sys.exit(0)"]
CMD ["contest", "serve", "--host", "0.0.0.0"]
