"""Domain errors raised by services (crypto errors live in intake.crypto.errors)."""


class ServiceError(Exception):
    """Base class for errors a view or command turns into a clear message."""


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass


class Conflict(ServiceError):
    pass
