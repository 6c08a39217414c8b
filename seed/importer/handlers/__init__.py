"""Per-kind validation and writing: names resolved, cross-row checks, upserts on natural keys.

Each module registers its kinds' handlers in HANDLERS (by kind name) when imported; importing this package imports
them all."""

from seed.importer.handlers import hazards, kpis, oversight, register, stations, work_plans, workshops
from seed.importer.handlers.common import HANDLERS

__all__ = ["HANDLERS", "hazards", "kpis", "oversight", "register", "stations", "work_plans", "workshops"]
