"""One error tree, split by audience.

- `SmsMockError`: the base of everything this package raises on purpose.
- `ConfigError` / `ScenarioError`: bad configuration, raised at load time with a path to the field.
- `ProtocolError`: a request a fake must refuse; carries the status code to answer with.
  `Refusal`: the one type of a provider's refusal of a submission, with its native answer.
- `SmsMockAssertionError`: a failure the test itself should see (an `AssertionError`).
"""

from __future__ import annotations


class SmsMockError(Exception):
    """Base class of every error raised on purpose by pytest-smsmock."""


class ConfigError(SmsMockError):
    """Bad configuration: an unknown option, a malformed value, an unknown provider."""


class ScenarioError(ConfigError):
    """A scenario file that does not validate; the message names the file and the field path.

    When a file has several problems, the error raised is `ScenarioError.several(...)`: its
    message lists every one, each on its own line with file:line and path, and `problems`
    holds them (a single problem's `problems` is itself alone)."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<scenario>",
        path: str = "",
        problems: tuple[ScenarioError, ...] = (),
    ) -> None:
        self.source = source
        self.path = path
        self.detail = message
        self.problems: tuple[ScenarioError, ...] = problems or (self,)
        where = f"{source}: {path}: " if path else f"{source}: "
        super().__init__(where + message)

    @classmethod
    def several(cls, source: str, problems: list[ScenarioError]) -> ScenarioError:
        """One error for `problems` (the problem itself when there is one)."""
        if len(problems) == 1:
            return problems[0]
        listed = "".join(f"\n  {problem}" for problem in problems)
        return cls(f"{len(problems)} problems:{listed}", source=source, problems=tuple(problems))


class ProtocolError(SmsMockError):
    """A request that must be refused with a protocol status (SMPP command_status, HTTP code...)."""

    def __init__(self, message: str, *, status: int) -> None:
        self.status = status
        super().__init__(message)


class Refusal(ProtocolError):
    """A provider's documented refusal of a submission (or of a whole request).

    `native` is the provider's own answer (an error code, a status name, a status record);
    `status` the number its transport answers with. `whole_request`: the refusal answers the
    whole request; otherwise it concerns one recipient, and the others go on.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        native: object = None,
        whole_request: bool = True,
    ) -> None:
        super().__init__(message, status=status)
        self.native = status if native is None else native
        self.whole_request = whole_request


class ClockError(SmsMockError):
    """Misuse of the clock, such as advancing it from inside one of its own events."""


class SmsMockAssertionError(AssertionError):
    """A failure a test should see; messages start with ``smsmock:``."""

    def __init__(self, message: str) -> None:
        if not message.startswith("smsmock:"):
            message = "smsmock: " + message
        super().__init__(message)


class ServerThreadError(SmsMockAssertionError):
    """An unexpected error inside a fake's server thread, re-raised in the test at teardown."""


class InterceptError(SmsMockError):
    """A request `intercept` must not let through: a provider host with no fake behind it, a
    library that is not patched, any other host under ``intercept="strict"``. Raised before
    any name is resolved or any connection made."""
