"""Every relative link of README.md and docs/*.md resolves: the file it names exists, and its ``#anchor`` is a
heading of that file as GitHub renders it (lower case, punctuation dropped, spaces to hyphens, ``-1``, ``-2`` for
repeats). Before, a renamed heading or a moved file left links that led nowhere."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target), target without spaces, optional "title"; not inside `code`
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, inline code spans blanked."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in " -" or category[0] in "LM" or category in ("Nd", "Nl", "Pc"):  # github-slugger's rule
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a link may name in the page at ``path``."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every relative link or anchor in the page, code left out."""
    result, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        prose = re.sub(r"`[^`]*`", "", line)
        for target in LINK.findall(prose):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, mailto:, ...
                continue
            result.append((number, target))
    return result


def _shown(path: Path) -> str:
    """``path`` relative to the repository where it lies in it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def broken(page: Path) -> list[str]:
    """One line per link of ``page`` that leads nowhere."""
    problems = []
    for number, target in links(page):
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / file_part).resolve() if file_part else page
        where = f"{_shown(page)}:{number}: {target}"
        if not destination.exists():
            problems.append(f"{where}: no file {file_part}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{where}: no heading #{anchor} in {_shown(destination)}")
    return problems


def test_slug_follows_github():
    assert _slug("The model-based policy: CPU per proposal") == "the-model-based-policy-cpu-per-proposal"
    assert _slug("Your own optimizer (a plug-in)") == "your-own-optimizer-a-plug-in"
    assert _slug("`l2l show` and `l2l.load`") == "l2l-show-and-l2lload"
    assert _slug("Trained networks: learned sparsity (digits)") == "trained-networks-learned-sparsity-digits"
    assert _slug("A — B, 90 % silent") == "a--b-90--silent"
    assert _slug("Results (⅓ of TPE's compute; x²)") == "results--of-tpes-compute-x"


def test_a_missing_anchor_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n## Same\n\n## Same\n\n[a](#same-1) [b](#same-2) [c](other.md) `[d](#nope)`\n",
                    encoding="utf-8")
    assert [line.split(": ", 1)[1] for line in broken(page)] == ["#same-2: no heading #same-2 in page.md",
                                                                  "other.md: no file other.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page):
    assert broken(page) == []
