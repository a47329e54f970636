"""The "reproducing the papers" gallery: every figure and table is redrawn from its stored JSON data.

Nothing is recomputed (``--recompute`` runs the benchmark scripts, minutes each); this checks that
``docs/gallery/make_gallery.py`` draws every entry from ``docs/gallery/data`` into a temporary folder,
that the committed PNGs stay small, and that the pages reference only files that exist.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

GALLERY = Path(__file__).resolve().parent.parent / "docs" / "gallery"
MAX_PNG_BYTES = 150 * 1024


@pytest.fixture(scope="module")
def make_gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", GALLERY / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_gallery"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("make_gallery", None)


def test_every_entry_has_data_and_every_data_file_an_entry(make_gallery):
    stored = {path.stem for path in (GALLERY / "data").glob("*.json")}
    assert stored == set(make_gallery.ENTRIES)


def test_every_entry_is_redrawn_from_its_stored_data(make_gallery, tmp_path):
    for name, entry in make_gallery.ENTRIES.items():
        path = make_gallery.build(name, out=tmp_path)
        assert path == tmp_path / f"{name}.{entry.kind}"
        if entry.kind == "png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.stat().st_size <= MAX_PNG_BYTES
        else:
            assert path.read_text(encoding="utf-8").startswith("| ")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.{e.kind}" for n, e in
                                                                 make_gallery.ENTRIES.items())


def test_committed_figures_are_small_and_the_pages_reference_existing_files(make_gallery):
    for name, entry in make_gallery.ENTRIES.items():
        committed = make_gallery.output_path(name, None)
        assert committed.is_file(), f"{committed} is missing: run make_gallery.py --figure {name}"
        if entry.kind == "png":
            assert committed.stat().st_size <= MAX_PNG_BYTES
    pages = sorted(GALLERY.glob("*.md"))
    assert {p.stem for p in pages} >= {"index", "kielinski_hammerer", "komar", "mullan_knill"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"```\{(?:image|include|figure)\} (\S+)", text):
            assert (GALLERY / target).is_file(), f"{page.name} references {target}, which does not exist"
        assert not re.search(r"\b(?:KH|MK|KOMAR)_[A-Z0-9_]+\b", text), \
            f"{page.name} has an unfilled placeholder"
        assert not re.search(r"seed 00[034]", text, re.IGNORECASE)


def test_unknown_figure_is_refused(make_gallery):
    with pytest.raises(SystemExit, match="unknown figure"):
        make_gallery.build("kh_fig99")
