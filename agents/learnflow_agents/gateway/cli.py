"""`learnflow-agents gateway`: the JupyterHub service (wired in with add_gateway_command)."""

import argparse
import asyncio
import sys

from learnflow_agents.gateway.config import DEFAULT_MAX_BODY, GatewayConfig, GatewayConfigError
from learnflow_agents.settings import Settings


def add_gateway_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("gateway", help="serve the LearnFlow API as a JupyterHub service")
    add_gateway_arguments(parser)
    parser.set_defaults(func=main_gateway)


def add_gateway_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--ip", default="0.0.0.0", help="address to bind (default all)")
    parser.add_argument("--bus", help="kafka://host:port[,host:port] (memory:// only for a single process)")
    parser.add_argument("--prefix", help="topic name prefix (default none)")
    parser.add_argument("--partitions", type=int, help="partitions per topic (default 12)")
    parser.add_argument("--db", help="postgresql://... (sqlite:///PATH for a single process)")
    parser.add_argument(
        "--instructor-group",
        help="hub group whose members are instructors (default learnflow-instructors; '' to disable)",
    )
    parser.add_argument(
        "--instructor-scope",
        help="scope marking instructors (default custom:learnflow:instruct; empty to disable)",
    )
    parser.add_argument(
        "--course-group-prefix",
        help="hub groups named <prefix><course> are courses (default course-; '' to disable)",
    )
    parser.add_argument(
        "--max-body", type=int, help=f"largest accepted request body in bytes (default {DEFAULT_MAX_BODY})"
    )
    parser.add_argument("--hub-api-url", help="default $JUPYTERHUB_API_URL")
    parser.add_argument("--service-prefix", help="URL prefix (default $JUPYTERHUB_SERVICE_PREFIX)")
    parser.add_argument("--auth-cache", type=float, help="seconds a verified student token is cached (30)")
    parser.add_argument(
        "--metrics-port", type=int, help="serve GET /metrics on this port (default: no metrics endpoint)"
    )
    parser.add_argument("--log-level", default="INFO")


def main_gateway(args: argparse.Namespace) -> int:
    from learnflow_agents.gateway.app import run_gateway
    from learnflow_agents.gateway.metrics import configure_gateway_logging

    # JSON only: learnflow's loggers with their `extra=` fields (who was refused, what id a
    # body claimed), the access log (gateway/metrics.py), tornado's and the hub client's.
    configure_gateway_logging(args.log_level)
    given = {
        "bus_url": args.bus,
        "db_url": args.db,
        "topic_prefix": args.prefix,
        "partitions": args.partitions,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    try:
        config = GatewayConfig.from_env(
            hub_api_url=args.hub_api_url,
            prefix=args.service_prefix,
            instructor_group=args.instructor_group,
            instructor_scope=args.instructor_scope,
            course_group_prefix=args.course_group_prefix,
            max_body_bytes=args.max_body,
            auth_cache_seconds=args.auth_cache,
        )
    except GatewayConfigError as err:
        print(f"learnflow-agents gateway: {err}", file=sys.stderr)
        return 2
    return asyncio.run(
        run_gateway(settings, args.port, ip=args.ip, config=config, metrics_port=args.metrics_port)
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m learnflow_agents.gateway`, usable before the CLI wires the subcommand."""
    parser = argparse.ArgumentParser(prog="learnflow-gateway", description=__doc__)
    add_gateway_arguments(parser)
    return main_gateway(parser.parse_args(argv))
