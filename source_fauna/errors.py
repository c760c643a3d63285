"""Errors the connector raises, grouped by what the user should do about them.

Airbyte reads the failure type to decide who acts: a *config* error asks the user to fix the
configuration or the database, a *transient* error is retried by the platform, a *system* error
is a bug or an unexpected answer from Fauna. Messages say what is wrong and how to fix it; they
never contain the secret.
"""

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def config_error(message: str, internal: str = "") -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=internal or message, failure_type=FailureType.config_error
    )


def transient_error(message: str, internal: str = "") -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=internal or message, failure_type=FailureType.transient_error
    )


def system_error(message: str, internal: str = "") -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=internal or message, failure_type=FailureType.system_error
    )


class AccessDenied(AirbyteTracedException):
    """Fauna answered 403: the key's role may not read something the sync needs."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)


class Unauthorized(AirbyteTracedException):
    """Fauna answered 401: it knows no such secret, or (scoped to a child database) no such database for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)


class PageTooLarge(Exception):
    """Fauna refused to build a page this large; the paginator asks again for a smaller page."""


class DocumentNotFound(AirbyteTracedException):
    """Fauna answered 404 instance not found: the document read does not exist (or no longer does)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.system_error)
