"""Papers are cited by authors and venue in everything a user reads, never by internal file nicknames.

Scans the package, README, docs (sources, not the build), tutorials and benchmark scripts for the
nicknames "seed 000", "seed 003", "seed 004" (any case, any separator) and for "the seed's", and
checks that the three papers the package implements are cited with their venue in the README.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Nicknames that mean nothing outside the repository.
NICKNAME = re.compile(r"seed[\s_\-]*00[034]\b|the seed's|seeds/0", re.IGNORECASE)


def _user_facing_files():
    files = [ROOT / "README.md", ROOT / "CITATION.cff"]
    files += sorted((ROOT / "qclock_circuits").rglob("*.py"))
    files += sorted((ROOT / "tutorials").glob("*.ipynb"))
    files += sorted((ROOT / "benchmarks").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.md"))
    docs = ROOT / "docs"
    if docs.exists():
        for pattern in ("*.md", "*.rst", "*.py", "*.inc", "*.json"):
            files += sorted(path for path in docs.rglob(pattern)
                            if not any(part in {"_build", "api", "tutorials"} for part in path.relative_to(docs).parts))
    return [path for path in files if path.is_file()]


def test_the_scan_finds_the_files_it_should():
    files = _user_facing_files()
    names = {path.name for path in files}
    assert {"README.md", "__init__.py", "01_protocols_and_circuits.ipynb"} <= names
    assert len(files) > 100


def test_the_pattern_catches_nicknames():
    for text in ("seed 004 eq. 29", "Seed 003", "seed000", "(seed_004)", "the seed's formula", "../shared/seeds/004_x.txt"):
        assert NICKNAME.search(text), text
    for text in ("seed=4", "--seed S", "SeedSequence(0)", "seed 0", "seed 42", "seed 2024"):
        assert not NICKNAME.search(text), text


@pytest.mark.parametrize("path", _user_facing_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_paper_nicknames_in_user_facing_text(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    hits = [f"line {text.count(chr(10), 0, match.start()) + 1}: {match.group(0)!r}" for match in NICKNAME.finditer(text)]
    assert not hits, f"{path.relative_to(ROOT)} cites papers by nickname: {hits}"


def test_readme_cites_the_three_papers_with_venue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for citation in ("arXiv:2505.04287", "Phys. Rev. A 90, 042310 (2014)", "Nature Physics 10, 582 (2014)"):
        assert citation in readme
