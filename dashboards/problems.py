"""A problem found in an input file, located so a person can find and fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem: where (row as the user counts it, column), the value, what is wrong, what to do."""

    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        place = ", ".join(where) or "file"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{self.severity}: {place}{value}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
