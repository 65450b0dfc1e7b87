"""Property tests: list filters, sorting and pagination against a plain model; batch limits."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_catalog_support import product_body, variant_body

pytestmark = pytest.mark.anyio

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@asynccontextmanager
async def fresh_store() -> AsyncIterator[tuple[Sandbox, Store, httpx.AsyncClient]]:
    """A new sandbox per example (function fixtures would be shared across examples)."""
    sandbox = Sandbox(SandboxSettings())
    store = sandbox.create_store("prop123", plan="enterprise")
    async with api_client(sandbox, store) as client:
        yield sandbox, store, client


async def ids_of(api: httpx.AsyncClient, query: str) -> list[int]:
    response = await api.get(f"/v3/catalog/products?limit=250&{query}")
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["data"]]


def fill(store: Store, count: int) -> list[int]:
    return [int(store.catalog.create_product(product_body(f"P{n}", f"SKU-{n}"))["id"]) for n in range(count)]


# -- pagination ------------------------------------------------------------------------------------


@st.composite
def page_plans(draw: st.DrawFn) -> tuple[int, int]:
    """(limit, catalog size) with sizes that are exact multiples of the limit as often as not."""
    limit = draw(st.integers(1, 250))
    pages = draw(st.integers(0, min(12, 600 // limit)))
    remainder = draw(st.one_of(st.just(0), st.integers(0, limit - 1)))
    return limit, pages * limit + remainder


@FAST
@given(plan=page_plans(), direction=st.sampled_from(["asc", "desc"]))
async def test_every_product_appears_exactly_once_across_pages(plan: tuple[int, int], direction: str) -> None:
    limit, size = plan
    async with fresh_store() as (_, store, api):
        expected = fill(store, size)
        seen: list[int] = []
        total_pages = math.ceil(size / limit)
        for page in range(1, total_pages + 2):
            response = await api.get(f"/v3/catalog/products?limit={limit}&page={page}&direction={direction}")
            body = response.json()
            pagination = body["meta"]["pagination"]
            assert (pagination["total"], pagination["total_pages"], pagination["per_page"]) == (
                size,
                total_pages,
                limit,
            )
            assert pagination["count"] == len(body["data"])
            assert ("next" in pagination["links"]) == (page < total_pages)
            if page > total_pages:
                assert body["data"] == []
            else:
                assert 1 <= len(body["data"]) <= limit
            seen.extend(row["id"] for row in body["data"])
        assert seen == (expected if direction == "asc" else expected[::-1])


@FAST
@given(size=st.integers(0, 60), limit=st.integers(1, 25))
async def test_variant_pages_cover_every_variant_once(size: int, limit: int) -> None:
    async with fresh_store() as (_, store, api):
        for n in range(size // 2):
            store.catalog.create_product(variant_body(f"V{n}", f"V{n}"))
        expected = sorted(store.catalog.variants)
        seen: list[int] = []
        for page in range(1, math.ceil(len(expected) / limit) + 1):
            seen.extend(
                v["id"] for v in (await api.get(f"/v3/catalog/variants?limit={limit}&page={page}")).json()["data"]
            )
        assert seen == expected


# -- id filters ------------------------------------------------------------------------------------


@FAST
@given(
    size=st.integers(0, 30),
    deleted=st.sets(st.integers(1, 30)),
    wanted=st.lists(st.integers(1, 40), max_size=8),
    bound=st.integers(-2, 42),
)
async def test_id_filters_match_the_model(size: int, deleted: set[int], wanted: list[int], bound: int) -> None:
    async with fresh_store() as (_, store, api):
        fill(store, size)
        for product_id in deleted:
            store.catalog.delete_product(product_id)
        present = [n for n in range(1, size + 1) if n not in deleted]
        listed = ",".join(map(str, wanted))
        if wanted:
            assert await ids_of(api, f"id:in={listed}") == [n for n in present if n in wanted]
            assert await ids_of(api, f"id:not_in={listed}") == [n for n in present if n not in wanted]
        assert await ids_of(api, f"id={bound}") == [n for n in present if n == bound]
        assert await ids_of(api, f"id:min={bound}") == [n for n in present if n >= bound]
        assert await ids_of(api, f"id:max={bound}") == [n for n in present if n <= bound]
        assert await ids_of(api, f"id:greater={bound}") == [n for n in present if n > bound]
        assert await ids_of(api, f"id:less={bound}") == [n for n in present if n < bound]
        both = await ids_of(api, f"id:min={bound}&id:max={bound + 5}")
        assert both == [n for n in present if bound <= n <= bound + 5]


# -- SKU filters -----------------------------------------------------------------------------------

SKUS = st.text(alphabet="abcXYZ019-", min_size=1, max_size=6)


def recase(text: str, flips: list[bool]) -> str:
    return "".join(ch.swapcase() if flip else ch for ch, flip in zip(text, flips + [False] * len(text), strict=False))


@FAST
@given(
    skus=st.lists(SKUS, max_size=12, unique_by=str.casefold),
    picks=st.lists(st.integers(0, 11), max_size=5),
    flips=st.lists(st.booleans(), max_size=6),
    stranger=SKUS,
)
async def test_sku_filters_are_case_insensitive(
    skus: list[str], picks: list[int], flips: list[bool], stranger: str
) -> None:
    async with fresh_store() as (_, store, api):
        for index, sku in enumerate(skus):
            store.catalog.create_product(product_body(f"P{index}", sku))
        chosen = [recase(skus[i], flips) for i in picks if i < len(skus)]
        asked = {sku.casefold() for sku in [*chosen, stranger]}
        expected = [index + 1 for index, sku in enumerate(skus) if sku.casefold() in asked]
        query = ",".join([*chosen, stranger])
        assert await ids_of(api, f"sku:in={query}") == expected
        for sku in chosen:
            assert await ids_of(api, f"sku={sku}") == [
                i + 1 for i, s in enumerate(skus) if s.casefold() == sku.casefold()
            ]
        variants = (await api.get(f"/v3/catalog/variants?sku:in={query}&limit=250")).json()["data"]
        assert sorted(v["product_id"] for v in variants) == expected


# -- date ranges -----------------------------------------------------------------------------------


@FAST
@given(
    gaps=st.lists(st.integers(0, 5000), min_size=1, max_size=12),
    low=st.integers(-100, 60_000),
    span=st.integers(0, 60_000),
)
async def test_date_modified_ranges_match_the_model(gaps: list[int], low: int, span: int) -> None:
    async with fresh_store() as (sandbox, store, api):
        start = int(sandbox.clock.now().timestamp())
        stamps: list[float] = []
        for index, gap in enumerate(gaps):
            sandbox.clock.advance(gap)
            product = store.catalog.create_product(product_body(f"P{index}", f"S{index}"))
            stamps.append(datetime.fromisoformat(product["date_modified"]).timestamp())
        minimum, maximum = start + low, start + low + span

        def between(lowest: float, highest: float) -> list[int]:
            return [i + 1 for i, stamp in enumerate(stamps) if lowest <= stamp <= highest]

        both = f"date_modified:min={_iso(minimum)}&date_modified:max={_iso(maximum)}"
        assert await ids_of(api, both) == between(minimum, maximum)
        assert await ids_of(api, f"date_modified:min={_iso(minimum)}") == between(minimum, math.inf)
        assert await ids_of(api, f"date_modified:max={maximum}") == between(-math.inf, maximum)  # Unix seconds


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


# -- sorting ---------------------------------------------------------------------------------------

ROWS = st.lists(
    st.tuples(st.text(alphabet="abAB ", min_size=1, max_size=4), st.integers(0, 5), st.sampled_from([0, 0, 1, 3])),
    max_size=15,
)


@FAST
@given(
    rows=ROWS,
    sort=st.sampled_from(["id", "name", "sku", "price", "calculated_price", "total_sold", "date_modified"]),
    direction=st.sampled_from(["asc", "desc"]),
)
async def test_sorting_matches_the_model(rows: list[tuple[str, int, int]], sort: str, direction: str) -> None:
    async with fresh_store() as (sandbox, store, api):
        model: list[dict[str, Any]] = []
        for index, (name, price, sale) in enumerate(rows):
            sandbox.clock.advance(price)  # several products share a second
            body = product_body(f"{name}{index}", f"{name.strip() or 'x'}-{index}", price=price, sale_price=sale)
            body["total_sold"] = (index * 7) % 4
            model.append(store.catalog.create_product(body))

        def key(row: dict[str, Any]) -> Any:
            value = row[sort]
            return value.casefold() if isinstance(value, str) and sort != "date_modified" else value

        expected = [row["id"] for row in sorted(model, key=lambda row: (key(row), row["id"]))]
        if direction == "desc":
            expected.reverse()
        assert await ids_of(api, f"sort={sort}&direction={direction}") == expected


# -- batch limits ----------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(count=st.integers(1, 20))
async def test_product_batches_take_at_most_10(count: int) -> None:
    async with fresh_store() as (_, store, api):
        ids = fill(store, count)
        response = await api.put("/v3/catalog/products", json=[{"id": i, "price": 3} for i in ids])
        assert response.status_code == (200 if count <= 10 else 413)
        prices = {row["price"] for row in (await api.get("/v3/catalog/products?limit=250")).json()["data"]}
        assert prices == ({3} if count <= 10 else {10})


@settings(max_examples=10, deadline=None)
@given(count=st.integers(40, 60))
async def test_variant_batches_take_at_most_50(count: int) -> None:
    async with fresh_store() as (_, store, api):
        labels = tuple(f"L{n}" for n in range(count))
        product = store.catalog.create_product(variant_body("Many", "MANY", labels))
        body = [{"id": variant["id"], "price": 2} for variant in product["variants"]]
        response = await api.put("/v3/catalog/variants", json=body)
        assert response.status_code == (200 if count <= 50 else 413)
        if count > 50:
            assert response.json()["title"].endswith("is 50.")


@settings(max_examples=8, deadline=None)
@given(size=st.integers(245, 256))
async def test_bulk_delete_takes_at_most_250(size: int) -> None:
    async with fresh_store() as (_, store, api):
        ids = fill(store, size)
        response = await api.delete(f"/v3/catalog/products?id:in={','.join(map(str, ids))}")
        assert response.status_code == (204 if size <= 250 else 413)
        left = (await api.get("/v3/catalog/products?limit=1")).json()["meta"]["pagination"]["total"]
        assert left == (0 if size <= 250 else size)
