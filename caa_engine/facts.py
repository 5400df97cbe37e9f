"""What a fact is: the unit both backends match and the audit trail cites.

A :class:`Fact` has a positive ``type`` discriminator, a stable ``id``, flat
fields (no dotted keys) whose values are normalised (``int``, ``Fraction``,
``str``, ``bool`` or ``None``), and an ``origin`` per field: where in the
evidence, or which rule or measure, the value came from.  A :class:`FactType`
declares the fields a type has, so rule conditions are checked at load time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal

__all__ = ["ValueType", "FieldSpec", "FactType", "Fact", "normalise_number", "value_type_of"]

ValueType = Literal["int", "number", "str", "bool", "date"]


@dataclass(frozen=True)
class FieldSpec:
    type: ValueType
    nullable: bool = False
    description: str = ""
    values: tuple[str, ...] = ()  # the only texts it can hold, where that is known (a comparison is checked)
    refers: str = ""  # the fact type whose id it holds, if it is a reference (kloe.body, outcome.risk)
    unit: str = ""  # "share" for a value from 0 to 1 (a share() measure), so a threshold compared with it is checked


@dataclass(frozen=True)
class FactType:
    """A declared kind of fact: its fields and whether it belongs to a body."""

    name: str
    fields: dict[str, FieldSpec]
    description: str = ""
    origin: str = "evidence"  # "evidence", or "file:line" of the measure/rule set that derives it
    companion_of: str | None = None  # derived one-for-one from facts of this type, with the same ids

    @property
    def per_body(self) -> bool:
        return "body" in self.fields

    def refers_to(self, name: str, types: dict[str, FactType]) -> bool:
        """Whether ``name.field`` can be read from a fact of this type: through a field named after the fact
        type ``name`` that holds such a fact's id (a reference), or a companion type sharing this type's ids.

        Only a field declared a reference counts: a table's 'theme' column holds a theme's name, not the id
        of a theme fact."""
        spec = self.fields.get(name)
        if spec is not None and spec.refers == name and name in types:
            return True
        other = types.get(name)
        return other is not None and other.companion_of == self.name


@dataclass
class Fact:
    type: str
    id: str
    fields: dict[str, Any]
    origin: dict[str, str] = field(default_factory=dict)  # field -> "file:line" it came from
    path: tuple[Any, ...] = ()  # where the fact itself stands in the evidence

    def get(self, name: str) -> Any:
        if name == "id":
            return self.id
        return self.fields.get(name)

    def body(self) -> str | None:
        """The body this fact belongs to (a body fact belongs to itself)."""
        if self.type == "body":
            return self.id
        value = self.fields.get("body")
        return value if isinstance(value, str) else None


def normalise_number(value: Any) -> int | Fraction:
    """Exact form of a number: ints stay ints, everything else a reduced Fraction.

    Floats are read through their shortest decimal text, so ``0.6`` is 3/5.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        text = repr(value)
        whole, dot, decimals = text.partition(".")
        if dot and "e" not in decimals:  # 12.5 is 125/10: what Fraction(text) gives, without parsing text
            value = Fraction(int(whole + decimals), 10 ** len(decimals))
        else:
            value = Fraction(text)
    elif not isinstance(value, Fraction):
        value = Fraction(value)
    return int(value) if value.denominator == 1 else value


def value_type_of(value: Any) -> ValueType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int):
        return "int"
    if isinstance(value, (float, Fraction)):
        return "number"
    return "str"
