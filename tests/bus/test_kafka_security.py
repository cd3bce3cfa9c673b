"""TLS and SASL settings of the Kafka bus.

TLS runs for real: aiokafka's TLS client against a listener that presents a certificate
from a test CA (a TLS-terminating proxy in front of the Tansu broker, see
fixtures/tcp_proxy.py). SASL cannot: no SASL-capable broker runs here, so for SASL only the
validation and the options handed to aiokafka are checked.
"""

import asyncio
import uuid
from pathlib import Path

import pytest
from learnflow_agents.bus import BusUnavailable, create_bus
from learnflow_agents.bus.kafka import KafkaBus
from learnflow_agents.bus.kafka_security import PASSWORD_ENV, KafkaSecurity

from tests.fixtures.certificates import TestCA
from tests.fixtures.tcp_proxy import ProxiedBroker

TOPIC = "student-queries"


def tls_url(broker: ProxiedBroker, **options: str) -> str:
    return broker.bus_url(f"tls{uuid.uuid4().hex[:6]}.", request_timeout="3", **options)


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_the_bus_publishes_and_consumes_over_tls_with_the_clusters_ca(
    tls_kafka_broker: tuple[ProxiedBroker, TestCA],
) -> None:
    broker, ca = tls_kafka_broker
    bus = create_bus(tls_url(broker, security_protocol="SSL", ssl_cafile=str(ca.ca_file)))
    assert isinstance(bus, KafkaBus) and bus.security.protocol == "SSL"
    await bus.start()
    try:
        consumer = bus.consumer(f"g-{uuid.uuid4().hex[:6]}", [TOPIC])
        await consumer.start()
        await bus.publish(TOPIC, "ana", b"over tls")
        got: list[bytes] = []
        async with asyncio.timeout(30):
            while not got:
                got += [r.value for r in await consumer.getmany(timeout=0.5)]
        assert got == [b"over tls"]
        await consumer.stop()
    finally:
        await bus.stop()


@pytest.mark.kafka
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        # Only the system's CAs: the test CA's certificate is refused, and the reason is said.
        (
            {"security_protocol": "SSL"},
            r"unreachable.*TLS handshake .* failed: unable to get local issuer certificate",
        ),
        # Plaintext against a TLS listener: unavailable within the request timeout, not a hang.
        ({}, "unreachable"),
    ],
)
async def test_a_listener_the_bus_cannot_talk_to_is_unavailable_with_the_reason(
    tls_kafka_broker: tuple[ProxiedBroker, TestCA], options: dict[str, str], refusal: str
) -> None:
    broker, _ = tls_kafka_broker
    bus = create_bus(tls_url(broker, **options))
    with pytest.raises(BusUnavailable, match=refusal):
        async with asyncio.timeout(30):
            await bus.start()
            await bus.publish(TOPIC, "ana", b"never sent")
    await bus.stop()


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({"security_protocol": "TLS"}, None, "security_protocol must be one of"),
        ({"ssl_cafile": "/etc/ca.pem"}, None, "ssl_\\* options need security_protocol=SSL"),
        ({"security_protocol": "SSL", "ssl_cafile": "/no/such/ca.pem"}, None, "no such file"),
        ({"security_protocol": "SSL", "ssl_certfile": "c.pem"}, None, "both ssl_certfile and ssl_keyfile"),
        ({"security_protocol": "SASL_SSL", "sasl_username": "u"}, "pw", "sasl_mechanism one of"),
        ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "pw", "sasl_username"),
        (
            {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_username": "u"},
            None,
            PASSWORD_ENV,
        ),
        ({"sasl_username": "u"}, None, "sasl_\\* options need"),
    ],
)
def test_bad_security_settings_are_refused_before_connecting(
    options: dict[str, str], env: str | None, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env is None:
        monkeypatch.delenv(PASSWORD_ENV, raising=False)
    else:
        monkeypatch.setenv(PASSWORD_ENV, env)
    query = "&".join(f"{k}={v}" for k, v in options.items())
    with pytest.raises(ValueError, match=message):
        create_bus(f"kafka://broker:9093?{query}")


def test_sasl_settings_reach_aiokafka_with_the_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = TestCA.create(tmp_path)
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    url = (
        "kafka://broker:9093?security_protocol=sasl_ssl&sasl_mechanism=scram-sha-512"
        f"&sasl_username=learnflow&ssl_cafile={ca.ca_file}"
    )
    bus = create_bus(url)
    assert isinstance(bus, KafkaBus)
    options = bus.security.client_options()
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("learnflow", "s3cret")
    assert options["ssl_context"].check_hostname is True
    assert "s3cret" not in bus.url
    # Consumers get the same settings as the producer and the admin client.
    consumer_options = bus._consumer_options("g", "earliest")
    assert consumer_options["sasl_plain_password"] == "s3cret"
    assert consumer_options["ssl_context"] is bus._secured["ssl_context"]


def test_plaintext_adds_no_options() -> None:
    assert KafkaSecurity().client_options() == {}
