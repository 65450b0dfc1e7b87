"""bchub: a self-hosted BigCommerce integration hub."""

__version__ = "0.1.0"
