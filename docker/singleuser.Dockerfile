# Students' and instructors' servers: JupyterLab with the LearnFlow extension.
# Build from the repository root: docker build -f docker/singleuser.Dockerfile .
#
# Students run code here, so the image holds nothing they may not read: two wheels,
# learnflow-agents (released exercise notebooks only: statement, starter, visible tests,
# hints) and learnflow-jupyter, built in a throwaway stage whose source tree never reaches
# the final image. The trusted exercise bank (agents/bank, `learnflow-exercise-bank`:
# solutions and hidden tests) is never installed here, and its build context leaves it
# out altogether (singleuser.Dockerfile.dockerignore). tests/packaging checks both.
# Pinned to an exact tag (Python 3.11.9); the Python packages to constraints.txt.
ARG BASE_IMAGE=quay.io/jupyter/base-notebook:python-3.11.9

FROM ${BASE_IMAGE} AS wheels

USER root
COPY --chown=${NB_UID}:${NB_GID} agents/ /tmp/learnflow/agents/
COPY --chown=${NB_UID}:${NB_GID} . /tmp/learnflow/ext/
USER ${NB_UID}
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/learnflow/wheels /tmp/learnflow/agents /tmp/learnflow/ext

FROM ${BASE_IMAGE}

COPY --from=wheels --chown=${NB_UID}:${NB_GID} /tmp/learnflow/wheels/ /tmp/learnflow-wheels/
COPY --from=wheels --chown=${NB_UID}:${NB_GID} /tmp/learnflow/ext/constraints.txt /tmp/learnflow-constraints.txt
RUN pip install --no-cache-dir --constraint=/tmp/learnflow-constraints.txt /tmp/learnflow-wheels/learnflow_agents-*.whl /tmp/learnflow-wheels/learnflow_jupyter-*.whl \
    && rm -rf /tmp/learnflow-wheels /tmp/learnflow-constraints.txt
# No Kafka or database settings here: in cluster mode the extension talks to the gateway.
# The image's unprivileged user (jovyan), as z2jh expects.
USER ${NB_UID}
