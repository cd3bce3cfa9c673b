"""TLS and SASL for the Kafka bus: the aiokafka options every client of one bus shares.

Given as URL query options (`kafka://broker:9093?security_protocol=SSL&ssl_cafile=/etc/ca.crt`);
the SASL password is read from `LEARNFLOW_KAFKA_SASL_PASSWORD` only, so it never appears in
a URL that logs, `%learnflow status` or the health endpoint may show.
"""

import os
import ssl
from dataclasses import dataclass
from typing import Any

from aiokafka.helpers import create_ssl_context

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
PASSWORD_ENV = "LEARNFLOW_KAFKA_SASL_PASSWORD"


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_check_hostname: bool = True
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"security_protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}"
            )
        uses_tls = self.protocol in ("SSL", "SASL_SSL")
        if not uses_tls and (self.ssl_cafile or self.ssl_certfile or self.ssl_keyfile):
            raise ValueError(f"ssl_* options need security_protocol=SSL or SASL_SSL, not {self.protocol}")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("a client certificate needs both ssl_certfile and ssl_keyfile")
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, name)
            if path and not os.path.isfile(path):
                raise ValueError(f"{name}: no such file {path!r}")
        if self.protocol.startswith("SASL"):
            if self.sasl_mechanism not in MECHANISMS:
                raise ValueError(
                    f"SASL needs sasl_mechanism one of {', '.join(MECHANISMS)}, got {self.sasl_mechanism!r}"
                )
            if not self.sasl_username:
                raise ValueError("SASL needs sasl_username")
            if not self.sasl_password:
                raise ValueError(f"SASL needs the password in ${PASSWORD_ENV}")
        elif self.sasl_mechanism or self.sasl_username:
            raise ValueError(
                f"sasl_* options need security_protocol=SASL_PLAINTEXT or SASL_SSL, not {self.protocol}"
            )

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "KafkaSecurity":
        """From the bus URL's options (as parsed by kafka_support.url_options) and the env."""
        return cls(
            protocol=str(options.get("security_protocol", "PLAINTEXT")).upper(),
            ssl_cafile=options.get("ssl_cafile"),
            ssl_certfile=options.get("ssl_certfile"),
            ssl_keyfile=options.get("ssl_keyfile"),
            ssl_check_hostname=options.get("ssl_check_hostname", True),
            sasl_mechanism=(options.get("sasl_mechanism") or "").upper() or None,
            sasl_username=options.get("sasl_username"),
            sasl_password=os.environ.get(PASSWORD_ENV) or None,
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer/Consumer/Client/AdminClient."""
        if self.protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = self.ssl_context()
        if self.protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        return options

    def ssl_context(self) -> ssl.SSLContext:
        # No cafile: the system's trust store, as for any HTTPS client.
        context = create_ssl_context(
            cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
        )
        context.check_hostname = self.ssl_check_hostname
        return context
