"""Every message the exchange shows exists in Chinese, and the catalog is current with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "exchange" / "translations"


def _catalog(path: Path):  # noqa: ANN202
    with path.open("rb") as handle:
        return read_po(handle)


def _extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {message.id for message in _catalog(pot) if message.id}


def test_the_committed_template_lists_every_message_in_the_code(tmp_path):
    committed = {m.id for m in _catalog(TRANSLATIONS / "messages.pot") if m.id}
    missing = _extracted_ids(tmp_path) - committed
    assert not missing, f"run `make messages` and translate: {sorted(map(str, missing))[:10]}"


def test_every_message_has_a_chinese_translation():
    chinese = _catalog(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po")
    template = _catalog(TRANSLATIONS / "messages.pot")
    untranslated = [
        m.id
        for m in template
        if m.id
        and (chinese.get(m.id) is None or not chinese.get(m.id).string or chinese.get(m.id).fuzzy)
    ]
    assert untranslated == []


def test_chinese_translations_keep_their_placeholders():
    chinese = _catalog(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po")
    for message in chinese:
        if not message.id:
            continue
        for placeholder in ("%(", "{min}", "{max}", "{choices}"):
            assert message.id.count(placeholder) == message.string.count(placeholder), message.id
