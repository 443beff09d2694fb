"""Errors that reach people: each carries a message fit to show as it is (one line, naming the thing)."""


class ReviewtoolError(Exception):
    """Base for errors with a message meant for the person using the app."""


class ValidationError(ReviewtoolError):
    """Bad input: the message names the file, row or field."""


class NotFound(ReviewtoolError):
    pass


class PermissionDenied(ReviewtoolError):
    pass


class AuthError(ReviewtoolError):
    pass


class Conflict(ReviewtoolError):
    """Someone else changed this first (a stale edit is refused, never silently overwritten)."""
