"""`kafka://host:port[,host:port]`: the bus on a real Kafka cluster, via aiokafka.

- Producer: acks=all, key = the UTF-8 student id, Kafka's default (murmur2)
  partitioner. `publish_many` enqueues everything before awaiting, so records are
  batched per partition.
- Consumers: one group per name (prefixed like the topics), manual commits only.
- A broker that cannot be reached raises `BusUnavailable` within `request_timeout`
  seconds; the producer is then thrown away and recreated on the next call, so the
  bus works again as soon as the broker is back (topics are re-ensured then too, for
  brokers that lost them).
- Topics are created only by the bus, with the configured partition count and
  retention: no client of the bus lets the broker auto-create one (aiokafka asks for
  that in every metadata request; `forbid_auto_create`), since a topic created with the
  broker's default count would send students' records to other partitions for good.
  A topic a producer or consumer finds missing (a broker that lost its log, a deleted
  topic) is created again, properly, before anything is published to it; with
  `auto_create_topics=false` a publish to a missing topic fails as `BusUnavailable`
  (the outbox keeps the event) until an operator creates it.

Tuning options can also be given as URL query parameters, which win over the
constructor's arguments (as `prefix` and `partitions` do in `create_bus`):
`kafka://broker:9092?session_timeout=6&fetch_max_wait=0.1`. So can TLS and SASL
(`?security_protocol=SASL_SSL&ssl_cafile=...&sasl_mechanism=SCRAM-SHA-512&sasl_username=...`,
password in $LEARNFLOW_KAFKA_SASL_PASSWORD; see kafka_security.py).
"""

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiokafka.errors as kafka_errors
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient

from learnflow_agents import hot_path
from learnflow_agents.bus.base import Bus, BusUnavailable
from learnflow_agents.bus.kafka_consumer import KafkaConsumer
from learnflow_agents.bus.kafka_offsets import log_bounds, partitions_of
from learnflow_agents.bus.kafka_security import KafkaSecurity
from learnflow_agents.bus.kafka_support import (
    OFFSET_RESETS,
    SECURITY_OPTIONS,
    forbid_auto_create,
    is_unavailable,
    url_options,
)
from learnflow_agents.contracts.topics import Topic, topic_specs

log = logging.getLogger("learnflow.bus.kafka")

T = TypeVar("T")


@dataclass
class _Inspector:
    """Admin connections for topic creation and lag, kept between calls."""

    client: AIOKafkaClient
    admin: AIOKafkaAdminClient

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.admin.close()
        with contextlib.suppress(Exception):
            await self.client.close()


class KafkaBus(Bus):
    def __init__(
        self,
        url: str,
        bootstrap: str,
        prefix: str = "",
        partitions: int = 12,
        *,
        replication_factor: int | None = None,
        min_insync_replicas: int | None = None,
        auto_create_topics: bool = True,
        request_timeout: float = 5.0,
        session_timeout: float = 10.0,
        heartbeat_interval: float = 3.0,
        rebalance_timeout: float | None = None,
        fetch_max_wait: float = 0.05,
        client_id: str = "learnflow",
    ) -> None:
        """
        `request_timeout`: how long start/publish/create_topics/lag wait for an
        unreachable broker before raising `BusUnavailable` (seconds).
        `session_timeout`, `heartbeat_interval`, `rebalance_timeout`: consumer-group
        liveness (seconds); lower them in tests for fast rebalances.
        `fetch_max_wait`: the longest a fetch waits for data. Small by default because
        some brokers (Tansu) hold a fetch for the full wait even when records arrive.
        `auto_create_topics`: create the LearnFlow topics (with their partitions and
        retention) on start and after the broker comes back, if missing.
        `replication_factor`: replicas of each topic created; None: min(3, brokers in the
        cluster), so a one-broker dev cluster works and a real cluster gets three.
        `min_insync_replicas`: the topics' `min.insync.replicas` (with acks=all, how many
        replicas must have a record before it counts as written); None: the brokers' default.
        """
        self.url = url
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.min_insync_replicas = min_insync_replicas
        # What the last create_topics applied (reported by `learnflow-agents topics create`).
        self.topic_settings: dict[str, Any] = {}
        self.auto_create_topics = auto_create_topics
        self.request_timeout = request_timeout
        self.session_timeout = session_timeout
        self.heartbeat_interval = heartbeat_interval
        self.rebalance_timeout = rebalance_timeout
        self.fetch_max_wait = fetch_max_wait
        self.client_id = client_id
        options = url_options(url)
        for name, value in options.items():
            if name not in SECURITY_OPTIONS:
                setattr(self, name, value)
        # TLS/SASL, shared by every client this bus opens (one SSL context for all).
        self.security = KafkaSecurity.from_options(options)
        self._secured = self.security.client_options()
        if self.partitions < 1:
            raise ValueError("partitions must be at least 1")
        if self.replication_factor is not None and self.replication_factor < 1:
            raise ValueError("replication_factor must be at least 1")
        if self.min_insync_replicas is not None and self.min_insync_replicas < 1:
            raise ValueError("min_insync_replicas must be at least 1")
        if self.heartbeat_interval >= self.session_timeout:
            raise ValueError("heartbeat_interval must be shorter than session_timeout")
        self._servers = [server.strip() for server in bootstrap.split(",") if server.strip()]
        self._producer: AIOKafkaProducer | None = None
        self._inspector_conn: _Inspector | None = None
        self._producer_lock = asyncio.Lock()
        self._inspector_lock = asyncio.Lock()
        self._topics_ready = False
        # Re-creating topics a client found missing: one check at a time, throttled.
        self._restore_lock = asyncio.Lock()
        self._restore_task: asyncio.Task[None] | None = None
        self._last_restore = float("-inf")
        self.topics_restored = 0  # topics created again after the broker lost them
        self._confirmed_conns: set[Any] = set()  # producer connections made before the last check
        self._reconnect_lock = asyncio.Lock()
        self._consumers: set[KafkaConsumer] = set()
        self._group_topics: dict[str, set[str]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._stopped = False

    # -- Bus ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._stopped:
            raise RuntimeError("a stopped KafkaBus cannot be restarted; create a new one")
        await self._ready_producer()

    async def stop(self) -> None:
        """Stop the producer and every consumer this bus made."""
        self._stopped = True
        if self._restore_task is not None:
            self._restore_task.cancel()
            with contextlib.suppress(BaseException):
                await self._restore_task
        for consumer in list(self._consumers):
            await consumer.stop()
        producer, self._producer = self._producer, None
        if producer is not None:
            self._close_in_background(producer.stop)
        await self._drop_inspector()
        if self._closing:
            await asyncio.wait(self._closing)

    async def publish(self, topic: str, key: str | None, value: bytes) -> None:
        await self.publish_many([(topic, key, value)])

    async def publish_many(self, records: Sequence[tuple[str, str | None, bytes]]) -> None:
        if self._stopped:
            raise RuntimeError("KafkaBus is stopped")
        if not records:
            return
        producer = await self._ready_producer()
        names = {self.prefix + topic for topic, _, _ in records}
        await self._check_topics(producer, names)
        await self._send(producer, records)
        if self._reconnected(producer):
            # The producer connected anew during the send: maybe to a broker that came
            # back without its log, which (Tansu) takes records for a topic it does not
            # list any more; they become readable once the topic exists again, so create
            # it now. (Records a broker acknowledged and dropped are the sweeper's.)
            await self._restore_after_reconnect(producer)

    async def _send(
        self, producer: AIOKafkaProducer, records: Sequence[tuple[str, str | None, bytes]]
    ) -> None:
        futures: list[asyncio.Future[Any]] = []
        try:
            # `send` only waits for metadata or buffer space; the ack is the future. Each
            # send gets `request_timeout` (one deadline moved along, not a task per record).
            loop = asyncio.get_running_loop()
            if hot_path.legacy:
                for topic, key, value in records:
                    encoded_key = key.encode("utf-8") if key is not None else None
                    send = producer.send(self.prefix + topic, value, key=encoded_key)
                    futures.append(await asyncio.wait_for(send, self.request_timeout))
            else:
                async with asyncio.timeout(None) as deadline:
                    for topic, key, value in records:
                        deadline.reschedule(loop.time() + self.request_timeout)
                        encoded_key = key.encode("utf-8") if key is not None else None
                        futures.append(await producer.send(self.prefix + topic, value, key=encoded_key))
            # aiokafka fails a batch it could not deliver within request_timeout; the
            # extra second lets that happen first, so a record we report as failed is
            # not delivered late by the discarded producer. `wait`, not
            # `wait_for(gather)`: timing out must not cancel the producer's futures.
            done, pending = await asyncio.wait(futures, timeout=self.request_timeout + 1.0)
            if pending:
                raise TimeoutError(f"{len(pending)} of {len(futures)} records not acknowledged")
            for future in done:
                error = future.exception()
                if error is not None:
                    raise error
        except BaseException as err:
            for future in futures:  # nobody else will look at these
                future.add_done_callback(_consume_result)
            if isinstance(err, Exception) and is_unavailable(err):
                await self._discard_producer(producer)
                raise BusUnavailable(self._unreachable(err)) from err
            raise

    def consumer(self, group: str, topics: Sequence[str], offset_reset: str = "earliest") -> KafkaConsumer:
        if offset_reset not in OFFSET_RESETS:
            raise ValueError(f"offset_reset must be 'earliest' or 'latest', got {offset_reset!r}")
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        unique = list(dict.fromkeys(topics))
        self._group_topics.setdefault(group, set()).update(unique)
        return KafkaConsumer(self, group, unique, offset_reset)

    async def create_topics(self, partitions: int | None = None) -> list[str]:
        """Create the missing LearnFlow topics with their partitions and retention.ms."""
        specs = topic_specs(partitions or self.partitions)

        async def create(inspector: _Inspector) -> list[str]:
            cluster = await inspector.client.fetch_all_metadata()
            existing = set(cluster.topics())
            replication = self._replication_for(len(cluster.brokers()))
            configs = (
                {"min.insync.replicas": str(self.min_insync_replicas)} if self.min_insync_replicas else {}
            )
            self.topic_settings = {
                "replication_factor": replication,
                "min_insync_replicas": self.min_insync_replicas,
            }
            wanted = [
                NewTopic(
                    self.prefix + topic.value,
                    spec.partitions,
                    replication,
                    topic_configs={"retention.ms": str(spec.retention_ms), **configs},
                )
                for topic, spec in specs.items()
                if self.prefix + topic.value not in existing
            ]
            if not wanted:
                return []
            response = await inspector.admin.create_topics(
                wanted, timeout_ms=int(self.request_timeout * 1000)
            )
            created = set()
            for name, error_code, *rest in response.topic_errors:
                error = kafka_errors.for_code(error_code)
                if error is kafka_errors.NoError:
                    created.add(name)
                elif error is not kafka_errors.TopicAlreadyExistsError:  # lost a race: fine
                    detail = rest[0] if rest and rest[0] else error.__name__
                    raise error(f"cannot create topic {name}: {detail}")
            return [t.value for t in specs if self.prefix + t.value in created]

        created = await self._inspect(create)
        if created:
            log.info("created topics", extra={"topics": created, "prefix": self.prefix})
        return created

    def _replication_for(self, brokers: int) -> int:
        """The replication factor to create topics with, given the brokers the cluster has."""
        replication = self.replication_factor or max(1, min(3, brokers))
        if self.min_insync_replicas is not None and self.min_insync_replicas > replication:
            raise ValueError(
                f"min_insync_replicas ({self.min_insync_replicas}) exceeds the replication factor "
                f"({replication}): no acks=all write could ever succeed"
            )
        return replication

    async def lag(self, group: str) -> int:
        """Records after `group`'s committed offsets on its topics.

        For a group this bus made consumers for, partitions it never committed count
        from the log start; for another group only the partitions it committed count.
        """
        topics = self._group_topics.get(group)
        known = topics is not None
        names = (
            [self.prefix + t for t in sorted(topics)] if topics else [self.prefix + t.value for t in Topic]
        )

        async def measure(inspector: _Inspector) -> int:
            cluster = await inspector.client.fetch_all_metadata()
            tps = partitions_of(cluster, names)
            if not tps:
                return 0
            committed = await inspector.admin.list_consumer_group_offsets(self.prefix + group, partitions=tps)
            bounds = await log_bounds(inspector.client, cluster, tps)
            total = 0
            for tp in tps:
                start, end = bounds[tp]
                meta = committed.get(tp)
                offset = meta.offset if meta is not None else -1
                if offset >= 0:
                    total += max(0, end - max(offset, start))
                elif known:
                    total += max(0, end - start)
            return total

        return await self._inspect(measure)

    # -- missing topics ----------------------------------------------------------------

    async def _check_topics(self, producer: AIOKafkaProducer, names: set[str]) -> None:
        """Before publishing: create missing topics properly, so the send finds them.

        Checked when the producer has no metadata for a topic (first use, or the broker
        lost it) and after the producer connected anew (a broker restart: its metadata
        may still list topics the new broker does not have). The producer never
        auto-creates a topic; without this, a send to a missing topic waits
        `request_timeout` for metadata and fails (then the outbox retries).
        """
        if not self.auto_create_topics:
            return
        if self._reconnected(producer):
            await self._restore_after_reconnect(producer)
            return
        if names <= producer.client.cluster.topics():
            return
        try:
            await self.restore_topics()
        except BusUnavailable:
            raise
        except kafka_errors.KafkaError as err:
            log.warning("could not create missing topics", extra={"error": f"{type(err).__name__}: {err}"})

    @staticmethod
    def _connections(producer: AIOKafkaProducer) -> set[Any]:
        return {conn for conn in producer.client._conns.values() if conn.connected()}

    def _reconnected(self, producer: AIOKafkaProducer) -> bool:
        """The producer has a connection made since topics were last confirmed, or none
        at all (it lost the broker: the one the send reaches may be a new one)."""
        if not self.auto_create_topics:
            return False
        current = self._connections(producer)
        return not current or not current <= self._confirmed_conns

    async def _restore_after_reconnect(self, producer: AIOKafkaProducer) -> list[str]:
        """Create what the broker behind a new connection lacks; returns those created."""
        async with self._reconnect_lock:
            current = self._connections(producer)
            if current and current <= self._confirmed_conns:
                return []  # a concurrent publish checked them meanwhile
            try:
                created = await self.restore_topics(min_interval=0.0)
            except BusUnavailable:
                raise
            except kafka_errors.KafkaError as err:
                log.warning(
                    "could not create missing topics", extra={"error": f"{type(err).__name__}: {err}"}
                )
                return []
            self._confirmed_conns = current
            return created

    async def restore_topics(self, min_interval: float = 1.0) -> list[str]:
        """Create the LearnFlow topics the broker does not have (any more), with the
        configured partitions; at most once per `min_interval` seconds (callers that
        find a topic missing may be many). Returns the topics created."""
        if not self.auto_create_topics or self._stopped:
            return []
        async with self._restore_lock:
            now = asyncio.get_running_loop().time()
            if now - self._last_restore < min_interval:
                return []
            self._last_restore = now
            created = await self.create_topics()
        if created and self._topics_ready:
            # Created before, missing now: the broker lost them (a restart without its log).
            self.topics_restored += len(created)
            log.warning(
                "topics missing on the broker were created again",
                extra={"topics": created, "prefix": self.prefix, "partitions": self.partitions},
            )
        return created

    def restore_topics_soon(self) -> None:
        """`restore_topics` in the background (a consumer's fetch loop must not wait on it)."""
        if not self.auto_create_topics or self._stopped:
            return
        if self._restore_task is not None and not self._restore_task.done():
            return
        if asyncio.get_running_loop().time() - self._last_restore < 1.0:
            return

        async def run() -> None:
            try:
                await self.restore_topics()
            except Exception as err:  # the broker is not back yet: a later fetch asks again
                log.debug("could not restore topics", extra={"error": repr(err)[:300]})

        self._restore_task = asyncio.create_task(run(), name="learnflow-kafka-restore-topics")

    # -- producer ----------------------------------------------------------------------

    async def _ready_producer(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._servers,
                    client_id=self.client_id,
                    acks="all",
                    request_timeout_ms=int(self.request_timeout * 1000),
                    retry_backoff_ms=100,
                    max_batch_size=256 * 1024,
                    **self._secured,
                )
                forbid_auto_create(producer.client)
                try:
                    await asyncio.wait_for(producer.start(), self.request_timeout)
                except Exception as err:
                    self._close_in_background(producer.stop)
                    if is_unavailable(err):
                        raise BusUnavailable(await self._why_unreachable(err)) from err
                    raise
                self._producer = producer
            producer = self._producer
        await self._ensure_topics()
        return producer

    async def _discard_producer(self, producer: AIOKafkaProducer) -> None:
        async with self._producer_lock:
            if self._producer is producer:
                self._producer = None
                # A broker that restarted may have lost its topics (Tansu's memory storage).
                self._topics_ready = False
        self._close_in_background(producer.stop)

    async def _ensure_topics(self) -> None:
        if not self.auto_create_topics or self._topics_ready:
            return
        try:
            await self.create_topics()
        except BusUnavailable:
            raise
        except kafka_errors.KafkaError as err:
            # e.g. no CreateTopics permission on a managed cluster: the operator ran
            # `learnflow-agents topics create`, or the broker auto-creates.
            log.warning("could not create topics", extra={"error": f"{type(err).__name__}: {err}"})
        self._topics_ready = True

    # -- admin connections ---------------------------------------------------------------

    async def _inspect(self, action: Callable[[_Inspector], Awaitable[T]]) -> T:
        inspector = await self._inspector()
        try:
            return await asyncio.wait_for(action(inspector), self.request_timeout * 2)
        except Exception as err:
            if is_unavailable(err):
                await self._drop_inspector(inspector)
                raise BusUnavailable(self._unreachable(err)) from err
            raise

    async def _inspector(self) -> _Inspector:
        async with self._inspector_lock:
            if self._inspector_conn is None:
                timeout_ms = int(self.request_timeout * 1000)
                client = AIOKafkaClient(
                    bootstrap_servers=self._servers,
                    client_id=f"{self.client_id}-admin",
                    request_timeout_ms=timeout_ms,
                    **self._secured,
                )
                admin = AIOKafkaAdminClient(
                    bootstrap_servers=self._servers,
                    client_id=f"{self.client_id}-admin",
                    request_timeout_ms=timeout_ms,
                    **self._secured,
                )
                forbid_auto_create(client)
                forbid_auto_create(admin._client)
                inspector = _Inspector(client, admin)
                try:
                    async with asyncio.timeout(self.request_timeout):
                        await client.bootstrap()
                        await admin.start()
                except Exception as err:
                    await inspector.close()
                    if is_unavailable(err):
                        raise BusUnavailable(await self._why_unreachable(err)) from err
                    raise
                self._inspector_conn = inspector
            return self._inspector_conn

    async def _drop_inspector(self, inspector: _Inspector | None = None) -> None:
        async with self._inspector_lock:
            current = self._inspector_conn
            if current is None or (inspector is not None and current is not inspector):
                return
            self._inspector_conn = None
        await current.close()

    # -- helpers -----------------------------------------------------------------------

    async def _why_unreachable(self, err: BaseException) -> str:
        """`_unreachable`, plus the TLS handshake's own error when TLS is configured:
        aiokafka reports a refused certificate only as "unable to bootstrap"."""
        message = self._unreachable(err)
        if "ssl_context" not in self._secured or not self._servers:
            return message
        host, _, port = self._servers[0].rpartition(":")
        try:
            async with asyncio.timeout(self.request_timeout):
                _, writer = await asyncio.open_connection(
                    host, int(port), ssl=self._secured["ssl_context"], server_hostname=host
                )
            writer.close()
        except ssl.SSLError as tls:
            reason = getattr(tls, "verify_message", None) or tls.reason or str(tls)
            return f"{message}; TLS handshake with {self._servers[0]} failed: {reason}"
        except (OSError, TimeoutError, ValueError):
            pass  # not a TLS problem: the broker is simply not there
        return message

    def _unreachable(self, err: BaseException) -> str:
        name = type(err).__name__
        detail = str(err).strip() or name
        if not detail.startswith(name):  # aiokafka's messages often start with it already
            detail = f"{name}: {detail}"
        if len(detail) > 160:
            detail = detail[:157] + "..."
        return f"Kafka broker unreachable at {self.bootstrap} ({detail})"

    def _close_in_background(self, close: Callable[[], Awaitable[Any]]) -> None:
        """Close a client without making the caller wait for its pending batches to expire."""

        async def run() -> None:
            try:
                await asyncio.wait_for(close(), self.request_timeout * 2)
            except Exception as err:  # closing a dead connection may fail any way
                log.debug("closing a Kafka client failed", extra={"error": repr(err)})

        task = asyncio.create_task(run(), name="learnflow-kafka-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _consumer_options(self, group: str, offset_reset: str) -> dict[str, Any]:
        options: dict[str, Any] = {
            "bootstrap_servers": self._servers,
            "client_id": self.client_id,
            "group_id": self.prefix + group,
            "enable_auto_commit": False,
            "auto_offset_reset": offset_reset,
            "session_timeout_ms": int(self.session_timeout * 1000),
            "heartbeat_interval_ms": int(self.heartbeat_interval * 1000),
            "fetch_max_wait_ms": int(self.fetch_max_wait * 1000),
            "retry_backoff_ms": 100,
            **self._secured,
        }
        if self.rebalance_timeout is not None:
            options["rebalance_timeout_ms"] = int(self.rebalance_timeout * 1000)
        return options


def _consume_result(future: "asyncio.Future[Any]") -> None:
    # Marks the exception as retrieved so asyncio does not log it as lost.
    if not future.cancelled():
        future.exception()
