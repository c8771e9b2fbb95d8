"""SMPP errors: every one carries the command_status to answer with.

`SmppError` is a `pytest_smsmock.errors.ProtocolError`, so the transport can catch the one
base class of the project. The codec and the connection never raise anything else.
"""

from __future__ import annotations

from pytest_smsmock.errors import ProtocolError

__all__ = ["DecodeError", "LocalProtocolError", "SmppError"]


class SmppError(ProtocolError):
    """An SMPP value or PDU that breaks the spec; `status` is the command_status to answer."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, status=status)


class DecodeError(SmppError):
    """Bytes from the peer that do not decode.

    `command_id` and `sequence_number` come from the header when it could be trusted (so the
    answer can echo them); `fatal` is True when the stream cannot be resynchronised (a bad
    command_length): the connection answers generic_nack and closes.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        command_id: int | None = None,
        sequence_number: int | None = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.command_id = command_id
        self.sequence_number = sequence_number
        self.fatal = fatal

    def __repr__(self) -> str:
        return (
            f"DecodeError({str(self)!r}, status=0x{self.status:08X}, "
            f"command_id={self.command_id!r}, sequence_number={self.sequence_number!r}, "
            f"fatal={self.fatal!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecodeError):
            return NotImplemented
        return (str(self), self.status, self.command_id, self.sequence_number, self.fatal) == (
            str(other),
            other.status,
            other.command_id,
            other.sequence_number,
            other.fatal,
        )

    def __hash__(self) -> int:
        return hash((str(self), self.status, self.command_id, self.sequence_number))


class LocalProtocolError(SmppError):
    """The application asked the connection for something the session does not allow
    (a deliver_sm to a transmitter, a response to nothing, a full window). Like h11's error of
    the same name: it is raised to the caller, nothing is sent."""
