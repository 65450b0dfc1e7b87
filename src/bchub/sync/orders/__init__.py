"""Orders: get them from merchant stores, route dropship lines to vendors, bring shipments back.

``service.OrderService`` is the entry point; ``get``, ``route``, ``shipments``, ``purge`` and
``explain`` hold one operation each, ``mapping`` the pure BigCommerce ↔ hub functions.
"""
