"""The demo city: NOT part of the product. It generates a realistic city (returns with the usual
mistakes, statistics extracts, targets, an answer key) for ``techreform init --sample``, the
benchmarks and the tests, and holds the one writer of return workbooks (:mod:`.writer`) that the
tests and scripts share. Every policy number it uses (reform types, thresholds, targets) is read
from the profile; no module here names a profile."""

from techreform.demo.city import generate_city

__all__ = ["generate_city"]
