"""lib/vocab.py: the labelled-vocabulary base, and every domain's enums on it, values and labels unchanged.

vocab_snapshot.json was captured from the enums as they stood before the base existed (hand-written `label`
properties): each member's name, value, label and other properties, and the enum lists of app.openapi().
"""

from __future__ import annotations

import enum
import importlib
import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from huitian.lib.vocab import IntVocabulary, Vocabulary

SNAPSHOT = json.loads((Path(__file__).parent / "vocab_snapshot.json").read_text(encoding="utf-8"))
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "huitian"
DOMAINS_WITH_ENUMS = sorted(p.parent.name for p in PACKAGE.glob("*/enums.py"))


class Colour(Vocabulary):
    """A test vocabulary."""

    RED = ("red", "红色")
    DARK_BLUE = ("dark_blue", "深蓝")

    @property
    def warm(self) -> bool:
        return self is Colour.RED


class Rank(IntVocabulary):
    FIRST = (1, "一级")
    SECOND = (2, "二级")


def test_a_member_is_its_plain_value_and_carries_its_label():
    assert Colour.RED.value == "red" and type(Colour.RED.value) is str
    assert (
        Colour.RED == "red" and "red" == Colour.RED and str(Colour.RED) == "red" and f"{Colour.RED}" == "red"
    )
    assert isinstance(Colour.RED, str) and isinstance(Colour.RED, enum.StrEnum)
    assert Colour("dark_blue") is Colour.DARK_BLUE and Colour["DARK_BLUE"] is Colour.DARK_BLUE
    assert {"red": 1}[Colour.RED] == 1  # hashes as the string
    assert Colour.RED.label == "红色" and Colour.DARK_BLUE.label == "深蓝"
    assert Colour.RED.warm and not Colour.DARK_BLUE.warm  # the enum's own properties stay
    with pytest.raises(ValueError):
        Colour("红色")  # a label is not a value


def test_option_lists_in_declaration_order():
    assert Colour.choices() == [("red", "红色"), ("dark_blue", "深蓝")]
    assert Colour.labels() == {"red": "红色", "dark_blue": "深蓝"}
    assert Rank.choices() == [(1, "一级"), (2, "二级")]


def test_int_vocabulary():
    assert Rank.SECOND == 2 and Rank(2) is Rank.SECOND and type(Rank.SECOND.value) is int
    assert isinstance(Rank.FIRST, enum.IntEnum) and Rank.FIRST.label == "一级"


@pytest.mark.parametrize("body", [{"X": "x"}, {"X": ("x",)}, {"X": ("x", 1)}, {"X": (1, "一")}])
def test_a_member_without_value_and_label_is_refused(body):
    with pytest.raises(TypeError):
        Vocabulary("Broken", body)


def test_pydantic_keeps_the_plain_values():
    class Row(BaseModel):
        colour: Colour
        rank: Rank

    schema = Row.model_json_schema()["$defs"]
    assert schema["Colour"]["enum"] == ["red", "dark_blue"] and schema["Colour"]["type"] == "string"
    assert schema["Rank"]["enum"] == [1, 2] and schema["Rank"]["type"] == "integer"
    assert Row(colour="red", rank=2).model_dump(mode="json") == {"colour": "red", "rank": 2}


def _enums() -> dict[str, type[enum.Enum]]:
    found = {}
    for domain in DOMAINS_WITH_ENUMS:
        module = importlib.import_module(f"huitian.{domain}.enums")
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__ == module.__name__:
                found[f"{domain}.{name}"] = obj
    return found


def _properties(cls: type) -> list[str]:
    return sorted(
        {
            p
            for c in cls.__mro__
            if c.__module__.startswith("huitian")
            for p, v in vars(c).items()
            if isinstance(v, property)
        }
    )


def test_every_enum_as_before():
    """Names, values (and their type), labels and every other property of every member, as captured."""
    now = {}
    for key, cls in _enums().items():
        props = _properties(cls)
        now[key] = [
            {"name": m.name, "value": m.value, "type": type(m.value).__name__}
            | {p: getattr(m, p) for p in props}
            for m in cls
        ]
    assert now == SNAPSHOT["enums"]


def test_every_labelled_enum_is_a_vocabulary():
    """No hand-written `label` left in an enums.py: a labelled enum takes its label from the base."""
    for key, cls in _enums().items():
        if hasattr(cls, "label"):
            assert issubclass(cls, (Vocabulary, IntVocabulary)), key
            assert "label" not in vars(cls), key


def test_openapi_enum_lists_unchanged(app):
    schemas = app.openapi()["components"]["schemas"]
    assert {name: schemas[name]["enum"] for name in SNAPSHOT["openapi"]} == SNAPSHOT["openapi"]
    for name in SNAPSHOT["openapi"]:
        assert schemas[name]["type"] == "string", name
