"""Per-kind validation and writing: names resolved, cross-row checks, upserts on natural keys.

Each module registers its kinds' handlers in HANDLERS (by kind name) when imported; importing this package imports
them all."""

from seed.importer.handlers import hazards, kpis, register, stations, work_plans
from seed.importer.handlers.common import HANDLERS, Handler
from seed.importer.handlers.hazards import hazard_key
from seed.importer.handlers.register import business_key, cadre_key

__all__ = ["HANDLERS", "Handler", "business_key", "cadre_key", "hazard_key", "hazards", "kpis", "register", "stations",
           "work_plans"]
