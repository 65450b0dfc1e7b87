"""The webhook receiver BigCommerce calls (``POST /webhooks/bigcommerce``)."""
