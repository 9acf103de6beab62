"""Exceptions of the Invoxia API client: one hierarchy under GpsTrackerException.

PartialListing, which carries the devices read, lives with them in models.py.
"""


class GpsTrackerException(Exception):  # noqa: N818 - name kept from the gps_tracker library
    """Base class of every error raised by the client."""


class ApiConnectionError(GpsTrackerException):
    """The API could not be reached: refused, reset, DNS or TLS failure."""


class ApiTimeoutError(ApiConnectionError):
    """The API did not answer within the configured request timeout."""


class ClientClosedError(GpsTrackerException):
    """The client was used after close(): a new client is needed to query again."""


class UnknownAnswerScheme(GpsTrackerException):
    """The API answered something the client cannot interpret."""


class UnknownDeviceType(GpsTrackerException):
    """A device of a type the client does not know was requested."""

    def __init__(self, device_type: str) -> None:
        """Store the unknown type."""
        self.device_type = device_type
        super().__init__(f"Devices of type {device_type!r} are not supported")


class HttpException(GpsTrackerException):
    """The API answered with an HTTP status that is not a success."""

    status: int

    def __init__(self, status: int, message: str) -> None:
        """Store the HTTP status."""
        self.status = status
        super().__init__(message)


class UnauthorizedQuery(HttpException):
    """The credentials were refused (HTTP 401)."""


class ForbiddenQuery(HttpException):
    """The credentials do not give access to the requested data (HTTP 403)."""


class NoContentQuery(HttpException):
    """The API has no content for the request (HTTP 204)."""


class FailedQuery(HttpException):
    """The API answered with any other error status."""


class RateLimitedQuery(FailedQuery):
    """The API asks the client to slow down (HTTP 429)."""

    def __init__(self, status: int, message: str, retry_after: float | None) -> None:
        """Store how many seconds the API asks to wait, when it says."""
        self.retry_after = retry_after
        super().__init__(status, message)
