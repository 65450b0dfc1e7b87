"""The REST API (FastAPI) and the BigCommerce app callbacks."""
