"""Contract files: interactions (a request, what to capture from its answer, the answer's shape)
in a versioned YAML file, and the drift report of a run.

```yaml
version: 1
provider: infobip
interactions:
  - name: rest-v2-send-text
    sends: true                       # costs money on a live account: only with --allow-sends
    request: {method: POST, path: /sms/2/text/advanced, auth: basic, json: {...}}
    capture: {message_id: $.messages[0].messageId}
    response: {status: 200, content_type: application/json, body: SHAPE}
```

Strings of a request may hold ``${username}``, ``${password}``, ``${api_key}`` and captured
names; a file never holds a credential, and neither does a report. `auth` is ``basic``
(``Authorization: Basic``), ``app`` (``Authorization: App ${api_key}``) or absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from pytest_smsmock.contracts.shapes import Drift
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import SmsMockError

__all__ = ["CaseResult", "Contract", "ContractError", "Interaction", "Report"]

VERSION = 1


class ContractError(SmsMockError):
    """A contract file that cannot be used (exit code 2 of the commands)."""


class _Dumper(yaml.SafeDumper):
    """No anchors and aliases: two cases sharing a request body read as two copies."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@value_class
class Interaction:
    name: str
    request: dict[str, Any]
    response: dict[str, Any]
    sends: bool = False
    capture: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.sends:
            data["sends"] = True
        data["request"] = self.request
        if self.capture:
            data["capture"] = dict(self.capture)
        data["response"] = self.response
        return data


@value_class
class Contract:
    provider: str
    interactions: tuple[Interaction, ...]
    source: str = "<memory>"
    protocol: str = "http"  # or "smpp" (contracts/smpp.py)

    @classmethod
    def load(cls, path: str | Path) -> Contract:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContractError(f"{path}: cannot read: {exc}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<memory>") -> Contract:
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ContractError(f"{source}: not a version {VERSION} contract file")
        provider = data.get("provider")
        items = data.get("interactions")
        protocol = data.get("protocol", "http")
        if protocol not in ("http", "smpp"):
            raise ContractError(f"{source}: protocol must be http or smpp, not {protocol!r}")
        needs = "path" if protocol == "http" else "op"
        if not isinstance(provider, str) or not isinstance(items, list):
            raise ContractError(f"{source}: needs 'provider' and a list of 'interactions'")
        interactions = []
        for index, item in enumerate(items):
            where = f"{source}: interactions[{index}]"
            if not isinstance(item, dict):
                raise ContractError(f"{where}: not a mapping")
            request, response = item.get("request"), item.get("response")
            if not isinstance(request, dict) or not isinstance(request.get(needs), str):
                raise ContractError(f"{where}.request: needs {needs!r}")
            if not isinstance(response, dict) or not isinstance(response.get("status"), int):
                raise ContractError(f"{where}.response: needs a 'status'")
            interactions.append(
                Interaction(
                    name=str(item.get("name", f"interaction-{index}")),
                    request=request,
                    response=response,
                    sends=bool(item.get("sends", False)),
                    capture=dict(item.get("capture") or {}),
                )
            )
        return cls(
            provider=provider, interactions=tuple(interactions), source=source, protocol=protocol
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": VERSION, "provider": self.provider}
        if self.protocol != "http":
            data["protocol"] = self.protocol
        data["interactions"] = [i.as_dict() for i in self.interactions]
        return data

    def dumps(self) -> str:
        return yaml.dump(
            self.as_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
        )


@value_class
class CaseResult:
    provider: str
    name: str
    outcome: str  # "ok", "drift", "skipped" (a send without --allow-sends, a missing capture)
    drifts: tuple[Drift, ...] = ()
    reason: str = ""

    @classmethod
    def of(
        cls,
        contract: Contract,
        interaction: Interaction,
        outcome: str,
        drifts: Iterable[Drift] = (),
        reason: str = "",
    ) -> CaseResult:
        """The result of one case of `contract` (both runners, HTTP and SMPP, report so)."""
        return cls(
            provider=contract.provider,
            name=interaction.name,
            outcome=outcome,
            drifts=tuple(drifts),
            reason=reason,
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "provider": self.provider,
            "case": self.name,
            "outcome": self.outcome,
        }
        if self.reason:
            data["reason"] = self.reason
        data["drifts"] = [d.as_dict() for d in self.drifts]
        return data


@value_class
class Report:
    target: str  # "fake" or "live <scheme://host:port>"
    cases: tuple[CaseResult, ...]

    @property
    def drifted(self) -> bool:
        return any(c.outcome == "drift" for c in self.cases)

    @property
    def drifts(self) -> dict[str, list[Drift]]:
        """Per case name (``provider/case``), its drifts: empty when nothing drifted."""
        return {f"{c.provider}/{c.name}": list(c.drifts) for c in self.cases if c.drifts}

    def summary(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for case in self.cases:
            counts = result.setdefault(
                case.provider, {"cases": 0, "ok": 0, "drift": 0, "skipped": 0, "fields": 0}
            )
            counts["cases"] += 1
            counts[case.outcome] += 1
            counts["fields"] += len(case.drifts)
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "target": self.target,
            "summary": self.summary(),
            "cases": [c.as_dict() for c in self.cases],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=False) + "\n"

    def render(self) -> str:
        lines = [f"contract run against {self.target}"]
        for case in self.cases:
            mark = {"ok": "ok     ", "drift": "DRIFT  ", "skipped": "skipped"}[case.outcome]
            extra = f" ({case.reason})" if case.reason else ""
            lines.append(f"  {mark} {case.provider}/{case.name}{extra}")
            for d in case.drifts:
                lines.append(f"      {d.kind:<12} {d.field}: expected {d.expected}, got {d.actual}")
        lines.append("summary:")
        for provider, counts in self.summary().items():
            lines.append(
                f"  {provider}: {counts['cases']} cases, {counts['ok']} ok, "
                f"{counts['drift']} drifted ({counts['fields']} fields), "
                f"{counts['skipped']} skipped"
            )
        return "\n".join(lines) + "\n"
