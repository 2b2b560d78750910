"""The one exception hierarchy of lamoo.

Every error raised on purpose by lamoo derives from :class:`LamooError`. Bad user input raises
:class:`InvalidInputError`, which is also a :class:`ValueError` so callers can catch it either way.
"""


class LamooError(Exception):
    """Base class of all lamoo errors."""


class InvalidInputError(LamooError, ValueError):
    """An argument has the wrong shape, type, range or name; the message names the value."""


class JournalError(LamooError):
    """A journal file is missing, unreadable, or belongs to a different task."""


class PluginError(LamooError):
    """A registered plug-in (an entry point, see :mod:`lamoo.plugins`) could not be loaded or
    built; the message names the entry point."""


class MissingDependencyError(LamooError, ImportError):
    """An optional back end (BoTorch, cma, pymoo, Ray, ...) is needed but not installed."""


def require(module: str, extra: str):
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module!r} is needed here but is not installed: pip install 'lamoo[{extra}]'"
        ) from exc
