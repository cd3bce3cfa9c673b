# learnflow-sandbox: where student code runs in a cluster (`learnflow-agents sandbox serve`).
# Build from the repository root: docker build -f docker/sandbox.Dockerfile .   (or `make images`)
#
# Student code runs here, so the image holds nothing a student may not read: learnflow-agents
# (no extras, no exercise bank: its build context leaves agents/bank out altogether, see
# sandbox.Dockerfile.dockerignore) built as a wheel in a throwaway stage, plus bubblewrap, the
# unprivileged namespace sandbox each check runs in, and libseccomp for its seccomp filter.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS wheels
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY constraints.txt /src/constraints.txt
COPY agents/ /src/agents/
RUN pip wheel --no-deps --wheel-dir /wheels /src/agents

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap libseccomp2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=wheels /wheels/ /tmp/learnflow-wheels/
COPY --from=wheels /src/constraints.txt /tmp/learnflow-constraints.txt
RUN pip install --constraint=/tmp/learnflow-constraints.txt /tmp/learnflow-wheels/learnflow_agents-*.whl \
    && rm -rf /tmp/learnflow-wheels /tmp/learnflow-constraints.txt \
    && useradd --uid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin sandbox
# The chart runs it with a read-only root filesystem and /tmp an emptyDir.
USER 10001
WORKDIR /tmp
EXPOSE 8070
ENTRYPOINT ["learnflow-agents"]
CMD ["sandbox", "serve", "--host=0.0.0.0", "--port=8070"]
