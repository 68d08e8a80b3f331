"""CSV downloads of the program pages: the shared machinery lives in hub.exports (UTF-8 with a
BOM, formula cells neutralised, numbers kept as numbers)."""

from hub.exports import BOM, FORMULA_STARTS, csv_response, safe_cell

__all__ = ["BOM", "FORMULA_STARTS", "csv_response", "safe_cell"]
