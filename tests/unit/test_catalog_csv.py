"""Hub items to and from CSV: parsing with per-row errors, and export → import round trips."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bchub.domain.catalog import Accounting, Attribute, ItemData
from bchub.sync.catalog.csv_io import ExportRow, RowPlan, export_lines, parse_csv


def test_rows_become_plans_with_only_the_columns_the_file_has() -> None:
    text = (
        "sku,name,price,categories,attribute:Material,option:colour,stock,unit_of_measure\n"
        "A-1,Tee,12.50,Shirts|Sale,Merino,Navy,7,Box\n"
        "A-2,Mug,3,,,,,\n"
    )
    plans, errors = parse_csv(text)
    assert errors == []
    first, second = plans
    assert first.values == {
        "name": "Tee",
        "price": Decimal("12.50"),
        "categories": ("Shirts", "Sale"),
        "custom_fields": (Attribute("Material", "Merino"),),
        "options": (Attribute("Color", "Navy"),),
    }
    assert (first.stock, first.accounting) == (7, {"unit_of_measure": "Box"})
    assert second.values["custom_fields"] == () and second.stock is None and second.has_stock
    data = first.apply(ItemData(sku="A-1", name="Old", description="kept", price=Decimal(1)))
    assert (data.name, data.description, data.price) == ("Tee", "kept", Decimal("12.50"))
    assert first.apply_accounting(None) == Accounting(unit_of_measure="Box")


def test_every_bad_row_is_reported_with_its_line_and_the_others_go_on() -> None:
    text = (
        "sku,name,price,stock\n"
        "A-1,Tee,abc,1\n"
        ",Nameless,1,1\n"
        "A-2,,1,1\n"
        "A-3,Mug,-2,1\n"
        "A-4,Mug,2,many\n"
        "A-5,Fine,2,3\n"
        "A-5,Again,2,3\n"
        "A-6,Extra,1,1,surplus\n"
    )
    plans, errors = parse_csv(text)
    assert [plan.sku for plan in plans] == ["A-5"]
    assert [(error.line, error.sku, error.reason) for error in errors] == [
        (2, "A-1", "price 'abc' is not a number"),
        (3, "", "the sku is empty"),
        (4, "A-2", "the name is empty"),
        (5, "A-3", "price cannot be negative (-2)"),
        (6, "A-4", "stock 'many' is not a whole number"),
        (8, "A-5", "the sku is also on line 7"),
        (9, "A-6", "the row has more cells than the header"),
    ]


def test_a_bad_header_is_one_error() -> None:
    _, [error] = parse_csv("name,prize\nTee,1\n")
    assert error.line == 1 and "no 'sku' column" in error.reason and "unknown columns 'prize'" in error.reason
    assert parse_csv("")[1][0].reason.startswith("the file is empty")


def _roundtrip(rows: list[ExportRow]) -> list[RowPlan]:
    plans, errors = parse_csv("".join(export_lines(rows)))
    assert errors == []
    return plans


def test_export_then_import_gives_the_same_items() -> None:
    data = ItemData(
        sku="A-1",
        name='Tee, "classic"',
        description="line one\nline two",
        price=Decimal("12.5000"),
        weight=Decimal("0.35"),
        categories=("23",),
        images=("https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"),
        custom_fields=(Attribute("Material", "Merino"),),
        options=(Attribute("Size", "L"), Attribute("Color", "Navy")),
        hs_code="6109.10",
    )
    rows = [
        ExportRow(data, Accounting(income_account="Apparel"), "north", 4),
        ExportRow(ItemData("B-1", "Mug"), Accounting(), None, None),
    ]
    first, second = _roundtrip(rows)
    assert first.apply(None) == data and first.apply_accounting(None) == Accounting(income_account="Apparel")
    assert (first.supplier, first.stock) == ("north", 4)
    assert second.apply(None) == ItemData("B-1", "Mug") and second.supplier is None


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool),
    st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False),
)
def test_any_name_and_price_survive_the_round_trip(name: str, price: Decimal) -> None:
    [plan] = _roundtrip([ExportRow(ItemData("SKU-1", name, price=price), Accounting(), None, None)])
    assert plan.apply(None).name == name and plan.apply(None).price == price
