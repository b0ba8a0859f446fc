"""Domain errors. The app turns each into an HTTP status with a clear message."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def to_dict(self) -> dict:
        body: dict = {"detail": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    status_code = 422


def document_error_bodies(app) -> None:
    """A 422 is either FastAPI's own validation error (`detail` a list) or a DomainError (`detail` a
    sentence, `field` naming the field): say both in the OpenAPI schema, so that clients (and schemathesis)
    validating responses against it accept what the API really answers."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        body = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if body is not None:
            listed = body["properties"]["detail"]
            body["properties"]["detail"] = {
                "anyOf": [{k: v for k, v in listed.items() if k != "title"}, {"type": "string"}],
                "title": "Detail",
            }
            body["properties"]["field"] = {"type": "string", "title": "Field"}
        return schema

    app.openapi = openapi
