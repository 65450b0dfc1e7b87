"""HTTP layer of the emulator: parse the request, call a backend, serialize the answer."""
