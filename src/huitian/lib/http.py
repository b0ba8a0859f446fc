"""HTTP helpers shared by the api.py modules."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise an already-built response model once (FastAPI would validate it again against the
    route's response_model, which stays declared for the OpenAPI document)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
