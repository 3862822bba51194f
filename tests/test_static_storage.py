"""Production's static storage: a file's hashed URL from the manifest,
worked out once per name (portal.static_storage)."""

import json

import pytest

from portal.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "hash": "0",
                "paths": {
                    "css/site.css": "css/site.0a1b2c3d4e5f.css",
                    "admin/js/core.js": "admin/js/core.9f8e7d6c5b4a.js",
                },
            }
        )
    )
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_a_name_gives_its_hashed_url(storage):
    assert storage.url("css/site.css") == "/static/css/site.0a1b2c3d4e5f.css"
    assert storage.url("admin/js/core.js") == "/static/admin/js/core.9f8e7d6c5b4a.js"


def test_a_names_url_is_worked_out_once(storage, monkeypatch):
    first = storage.url("css/site.css")
    # The manifest is not asked again for a name already answered.
    monkeypatch.setattr(storage, "hashed_files", {})
    assert storage.url("css/site.css") == first


def test_a_name_missing_from_the_manifest_raises_every_time(storage):
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_force_asks_the_manifest(storage, monkeypatch):
    storage.url("css/site.css")
    monkeypatch.setattr(storage, "hashed_files", {})
    with pytest.raises(ValueError):
        storage.url("css/site.css", force=True)
