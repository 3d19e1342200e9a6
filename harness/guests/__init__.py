"""Guest kinds, one module each (a module with a `KIND`). Adding a guest
kind adds a module here, its firmware folder and its docs, and nothing else:
the registry finds it."""

import importlib
import pkgutil
from functools import cache

from .base import GuestKind


@cache
def kinds() -> dict[str, GuestKind]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if kind is not None:
            found[kind.name] = kind
    return dict(sorted(found.items()))


def kind(name: str) -> GuestKind:
    """The kind called `name` (scenarios are checked for known kinds on load)."""
    return kinds()[name]


def guest_events() -> dict[str, frozenset[str]]:
    """Every kind's @guest events: the trace parser's guest vocabulary."""
    return {event: keys for k in kinds().values() for event, keys in k.events.items()}
