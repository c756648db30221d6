"""Reading a licence table from a TOML or JSON file: the one place pricing touches a file."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

from pricing.licence import LicenceTable, licence_table

DEFAULT_TABLE = "licence_terms.toml"


def read_licence_table(path: str | Path | None = None) -> LicenceTable:
    """The table in a .toml or .json file; the documented default shipped beside pricing if None."""
    if path is None:
        text = resources.files("pricing").joinpath(DEFAULT_TABLE).read_text(encoding="utf-8")
        return licence_table(tomllib.loads(text))
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return licence_table(json.loads(text))
    return licence_table(tomllib.loads(text))
