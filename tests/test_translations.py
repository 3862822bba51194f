"""The interface is Simplified Chinese by default and English on the switch.

The msgids are the English texts written in the code; locale/zh_Hans holds
their Chinese. These tests fail when a string in the code has no translation
yet (run `make messages`, translate the new entries, commit the .po), when an
entry is fuzzy or empty, or when a translation lost a placeholder or a tag.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from portal.cases.models import CaseStatus

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What `make messages` leaves out of the extraction (besides hidden folders).
IGNORED_DIRS = {".venv", "var", "staticfiles", "locale", "node_modules"}
EXTRACTED = {".py", ".html", ".txt"}  # makemessages' default extensions

# %(name)s, %s, %d ... (python-format), {0} / {name} (brace-format), HTML tags.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{[0-9A-Za-z_]*\}|<[^>]+>")


CJK = r"[\u4e00-\u9fff]"


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def key(entry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


def live_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def test_the_catalogue_says_it_is_simplified_chinese(catalogue):
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert not catalogue.metadata_is_fuzzy


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    entries = live_entries(catalogue)
    assert entries
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    untranslated = [
        entry.msgid
        for entry in entries
        if not (
            all(entry.msgstr_plural.values()) and entry.msgstr_plural
            if entry.msgid_plural
            else entry.msgstr
        )
    ]
    assert fuzzy == [], "fuzzy entries: check the translation, drop the flag"
    assert untranslated == [], "untranslated entries in locale/zh_Hans"


def test_translations_keep_every_placeholder_and_tag(catalogue):
    wrong = []
    for entry in live_entries(catalogue):
        if entry.msgid_plural:
            # Chinese has one form; it may follow the singular or the plural.
            expected = (placeholders(entry.msgid), placeholders(entry.msgid_plural))
            found = [placeholders(text) for text in entry.msgstr_plural.values()]
            if any(f not in expected for f in found):
                wrong.append(entry.msgid)
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            wrong.append(entry.msgid)
    assert wrong == []


def test_no_translation_is_left_in_english(catalogue):
    """A msgstr equal to its English msgid is an entry somebody skipped, except
    for codes and proper nouns that read the same in Chinese."""
    same = [
        entry.msgid
        for entry in live_entries(catalogue)
        if not entry.msgid_plural
        and entry.msgstr == entry.msgid
        and re.search(r"[a-z]{3}", entry.msgid)
        and not re.search(CJK, entry.msgstr)
    ]
    assert same == []


def test_the_compiled_catalogue_is_the_one_django_uses(catalogue):
    """bin/compile_translations.py (run by `make setup`) wrote the .mo that
    Django loads for zh-hans: every entry comes back translated, ahead of
    Django's own catalogues for the same msgids."""
    stale = []
    with translation.override("zh-hans"):
        for entry in live_entries(catalogue):
            context, msgid, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
            if plural and context:
                got = translation.npgettext(context, msgid, plural, 2)
            elif plural:
                got = translation.ngettext(msgid, plural, 2)
            elif context:
                got = translation.pgettext(context, msgid)
            else:
                got = translation.gettext(msgid)
            want = entry.msgstr_plural[0] if plural else entry.msgstr
            if got != want:
                stale.append(entry.msgid)
    assert stale == [], "run `make setup` (bin/compile_translations.py)"


def test_chinese_by_default_and_english_on_the_switch():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert translation.to_locale("zh-hans") == "zh_Hans"
    label = CaseStatus.CLOSED.label
    with translation.override("zh-hans"):
        chinese = str(label)
    with translation.override("en"):
        english = str(label)
    assert re.search(CJK, chinese)
    assert english != chinese and not re.search(CJK, english)


@pytest.mark.django_db
def test_the_pages_follow_the_language_switch(client):
    with translation.override("zh-hans"):
        chinese = translation.gettext("Services")
    home = client.get("/")
    assert home.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in home.content.decode()
    assert chinese in home.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get("/")
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.content.decode()
    # The switch back to Chinese is offered in Chinese.
    assert "中文" in english.content.decode()
    assert chinese not in english.content.decode()


def copy_sources(target: Path) -> None:
    """The files `make messages` reads, laid out as in the repository."""
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        parts = relative.parts
        if parts[0] in IGNORED_DIRS or any(part.startswith(".") for part in parts):
            continue
        if path.is_file() and path.suffix in EXTRACTED:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def test_every_string_in_the_code_is_in_the_catalogue(
    catalogue, tmp_path, monkeypatch, settings
):
    """Runs Django's makemessages (GNU xgettext) over a copy of the sources into
    a scratch catalogue: a string marked for translation that is missing from
    locale/zh_Hans fails here, so nothing ships untranslated."""
    if not shutil.which("xgettext") or not shutil.which("msguniq"):
        pytest.skip(
            "GNU gettext (xgettext, msguniq) is not installed: "
            "apt-get install gettext (CI installs it)"
        )
    sources = tmp_path / "src"
    copy_sources(sources)
    (sources / "locale").mkdir()
    settings.LOCALE_PATHS = [sources / "locale"]
    monkeypatch.chdir(sources)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    extracted = polib.pofile(
        str(sources / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    )
    in_code = {key(entry): entry for entry in extracted}
    in_catalogue = {key(entry) for entry in live_entries(catalogue)}
    missing = sorted(
        f"{entry.occurrences[0][0] if entry.occurrences else '?'}: "
        f"{(entry.msgctxt + ' | ') if entry.msgctxt else ''}{entry.msgid}"
        for k, entry in in_code.items()
        if k not in in_catalogue
    )
    assert len(in_code) > 100
    assert missing == [], (
        "strings without a Chinese translation: run `make messages` and "
        "translate them in locale/zh_Hans/LC_MESSAGES/django.po"
    )
