"""A small NetworkPolicy evaluator: would Kubernetes let pod A open a connection to pod B?

Semantics (networking.k8s.io/v1): a pod selected by no policy of a type is open in that
direction; a pod selected by one or more is isolated and a connection is allowed only if some
rule of some selecting policy admits it. A connection needs the source's egress and the
destination's ingress. Peers: `podSelector` alone means pods of the policy's own namespace,
`namespaceSelector` alone every pod of the matching namespaces, both together the matching pods
of the matching namespaces, `ipBlock` addresses (matched against pod IPs too: most CNIs do, and
for "refused" checks it is the cautious reading). Ports: number or the destination's named
container port, protocol TCP by default, `endPort` ranges; no ports means every port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str | None  # None: outside the cluster (only ipBlock peers match it)
    ip: str
    labels: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)  # named container ports


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


class Cluster:
    def __init__(self, namespaces: dict[str, dict[str, str]], policies: list[dict[str, Any]]) -> None:
        """`namespaces`: name → extra labels (kubernetes.io/metadata.name is added, as the API
        server does); `policies`: NetworkPolicy objects, each with metadata.namespace set."""
        self.namespaces = {
            n: {**labels, "kubernetes.io/metadata.name": n} for n, labels in namespaces.items()
        }
        for p in policies:
            assert p["kind"] == "NetworkPolicy" and p["metadata"].get("namespace"), p["metadata"]
            assert p["metadata"]["namespace"] in self.namespaces, p["metadata"]
        self.policies = policies

    def _selecting(self, pod: Pod, direction: str) -> list[dict[str, Any]]:
        if pod.namespace is None:
            return []
        out = []
        for p in self.policies:
            spec = p["spec"]
            types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))
            if (
                direction in types
                and p["metadata"]["namespace"] == pod.namespace
                and selector_matches(spec.get("podSelector"), pod.labels)
            ):
                out.append(p)
        return out

    def _peer_matches(self, peer: dict[str, Any], policy_ns: str, pod: Pod) -> bool:
        if "ipBlock" in peer:
            ip = ipaddress.ip_address(pod.ip)
            block = peer["ipBlock"]
            return ip in ipaddress.ip_network(block["cidr"]) and not any(
                ip in ipaddress.ip_network(e) for e in block.get("except", [])
            )
        if pod.namespace is None:
            return False
        if "namespaceSelector" in peer:
            if not selector_matches(peer["namespaceSelector"], self.namespaces[pod.namespace]):
                return False
        elif pod.namespace != policy_ns:
            return False
        return "podSelector" not in peer or selector_matches(peer["podSelector"], pod.labels)

    @staticmethod
    def _port_matches(ports: list[dict[str, Any]] | None, dst: Pod, port: int, protocol: str) -> bool:
        if not ports:
            return True
        for p in ports:
            if p.get("protocol", "TCP") != protocol:
                continue
            want = p.get("port")
            if want is None:
                return True
            if isinstance(want, str):
                want = dst.ports.get(want)
                if want is None:
                    continue
            if want <= port <= p.get("endPort", want):
                return True
        return False

    def _admits(
        self,
        policies: list[dict[str, Any]],
        key: str,
        peers_key: str,
        other: Pod,
        dst: Pod,
        port: int,
        protocol: str,
    ) -> bool:
        for policy in policies:
            for rule in policy["spec"].get(key) or []:
                if not self._port_matches(rule.get("ports"), dst, port, protocol):
                    continue
                peers = rule.get(peers_key)
                if not peers or any(
                    self._peer_matches(p, policy["metadata"]["namespace"], other) for p in peers
                ):
                    return True
        return False

    def egress_allowed(self, src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
        selecting = self._selecting(src, "Egress")
        return not selecting or self._admits(selecting, "egress", "to", dst, dst, port, protocol)

    def ingress_allowed(self, src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
        selecting = self._selecting(dst, "Ingress")
        return not selecting or self._admits(selecting, "ingress", "from", src, dst, port, protocol)

    def allowed(self, src: Pod, dst: Pod, port: int | str, protocol: str = "TCP") -> bool:
        """`port`: a number, or the name of one of dst's container ports."""
        number = dst.ports[port] if isinstance(port, str) else port
        return self.egress_allowed(src, dst, number, protocol) and self.ingress_allowed(
            src, dst, number, protocol
        )
