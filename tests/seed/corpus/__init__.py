"""The importer's corpus (issue 18 item 8): a deterministic generator of file variants across every kind, each with
its expected outcome. `variants.VARIANTS` is the list; tests/seed/test_corpus.py imports each one and asserts it."""

from tests.seed.corpus.model import Bad, Good, Variant
from tests.seed.corpus.variants import VARIANTS

__all__ = ["VARIANTS", "Bad", "Good", "Variant"]
