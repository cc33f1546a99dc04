"""The demo city: NOT part of the product. It generates a realistic city (returns with the usual
mistakes, statistics extracts, targets) for ``techreform init --sample``, the benchmarks and the
tests. Every policy number it uses is read from the profile."""

from techreform.demo.city import generate_city

__all__ = ["generate_city"]
