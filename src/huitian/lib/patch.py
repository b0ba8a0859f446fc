"""Base class of the PATCH bodies: a field left out is left alone; a field given as JSON null clears it,
and only the fields whose column may be empty (`nullable`) accept that null. Any other null is a 422
naming the field, before anything is written; the OpenAPI schema does not offer null for those fields."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError


def _drop_null(schema: dict[str, Any], model: type[Patch]) -> None:
    for name, prop in schema.get("properties", {}).items():
        if name in model.nullable or "anyOf" not in prop:
            continue
        options = [o for o in prop["anyOf"] if o != {"type": "null"}]
        if len(options) == 1:
            del prop["anyOf"]
            prop.update(options[0])
        else:
            prop["anyOf"] = options
        if prop.get("default", ...) is None:
            del prop["default"]


class Patch(BaseModel):
    model_config = ConfigDict(json_schema_extra=_drop_null)

    nullable: ClassVar[frozenset[str]] = frozenset()
    """The fields that JSON null clears; every other field must be left out or given a value."""

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_nullable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError(
                "null_not_allowed",
                "{field} cannot be null: leave it out to keep it",
                {"field": info.field_name},
            )
        return value
