# The agents, the gateway and the one-shot jobs: `learnflow-agents <command>`.
# Build from the repository root: docker build -f docker/agents.Dockerfile .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY agents/ /src/agents/
# tornado + jupyterhub (HubAuth) for the gateway; the `course` extra for the exercise checker.
RUN pip install "/src/agents[course]" "jupyterhub>=5,<6" "tornado>=6.4" \
    && useradd --uid 10001 --create-home learnflow
USER 10001
WORKDIR /home/learnflow
EXPOSE 8000 9464
ENTRYPOINT ["learnflow-agents"]
CMD ["run"]
