"""Hub items to and from CSV: for items that come from no store (the merchant's own system, a
supplier's spreadsheet), and to take the catalog elsewhere.

Columns (header names, any order; only ``sku`` is required, and ``name`` for a new item):

    sku, name, parent_sku, description, price, cost_price, sale_price, retail_price, upc, mpn,
    gtin, weight, width, height, depth, brand, categories, images, hs_code, unit_of_measure,
    income_account, cogs_account, asset_account, supplier, stock,
    attribute:<Name> (one column per custom field), option:<Name> (one column per option)

``categories`` and ``images`` hold several values separated by ``|``. ``supplier`` is a vendor
connection's name; ``stock`` is the quantity held by the spreadsheet's source (``csv``). On
import, an item that exists is updated with the columns the file has (columns it lacks are left
alone; an empty cell clears the value, except ``name``); ``export-csv`` writes every column.
Parsing is pure: rows in, ``RowPlan`` or a ``RowError`` out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from bchub.domain.catalog import Accounting, Attribute, ItemData, hs_code_of, normalise_option_name

ATTRIBUTE_PREFIX = "attribute:"
OPTION_PREFIX = "option:"
LIST_SEPARATOR = "|"
TEXT_FIELDS = ("name", "parent_sku", "description", "upc", "mpn", "gtin", "brand", "hs_code")
AMOUNT_FIELDS = ("price", "cost_price", "sale_price", "retail_price", "weight", "width", "height", "depth")
LIST_FIELDS = ("categories", "images")
ACCOUNTING_FIELDS = ("unit_of_measure", "income_account", "cogs_account", "asset_account")
COLUMNS = (
    "sku",
    "name",
    "parent_sku",
    "description",
    *AMOUNT_FIELDS[:4],
    "upc",
    "mpn",
    "gtin",
    *AMOUNT_FIELDS[4:],
    "brand",
    "categories",
    "images",
    "hs_code",
    *ACCOUNTING_FIELDS,
    "supplier",
    "stock",
)
KNOWN = frozenset(COLUMNS)
LIMITS = {"sku": 255, "name": 255, "parent_sku": 255, "upc": 64, "mpn": 255, "gtin": 64, "brand": 255, "hs_code": 64}


@dataclass(frozen=True)
class RowError:
    line: int
    sku: str
    reason: str


@dataclass(frozen=True)
class RowPlan:
    """What one CSV row says: the columns it sets (others untouched on an existing item)."""

    line: int
    sku: str
    values: Mapping[str, Any]  # ItemData fields the row sets
    accounting: Mapping[str, str]
    supplier: str | None  # a connection name, when the row has the column and a value
    has_supplier: bool
    stock: int | None
    has_stock: bool

    def apply(self, data: ItemData | None) -> ItemData:
        """The item data after this row: ``data`` (an existing item's) with the row's columns set."""
        if data is None:
            return ItemData(sku=self.sku, **{key: value for key, value in self.values.items() if key != "sku"})
        return replace(data, **self.values)

    def apply_accounting(self, accounting: Accounting | None) -> Accounting:
        return replace(accounting or Accounting(), **self.accounting)


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    if "sku" not in header:
        problems.append("the file has no 'sku' column")
    unknown = [name for name in header if name not in KNOWN and not name.startswith((ATTRIBUTE_PREFIX, OPTION_PREFIX))]
    if unknown:
        problems.append(
            f"unknown columns {', '.join(repr(name) for name in unknown)}; known: {', '.join(COLUMNS)}, "
            f"{ATTRIBUTE_PREFIX}<Name>, {OPTION_PREFIX}<Name>"
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(f"columns named twice: {', '.join(duplicated)}")
    return problems


def _amount(value: str, column: str) -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{column} {value!r} is not a number")
    if amount < 0:
        raise ValueError(f"{column} cannot be negative ({value})")
    return amount


def _attributes(row: Mapping[str, str], prefix: str, options: bool) -> tuple[Attribute, ...]:
    found = []
    for column, value in row.items():
        if column.startswith(prefix) and value:
            name = column[len(prefix) :].strip()
            found.append(Attribute(normalise_option_name(name) if options else name, value))
    return tuple(found)


def plan_row(line: int, row: Mapping[str, str], header: list[str]) -> RowPlan | RowError:
    """One row as a plan, or why it cannot be imported."""
    cells = {key: (value or "").strip() for key, value in row.items() if key is not None}
    sku = cells.get("sku", "")
    if not sku:
        return RowError(line, "", "the sku is empty")
    values: dict[str, Any] = {}
    try:
        for column, limit in LIMITS.items():
            if len(cells.get(column, "")) > limit:
                raise ValueError(f"{column} is longer than {limit} characters")
        for column in TEXT_FIELDS:
            if column in cells:
                values[column] = cells[column] or None
        if "name" in values and values["name"] is None:
            raise ValueError("the name is empty")
        for column in AMOUNT_FIELDS:
            if column in cells:
                values[column] = _amount(cells[column], column)
        for column in LIST_FIELDS:
            if column in cells:
                values[column] = tuple(part.strip() for part in cells[column].split(LIST_SEPARATOR) if part.strip())
        if any(name.startswith(ATTRIBUTE_PREFIX) for name in header):
            values["custom_fields"] = _attributes(cells, ATTRIBUTE_PREFIX, options=False)
        if any(name.startswith(OPTION_PREFIX) for name in header):
            values["options"] = _attributes(cells, OPTION_PREFIX, options=True)
        if "hs_code" not in cells and ("custom_fields" in values or "options" in values):
            found = hs_code_of(values.get("options", ()), values.get("custom_fields", ()))
            if found:
                values["hs_code"] = found
        stock = None
        if cells.get("stock"):
            try:
                stock = int(cells["stock"])
            except ValueError:
                raise ValueError(f"stock {cells['stock']!r} is not a whole number") from None
        accounting = {column: cells[column] for column in ACCOUNTING_FIELDS if cells.get(column)}
    except ValueError as error:
        return RowError(line, sku, str(error))
    return RowPlan(
        line=line,
        sku=sku,
        values=values,
        accounting=accounting,
        supplier=cells.get("supplier") or None,
        has_supplier="supplier" in cells,
        stock=stock,
        has_stock="stock" in cells,
    )


def parse_csv(text: str) -> tuple[list[RowPlan], list[RowError]]:
    """Every row of ``text`` as a plan or an error; a file-level problem is one error on line 1."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        return [], [RowError(1, "", "the file is empty (expected a header line with at least 'sku')")]
    problems = _header_problems(header)
    if problems:
        return [], [RowError(1, "", "; ".join(problems))]
    reader.fieldnames = header
    plans: list[RowPlan] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(RowError(line, str(row.get("sku") or ""), "the row has more cells than the header"))
            continue
        planned = plan_row(line, row, header)
        if isinstance(planned, RowError):
            errors.append(planned)
        elif planned.sku in seen:
            errors.append(RowError(line, planned.sku, f"the sku is also on line {seen[planned.sku]}"))
        else:
            seen[planned.sku] = line
            plans.append(planned)
    return plans, errors


# -- export ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    data: ItemData
    accounting: Accounting
    supplier: str | None
    stock: int | None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def export_header(rows: Iterable[ExportRow]) -> list[str]:
    attributes: dict[str, None] = {}
    options: dict[str, None] = {}
    for row in rows:
        attributes.update((field.name, None) for field in row.data.custom_fields)
        options.update((option.name, None) for option in row.data.options)
    return [
        *COLUMNS,
        *(f"{ATTRIBUTE_PREFIX}{name}" for name in attributes),
        *(f"{OPTION_PREFIX}{name}" for name in options),
    ]


def export_lines(rows: list[ExportRow]) -> Iterator[str]:
    """The CSV text of ``rows``, line by line (header first)."""
    header = export_header(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield flush()
    data_fields = {field.name for field in fields(ItemData)}
    for row in rows:
        values: dict[str, str] = {}
        for column in COLUMNS:
            if column in data_fields:
                value = getattr(row.data, column)
                values[column] = LIST_SEPARATOR.join(value) if column in LIST_FIELDS else _cell(value)
        values.update((column, getattr(row.accounting, column)) for column in ACCOUNTING_FIELDS)
        values["supplier"] = row.supplier or ""
        values["stock"] = _cell(row.stock)
        values.update((f"{ATTRIBUTE_PREFIX}{field.name}", field.value) for field in row.data.custom_fields)
        values.update((f"{OPTION_PREFIX}{option.name}", option.value) for option in row.data.options)
        writer.writerow([values.get(column, "") for column in header])
        yield flush()
