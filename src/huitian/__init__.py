"""Huitian (回天): grassroots governance platform for mega-communities."""

__version__ = "0.1.0"
