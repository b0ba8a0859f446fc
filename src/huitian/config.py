"""Settings from HUITIAN_* environment variables.

Every setting is documented in README.md (a test checks that the two stay in step).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUITIAN_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./huitian.db",
        description="Database URL or SQLite file path (sqlite:///… or postgresql+psycopg://…).",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs session cookies and API tokens. If unset, a random key is created "
        "once and kept in the database, so every process on that database shares it.",
    )
    timezone: str = Field(default="Asia/Shanghai", description="Local time zone for deadlines and display.")
    token_ttl_hours: int = Field(default=12, ge=1, description="Lifetime of bearer tokens, in hours.")
    sweep_interval_s: int = Field(default=60, ge=1, description="Seconds between two SLA sweeps.")
    kpi_refresh_interval_s: int = Field(
        default=300, ge=10, description="Seconds between two refreshes of the assessment rollups."
    )
    embedded_worker: bool = Field(
        default=True,
        description="Run the background jobs inside `huitian serve` (for the embedded SQLite default).",
    )
    upload_dir: str = Field(default="./uploads", description="Folder where order photos are stored.")
    map_tile_url: str | None = Field(
        default=None,
        description="Tile URL template of an intranet map server (e.g. http://tiles.local/{z}/{x}/{y}.png); "
        "maps show our own GeoJSON only when unset.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="Public address that QR codes point to ({url}/p/{code}); else the request's.",
    )
    model_dir: str = Field(default="./models", description="Folder where trained classifier models are kept.")
    open311_jurisdiction: str | None = Field(
        default=None, description="If set, Open311 requests naming another jurisdiction_id get 404."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body, in bytes, of every route but those taking uploads (413 beyond).",
    )
    max_upload_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest request body, in bytes, of the routes taking files (photos, GeoJSON/Excel "
        "imports, area outlines).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IP addresses or CIDR networks of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none (the socket's peer is the client).",
    )
    satisfaction_weight_basic: float = Field(
        default=0.8, ge=0, le=1, description="Weight of 基本满意 in 满意率."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def normalise_db_url(value: str) -> str:
    """Accept a plain file path as well as a URL."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"
