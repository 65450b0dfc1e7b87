"""Pure rules for adding variants to a product already in a store (``domain.publishing``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bchub.domain.publishing import missing_option_values, option_mismatch, removed_variant_note

STORE = {"Size": ["S", "M"], "Color": ["Red"]}


def test_only_the_labels_the_store_lacks_are_missing_in_any_case() -> None:
    wanted = [("size", "m"), ("Color", "Blue"), ("Size", "XL")]
    assert missing_option_values(STORE, wanted) == [("Color", "Blue"), ("Size", "XL")]
    assert missing_option_values(STORE, [("Size", "S"), ("Color", "RED")]) == []


def test_a_variant_needs_exactly_the_products_options() -> None:
    assert option_mismatch("TEE", ["Size", "Color"], ["color", "SIZE"]) is None
    fewer = option_mismatch("TEE", ["Size", "Color"], ["Size"])
    assert fewer is not None and "its options (Size) are not the options product TEE has" in fewer
    assert "(Size, Color)" in fewer and "delist the product and publish it again" in fewer
    assert option_mismatch("TEE", ["Size"], ["Size", "Color"]) is not None
    assert option_mismatch("TEE", ["Size"], ["Size", "size"]) is not None  # one option named twice
    assert option_mismatch("TEE", [], []) is None


def test_the_note_for_a_variant_removed_at_the_vendor_says_what_happens_to_its_stock() -> None:
    assert "published as 0" in removed_variant_note(True)
    kept = removed_variant_note(False)
    assert "last stock level" in kept and "--zero-discontinued" in kept and "never deletes" in kept


labels = st.text(alphabet="abcXYZ", min_size=1, max_size=3)


names = st.sampled_from(["Size", "Color", "Fit"])


@given(st.dictionaries(names, st.lists(labels, max_size=4)), st.lists(st.tuples(names, labels), max_size=4))
def test_after_creating_the_missing_values_nothing_is_missing(
    store: dict[str, list[str]], wanted: list[tuple[str, str]]
) -> None:
    missing = missing_option_values(store, wanted)
    assert all(pair in wanted for pair in missing)
    grown = {name: list(values) for name, values in store.items()}
    for name, label in missing:
        grown.setdefault(name, []).append(label)
    assert missing_option_values(grown, wanted) == []
