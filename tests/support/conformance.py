"""Check sandbox responses against the official BigCommerce OpenAPI specs.

``assert_conforms(response)`` finds the spec operation for the response's request (by version
and path) and validates status, content type and body with openapi-core. A response whose
operation is in no spec here (brands, categories) raises, so nothing passes by accident; use
``spec_covers`` to ask first.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound, ServerNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from werkzeug.datastructures import Headers, ImmutableMultiDict

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "bigcommerce-reference" / "reference"
SPEC_FILES = {
    "v2": ["store_information.v2.yml", "orders.v2.oas2.yml"],
    "v3": [
        "catalog/product-variants_catalog.v3.yml",
        "catalog/product-variant-options_catalog.v3.yml",
        "catalog/products_catalog.v3.yml",
        "inventory.v3.yml",
        "locations.v3.yml",
        "webhooks.v3.yml",
    ],
}
HOST = "https://api.bigcommerce.com"


@functools.cache
def _spec(name: str) -> OpenAPI:
    data: dict[str, Any] = yaml.safe_load((REFERENCE / name).read_text())
    # inventory and location errors are application/problem+json, which openapi-core cannot read by itself
    config = Config(extra_media_type_deserializers={"application/problem+json": orjson.loads})
    return OpenAPI.from_dict(data, config=config)


class _Request:
    def __init__(self, request: httpx.Request, store_path: str) -> None:
        self.host_url = HOST
        self.path = store_path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content or None
        self.headers = Headers(dict(response.headers))
        self.content_type = response.headers.get("content-type", "application/json")


def _split(request: httpx.Request) -> tuple[str, str]:
    """``("v3", "/stores/abc/v3/catalog/products")`` from any base URL."""
    path = request.url.path
    start = path.index("/stores/")
    store_path = path[start:]
    version = store_path.split("/")[3]
    return version, store_path


def _operation_specs(request: httpx.Request) -> list[str]:
    version, store_path = _split(request)
    found = []
    for name in SPEC_FILES[version]:
        spec = _spec(name)
        try:
            APICallPathFinder(spec.spec).find(request.method.lower(), HOST + store_path)
        except (PathNotFound, OperationNotFound, ServerNotFound):
            continue
        found.append(name)
    return found


def spec_covers(request: httpx.Request) -> bool:
    return bool(_operation_specs(request))


def assert_conforms(response: httpx.Response) -> None:
    """Raise AssertionError unless ``response`` matches its operation's response schema."""
    request = response.request
    names = _operation_specs(request)
    assert names, f"no official spec covers {request.method} {request.url.path}"
    _, store_path = _split(request)
    spec = _spec(names[0])
    if response.status_code == 204 and _documents_empty_204(spec, request.method, store_path):
        assert response.content == b"", "a 204 has no body"
        return
    result = spec.unmarshal_response(_Request(request, store_path), _Response(response))
    if result.errors:
        details = "; ".join(_describe(error) for error in result.errors)
        raise AssertionError(
            f"{request.method} {request.url.path} -> {response.status_code} "
            f"does not match {names[0]}: {details}\nbody: {response.text[:2000]}"
        )


def _describe(error: Exception) -> str:
    causes = getattr(error, "schema_errors", None) or []
    parts = [str(error)]
    parts.extend(f"{'/'.join(str(p) for p in cause.path)}: {cause.message}" for cause in causes[:10])
    return " | ".join(parts)


def _documents_empty_204(spec: OpenAPI, method: str, store_path: str) -> bool:
    """True when the operation lists a 204 with ``content: {}`` (openapi-core would demand a body)."""
    found = APICallPathFinder(spec.spec).find(method.lower(), HOST + store_path)
    responses = found.operation / "responses"
    if "204" not in responses:
        return False
    content = responses / "204" / "content" if "content" in responses / "204" else None
    return content is None or not list(content.keys())
