"""Rules of publishing hub items to a merchant store and keeping price and stock in sync (pure).

- The **attribute policy** decides what happens to custom fields whose name or value is longer
  than the store accepts (250 characters): truncate, leave the field out, or refuse the product.
- A **push state** is what the hub last sent a listing (price, sale price, stock); its hash tells
  "nothing changed" without asking the store, so an unchanged run sends no write at all.
- **Vendor stock rules** turn a vendor's stock level into the level published to merchants.
- **Variants added later**: a product already in a store gets the variants it lacks, never loses
  one (see the end of this module).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bchub.domain.catalog import Attribute, content_hash
from bchub.errors import InputError

ATTRIBUTE_MAX = 250  # BigCommerce custom field name and value limit


class AttributePolicy(StrEnum):
    TRUNCATE = "truncate"  # cut names and values to 250 characters
    SKIP = "skip"  # leave the too-long field out
    FAIL = "fail"  # do not create the product; report why


class AttributeTooLong(InputError):
    """A custom field is over the limit and the policy is ``fail``."""


def apply_attribute_policy(fields: Iterable[Attribute], policy: AttributePolicy) -> tuple[Attribute, ...]:
    """The custom fields to send under ``policy``; raises ``AttributeTooLong`` for ``fail``."""
    kept: list[Attribute] = []
    for field in fields:
        if len(field.name) <= ATTRIBUTE_MAX and len(field.value) <= ATTRIBUTE_MAX:
            kept.append(field)
        elif policy is AttributePolicy.TRUNCATE:
            kept.append(Attribute(field.name[:ATTRIBUTE_MAX], field.value[:ATTRIBUTE_MAX]))
        elif policy is AttributePolicy.FAIL:
            which = "name" if len(field.name) > ATTRIBUTE_MAX else "value"
            raise AttributeTooLong(
                f"custom field {field.name[:40]!r} has a {which} of "
                f"{len(field.name if which == 'name' else field.value)} characters (the store accepts "
                f"{ATTRIBUTE_MAX}); use --attributes truncate or skip, or shorten it"
            )
    return tuple(kept)


@dataclass(frozen=True)
class PublishOptions:
    override_names: bool = True  # the hub's name replaces the store's on later publishes
    attribute_policy: AttributePolicy = AttributePolicy.TRUNCATE
    dry_run: bool = False

    def as_params(self) -> dict[str, Any]:
        return {
            "override_names": self.override_names,
            "attribute_policy": self.attribute_policy.value,
            "dry_run": self.dry_run,
        }


@dataclass(frozen=True)
class PushState:
    """What is (to be) pushed to one listing: ``None`` means "not managed by the hub"."""

    price: Decimal | None = None
    sale_price: Decimal | None = None
    stock: int | None = None

    def price_hash(self) -> str | None:
        if self.price is None and self.sale_price is None:
            return None
        return content_hash({"price": self.price, "sale_price": self.sale_price})[:32]

    def stock_hash(self) -> str | None:
        return None if self.stock is None else content_hash({"stock": self.stock})[:32]

    def combined_hash(self) -> str:
        return content_hash({"price": self.price, "sale_price": self.sale_price, "stock": self.stock})


@dataclass(frozen=True)
class PushPlan:
    """Which parts of a listing need sending, compared with what was last pushed."""

    price: bool
    stock: bool

    @property
    def any(self) -> bool:
        return self.price or self.stock


def plan_push(wanted: PushState, last_price_hash: str | None, last_stock_hash: str | None) -> PushPlan:
    """Send a part only when it is managed and differs from what was last pushed successfully."""
    price_hash = wanted.price_hash()
    stock_hash = wanted.stock_hash()
    return PushPlan(
        price=price_hash is not None and price_hash != last_price_hash,
        stock=stock_hash is not None and stock_hash != last_stock_hash,
    )


@dataclass(frozen=True)
class VendorStockRule:
    """How a vendor's stock becomes the merchant's: minus a buffer, at most a cap, 0 if discontinued."""

    buffer: int = 0
    cap: int | None = None
    zero_when_discontinued: bool = False

    def __post_init__(self) -> None:
        if self.buffer < 0:
            raise InputError("the stock buffer cannot be negative")
        if self.cap is not None and self.cap < 0:
            raise InputError("the stock cap cannot be negative")

    def published(self, quantity: int, *, discontinued: bool = False) -> int:
        if discontinued and self.zero_when_discontinued:
            return 0
        level = max(quantity - self.buffer, 0)
        return level if self.cap is None else min(level, self.cap)


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Per-field changes ``{field: (before, after)}``; a field missing before shows ``None``."""
    return {
        key: (before.get(key), value)
        for key, value in sorted(after.items())
        if content_hash(before.get(key)) != content_hash(value)
    }


CSV_SOURCE = "csv"


def published_stock(
    supplier_id: int | None,
    stock: Mapping[str, int],
    rule: VendorStockRule | None,
    *,
    discontinued: bool = False,
) -> int | None:
    """The stock a merchant listing should show, or ``None`` when the hub does not manage it.

    The supplier's stock (source ``connection:<id>``) under its vendor's rule comes first, then
    a spreadsheet's; the merchant store's own level is never pushed back to it.
    """
    rule = rule or VendorStockRule()
    if supplier_id is not None:
        quantity = stock.get(f"connection:{supplier_id}")
        if quantity is not None or (discontinued and rule.zero_when_discontinued):
            return rule.published(quantity or 0, discontinued=discontinued)
    return stock.get(CSV_SOURCE)


# -- variants added to a product already in a store ---------------------------------------------
#
# Publishing an item group whose product is already in the store adds the variants the store does
# not have yet (``POST …/variants``), creating the option values they need first. It never deletes:
# a variant removed at the vendor stays in the merchant's store, its stock published under the
# vendor's rule (0 when the rule zeroes discontinued items, else the last level the vendor had),
# and a variant the vendor has already removed is not added.

NEW_VARIANT_REMOVED_AT_VENDOR = (
    "removed at the vendor: not added to the store's product (publishing adds only variants a vendor still lists)"
)


def removed_variant_note(zeroed: bool) -> str:
    """What publishing does with a published variant its vendor no longer lists, as the run records it."""
    if zeroed:
        return (
            "removed at the vendor: kept in this store (publishing never deletes a variant); "
            "its stock is published as 0 (the vendor's rule zeroes discontinued items)"
        )
    return (
        "removed at the vendor: kept in this store (publishing never deletes a variant) with the vendor's last "
        "stock level; zero it with `bchub catalog stock-rule VENDOR --zero-discontinued`, or delist it"
    )


def base_product_problem(product_sku: str) -> str:
    """Why a variant cannot be added to a product published without variants."""
    return (
        f"product {product_sku} is in the store without variants (its price and stock are the product's), so a "
        "variant cannot be added to it: delist the product and publish it again to send it with its variants"
    )


def option_mismatch(product_sku: str, store_options: Sequence[str], wanted: Sequence[str]) -> str | None:
    """Why a variant with options ``wanted`` cannot join a product with ``store_options`` (None: it can).

    A store variant needs exactly one value for each of its product's options, so the names must be
    the same set (any case); adding an option would leave the existing variants without a value.
    """
    have = sorted({name.casefold() for name in store_options})
    want = sorted({name.casefold() for name in wanted})
    if have == want and len(want) == len(wanted):
        return None
    return (
        f"its options ({', '.join(wanted) or 'none'}) are not the options product {product_sku} has in the "
        f"store ({', '.join(store_options) or 'none'}): delist the product and publish it again"
    )


def missing_option_values(
    store_values: Mapping[str, Sequence[str]], wanted: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The ``(option, label)`` pairs of ``wanted`` the store's options lack (names and labels in any case)."""
    known = {name.casefold(): {label.casefold() for label in labels} for name, labels in store_values.items()}
    return [(name, label) for name, label in wanted if label.casefold() not in known.get(name.casefold(), set())]
