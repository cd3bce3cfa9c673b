# JupyterHub for the local stack: DummyAuthenticator, servers as local processes
# (SimpleLocalProcessSpawner) with the LearnFlow extension installed.
# Build from the repository root: docker build -f docker/hub.Dockerfile .   (docker compose does)
#
# Users' servers run in this image, so, as in singleuser.Dockerfile, it gets only the
# learnflow-agents and learnflow-jupyter wheels (released exercise notebooks, no
# solutions or hidden tests) from a throwaway build stage; never agents/bank.
FROM python:3.11.14-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm curl \
    && npm install -g configurable-http-proxy \
    && rm -rf /var/lib/apt/lists/*

FROM base AS wheels
COPY agents/ /src/agents/
COPY . /src/ext/
RUN pip wheel --no-deps --wheel-dir /wheels /src/agents /src/ext

FROM base
COPY --from=wheels /wheels/ /tmp/learnflow-wheels/
# constraints.txt: the versions CI tests (JupyterHub included).
COPY --from=wheels /src/ext/constraints.txt /tmp/learnflow-constraints.txt
RUN pip install --constraint=/tmp/learnflow-constraints.txt jupyterhub /tmp/learnflow-wheels/learnflow_agents-*.whl /tmp/learnflow-wheels/learnflow_jupyter-*.whl \
    && rm -rf /tmp/learnflow-wheels /tmp/learnflow-constraints.txt \
    && useradd --uid 10001 --create-home --shell /bin/bash hub \
    && mkdir -p /srv/jupyterhub && chown 10001:10001 /srv/jupyterhub
COPY docker/jupyterhub_config.py /etc/jupyterhub/jupyterhub_config.py
WORKDIR /srv/jupyterhub
# Not root: the hub, and the users' servers it starts as local processes, run as this user
# (a server started as root without --allow-root exits at once).
USER 10001
EXPOSE 8000
CMD ["jupyterhub", "-f", "/etc/jupyterhub/jupyterhub_config.py"]
