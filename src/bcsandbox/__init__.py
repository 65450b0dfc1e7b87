"""bcsandbox: a local emulator of the BigCommerce REST API.

State and rules live in ``backends`` (no HTTP); ``routes`` only parse requests and serialize
responses, as moto does for AWS. This package never imports ``bchub``.
"""

from bcsandbox.state import ApiAccount, Sandbox, SandboxSettings, Store

__all__ = ["ApiAccount", "Sandbox", "SandboxSettings", "Store"]
