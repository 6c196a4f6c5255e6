"""README and meltano.yml agree with the target's settings schema."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

from target_salesforce_br.report import RunSummary

REPO_ROOT = Path(__file__).resolve().parent.parent
LOADER_NAME = "target-salesforce-br"


def _load_update_script() -> t.Any:
    path = REPO_ROOT / "scripts" / "update_readme_settings.py"
    spec = importlib.util.spec_from_file_location("update_readme_settings", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def about_json() -> dict[str, t.Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "target_salesforce_br", "--about", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def schema_properties(about_json: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return about_json["settings"]["properties"]


@pytest.fixture(scope="module")
def loader_settings() -> dict[str, dict[str, t.Any]]:
    project = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text(encoding="utf-8"))
    loaders = [
        plugin
        for plugin in project["plugins"]["loaders"]
        if plugin["name"] == LOADER_NAME
    ]
    assert len(loaders) == 1, f"meltano.yml must define the loader {LOADER_NAME} once"
    settings = loaders[0]["settings"]
    names = [setting["name"] for setting in settings]
    assert len(names) == len(set(names)), f"repeated setting names: {names}"
    return {setting["name"]: setting for setting in settings}


def test_readme_table_matches_about():
    script = _load_update_script()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    expected = script.expected_readme()
    assert readme == expected, (
        "README.md's settings table differs from "
        "`target-salesforce-br --about --format=markdown`; "
        "run `.venv/bin/python scripts/update_readme_settings.py`"
    )


def test_readme_table_not_empty():
    script = _load_update_script()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(script.START_MARKER)[1].split(script.END_MARKER)[0]
    assert "| client_secret |" in block
    assert "| utm_campaign_field |" in block


def test_settings_table_extraction():
    script = _load_update_script()
    markdown = (
        "# `x`\n\n## Capabilities\n\n- `about`\n\n## Settings\n\n"
        "| Setting | Required |\n|:--|:--:|\n| a | False |\n\nA footer line.\n"
    )
    assert script.settings_table(markdown) == (
        "| Setting | Required |\n|:--|:--:|\n| a | False |"
    )


def test_settings_table_without_heading():
    script = _load_update_script()
    with pytest.raises(ValueError, match="no '## Settings' heading"):
        script.settings_table("# `x`\n\n| a | b |\n")


def test_replace_block_keeps_surroundings():
    script = _load_update_script()
    readme = f"intro\n{script.START_MARKER}\nold table\n{script.END_MARKER}\noutro\n"
    assert script.replace_block(readme, "| new |") == (
        f"intro\n{script.START_MARKER}\n| new |\n{script.END_MARKER}\noutro\n"
    )


def test_replace_block_missing_marker():
    script = _load_update_script()
    with pytest.raises(ValueError, match="once each"):
        script.replace_block(f"{script.START_MARKER}\nno end marker\n", "| t |")


def test_meltano_loader_setting_names(loader_settings, schema_properties):
    missing = sorted(set(schema_properties) - set(loader_settings))
    extra = sorted(set(loader_settings) - set(schema_properties))
    assert missing == [], f"settings of the target missing from meltano.yml: {missing}"
    assert extra == [], f"meltano.yml settings the target does not define: {extra}"


def test_meltano_sensitive_settings(loader_settings, schema_properties):
    secret = {name for name, prop in schema_properties.items() if prop.get("secret")}
    sensitive = {
        name for name, setting in loader_settings.items() if setting.get("sensitive")
    }
    assert secret, "the target's schema marks no setting as secret"
    assert sensitive == secret


def test_meltano_secrets_have_no_value(loader_settings, schema_properties):
    for name, prop in schema_properties.items():
        if prop.get("secret"):
            assert "value" not in loader_settings[name], (
                f"meltano.yml must not hold a value for the secret {name}"
            )


def test_meltano_labels_match_titles(loader_settings, schema_properties):
    for name, prop in schema_properties.items():
        if "title" in prop:
            assert loader_settings[name].get("label") == prop["title"], name


def test_meltano_descriptions_match(loader_settings, schema_properties):
    for name, prop in schema_properties.items():
        assert loader_settings[name].get("description") == prop.get("description"), name


def test_meltano_options_match_enums(loader_settings, schema_properties):
    for name, prop in schema_properties.items():
        if "enum" not in prop:
            continue
        setting = loader_settings[name]
        assert setting.get("kind") == "options", name
        values = [option["value"] for option in setting["options"]]
        assert values == [value for value in prop["enum"] if value is not None], name


def _counter_names(line: str) -> list[str]:
    return re.findall(r"([a-zA-Z_ ]+)=", line.split(";")[0])


def test_readme_summary_line_has_every_counter():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"^Run summary: (.*)$", readme, flags=re.MULTILINE)
    expected = RunSummary().line(0, None)
    assert _counter_names(example) == _counter_names(expected)
