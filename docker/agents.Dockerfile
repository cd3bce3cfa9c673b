# The agents, the gateway and the one-shot jobs: `learnflow-agents <command>`.
# Build from the repository root: docker build -f docker/agents.Dockerfile .   (or `make images`)
# The base image is pinned to an exact tag; the Python packages to constraints.txt, the
# versions CI tests.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY constraints.txt /src/constraints.txt
COPY agents/ /src/agents/
# The gateway extra (tornado + jupyterhub for HubAuth); the `course` extra for the exercise checker;
# agents/bank (learnflow-exercise-bank): the exercise bank with solutions and hidden tests,
# which only the trusted side holds (never the single-user image, see singleuser.Dockerfile).
RUN pip install --constraint /src/constraints.txt "/src/agents[course,gateway]" /src/agents/bank \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin learnflow
USER 10001
WORKDIR /home/learnflow
EXPOSE 8000 9464
ENTRYPOINT ["learnflow-agents"]
CMD ["run"]
