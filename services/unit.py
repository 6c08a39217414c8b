"""A service's own unit of work: `session=None` (pages, reports) opens a read session on the configured database and
closes it; a test or the command line may hand in its own `session`. Pages and components never hold a Session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlmodel import Session

from db.engine import get_engine

P = ParamSpec("P")
R = TypeVar("R")


def unit_of_work(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service whose keyword `session` is a sqlmodel Session: called without one (or with None), it runs
    in a new Session on `db.engine.get_engine()`, closed when it returns."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs.get("session") is not None:
            return fn(*args, **kwargs)
        with Session(get_engine()) as session:
            kwargs["session"] = session
            return fn(*args, **kwargs)

    return wrapper
