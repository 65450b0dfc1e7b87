"""Catalog rules: option names, import options, what a matched item takes, matching, content hashes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.domain.catalog import (
    Attribute,
    ImportMode,
    ImportOptions,
    ItemData,
    MatchStatus,
    Overwrite,
    hs_code_of,
    match_listing,
    merged,
    normalise_option_name,
)
from bchub.errors import InputError

VENDOR_DATA = ItemData(sku="A-1", name="Vendor name", price=Decimal("10"), cost_price=Decimal("4"), brand="V")
STORE_DATA = ItemData(sku="A-1", name="Store name", price=Decimal("14"), cost_price=Decimal("5"), brand="S")


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [("Colour", "Color"), (" color ", "Color"), ("COLOR", "Color"), ("size", "Size"), ("HS  code", "HS Code"),
     ("hs_code", "HS Code"), ("Material", "Material"), ("  Pack   size ", "Pack size")],
)  # fmt: skip
def test_option_names_are_normalised(given_name: str, kept: str) -> None:
    assert normalise_option_name(given_name) == kept


def test_the_hs_code_comes_from_an_option_before_a_custom_field() -> None:
    assert hs_code_of([Attribute("HS code", " 6109.10 ")], [Attribute("HS Code", "9999")]) == "6109.10"
    assert hs_code_of([], [Attribute("hs_code", "6912.00")]) == "6912.00"
    assert hs_code_of([Attribute("Size", "L")], [Attribute("HS Code", " ")]) is None


def test_import_options_refuse_contradictions() -> None:
    with pytest.raises(InputError, match="either incremental or of chosen products"):
        ImportOptions(incremental=True, skus=("A",))
    with pytest.raises(InputError, match="lookback"):
        ImportOptions(lookback=timedelta(seconds=-1))
    assert (
        ImportOptions().full and not ImportOptions(product_ids=(1,)).full and not ImportOptions(incremental=True).full
    )
    assert ImportOptions(skus=("A",)).as_params()["skus"] == ["A"]


def test_what_a_matched_item_takes_from_the_store() -> None:
    assert merged(VENDOR_DATA, STORE_DATA, ImportOptions()) == VENDOR_DATA
    overwrite = ImportOptions(mode=ImportMode.CREATE_AND_OVERWRITE)
    assert merged(VENDOR_DATA, STORE_DATA, overwrite) == STORE_DATA
    prices = merged(VENDOR_DATA, STORE_DATA, replace(overwrite, overwrite=Overwrite.PRICE_STOCK))
    assert (prices.name, prices.brand, prices.price, prices.cost_price) == (
        "Vendor name",
        "V",
        Decimal("14"),
        Decimal("5"),
    )
    # the master SKU never changes, whatever the store's data says
    assert merged(VENDOR_DATA, replace(STORE_DATA, sku="other"), overwrite).sku == "A-1"


def test_matching_a_merchant_listing_to_vendor_listings() -> None:
    names = {1: "north", 2: "harbor"}
    assert match_listing(None, {}, names).status is MatchStatus.UNMATCHED
    one = match_listing(1, {1: 10}, names)
    assert (one.status, one.vendor_listing_id, one.note) == (MatchStatus.MATCHED, 10, None)
    two = match_listing(2, {1: 10, 2: 20}, names)
    assert (two.status, two.vendor_listing_id) == (MatchStatus.CONFLICT, 20)
    assert two.note == "listed by 2 vendors (harbor, north); supplier kept: harbor"
    orphan = match_listing(None, {2: 20, 1: 10}, names)  # no supplier yet: the lowest connection id
    assert orphan.vendor_listing_id == 10


def test_content_hashes_follow_values_not_their_spelling() -> None:
    assert replace(VENDOR_DATA, price=Decimal("10.00")).content_hash() == VENDOR_DATA.content_hash()
    assert replace(VENDOR_DATA, price=Decimal("10.01")).content_hash() != VENDOR_DATA.content_hash()
    assert replace(VENDOR_DATA, options=(Attribute("Size", "L"),)).content_hash() != VENDOR_DATA.content_hash()


@given(st.text(max_size=20), st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_any_change_of_name_or_price_changes_the_hash(name: str, price: Decimal) -> None:
    changed = replace(VENDOR_DATA, name=name, price=price)
    same = changed.name == VENDOR_DATA.name and changed.price == VENDOR_DATA.price
    assert (changed.content_hash() == VENDOR_DATA.content_hash()) is same
