# JupyterHub for the local stack: DummyAuthenticator, servers as local processes
# (SimpleLocalProcessSpawner) with the LearnFlow extension installed.
# Build from the repository root: docker build -f docker/hub.Dockerfile .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm curl \
    && npm install -g configurable-http-proxy \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY agents/ /src/agents/
COPY . /src/ext/
RUN pip install "jupyterhub>=5,<6" /src/agents /src/ext
COPY docker/jupyterhub_config.py /etc/jupyterhub/jupyterhub_config.py
WORKDIR /srv/jupyterhub
EXPOSE 8000
CMD ["jupyterhub", "-f", "/etc/jupyterhub/jupyterhub_config.py"]
