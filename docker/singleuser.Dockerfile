# Students' and instructors' servers: JupyterLab with the LearnFlow extension.
# Build from the repository root: docker build -f docker/singleuser.Dockerfile .
FROM quay.io/jupyter/base-notebook:python-3.11

USER root
COPY --chown=${NB_UID}:${NB_GID} agents/ /tmp/learnflow/agents/
COPY --chown=${NB_UID}:${NB_GID} . /tmp/learnflow/ext/
USER ${NB_UID}
RUN pip install --no-cache-dir /tmp/learnflow/agents /tmp/learnflow/ext \
    && rm -rf /tmp/learnflow
# No Kafka or database settings here: in cluster mode the extension talks to the gateway.
