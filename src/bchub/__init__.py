"""bchub: a self-hosted BigCommerce integration hub."""
