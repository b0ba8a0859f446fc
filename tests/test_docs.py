"""Documentation that cannot drift: every setting and every CLI command is in the README."""

from pathlib import Path

from typer.main import get_command

from huitian.cli import app
from huitian.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"HUITIAN_{name.upper()}" in README, f"HUITIAN_{name.upper()} is not in README.md"


def test_every_command_is_documented():
    root = get_command(app)
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", None)
        for full in [f"{name} {sub}" for sub in subcommands] if subcommands else [name]:
            assert f"huitian {full}" in README, f"`huitian {full}` is not in README.md"
