"""The docs' figures can be traced to what made them: every script, stored result and image a page names exists,
every image in docs/img is shown by a page, and every option a page gives a benchmark or script is one it takes.

A reader who copies a benchmark's command from a page, or looks for the JSON or the figure a number came from,
must find it; a renamed option or a moved script breaks the page silently otherwise. The checks read the files
only (no script is run): an option counts as taken when the script's source spells it in quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
IMAGES = ROOT / "docs" / "img"

#: A repository file a page names (a script, a config, a shell script).
NAMED_FILE = re.compile(r"(?<![\w./-])((?:benchmarks|scripts|examples)/[\w/.-]*\w\.(?:py|toml|sh))(?![\w-])")
#: A stored result, possibly with {a,b} alternatives or a * pattern.
STORED_RESULT = re.compile(r"(?<![\w./-])(benchmarks/results/[\w.*{},-]*[\w*}])")
#: A markdown image or link to a picture.
PICTURE_LINK = re.compile(r"\]\(([^)\s]+\.(?:png|svg|gif|jpg))\)")
#: A command running a repository script, inside inline code or a code block.
COMMAND = re.compile(r"python3?\s+((?:benchmarks|scripts|examples)/[\w/.-]+\.py)((?:[^`\n]|\n(?!\n))*)")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _alternatives(pattern: str) -> list[str]:
    """`a_{x,y}.json` -> [`a_x.json`, `a_y.json`] (nested braces expanded left to right)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [expanded for choice in match.group(1).split(",")
            for expanded in _alternatives(pattern[:match.start()] + choice + pattern[match.end():])]


def _commands(text: str):
    """(position, script, arguments) of every `python <script> ...` in inline code or a code block (one line each;
    a `#` comment in a code block is left out)."""
    blocks = list(re.finditer(r"```.*?```", text, re.S))
    for block in blocks:
        for line in re.finditer(r"[^\n]+", block.group(0)):
            for match in COMMAND.finditer(line.group(0).split("  #")[0]):
                yield block.start() + line.start(), match.group(1), match.group(2)
    outside = re.sub(r"```.*?```", lambda block: " " * len(block.group(0)), text, flags=re.S)
    for span in re.finditer(r"`([^`]+)`", outside):
        for match in COMMAND.finditer(span.group(1)):
            yield span.start(), match.group(1), match.group(2)


def test_every_script_and_config_a_page_names_exists():
    missing = [f"{page.relative_to(ROOT)}:{_line(text, match.start())}: {match.group(1)}"
               for page in PAGES for text in [_text(page)] for match in NAMED_FILE.finditer(text)
               if not (ROOT / match.group(1)).exists()]
    assert missing == [], "pages name files that are not in the repository:\n" + "\n".join(missing)


def test_every_stored_result_a_page_names_exists():
    missing = []
    for page in PAGES:
        text = _text(page)
        for match in STORED_RESULT.finditer(text):
            for name in _alternatives(match.group(1).rstrip(".,")):
                # a name a page gives as a prefix ("rtrl_run_" before "{e,f}") or pattern counts if a file matches
                if not any(ROOT.glob(name)) and not any(ROOT.glob(name + "*")):
                    missing.append(f"{page.relative_to(ROOT)}:{_line(text, match.start())}: {name}")
    assert missing == [], "pages name stored results that are not in benchmarks/results:\n" + "\n".join(missing)


def test_every_picture_a_page_shows_exists():
    missing = [f"{page.relative_to(ROOT)}:{_line(text, match.start())}: {match.group(1)}"
               for page in PAGES for text in [_text(page)] for match in PICTURE_LINK.finditer(text)
               if "://" not in match.group(1) and not (page.parent / match.group(1)).exists()]
    assert missing == [], "pages link pictures that are not there:\n" + "\n".join(missing)


def test_every_image_in_docs_img_is_shown_by_a_page():
    shown = {(page.parent / match.group(1)).resolve()
             for page in PAGES for match in PICTURE_LINK.finditer(_text(page))}
    unshown = sorted(image.name for image in IMAGES.iterdir()
                     if image.suffix in {".png", ".svg", ".gif", ".jpg"} and image.resolve() not in shown)
    assert unshown == [], f"docs/img holds images no page shows: {unshown}"


def test_every_option_a_page_gives_a_script_is_one_it_takes():
    unknown = []
    for page in PAGES:
        text = _text(page)
        for position, script, arguments in _commands(text):
            path = ROOT / script
            if not path.exists():
                continue  # reported by test_every_script_and_config_a_page_names_exists
            source = path.read_text(encoding="utf-8")
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", arguments):
                if f'"{option}"' not in source and f"'{option}'" not in source:
                    unknown.append(f"{page.relative_to(ROOT)}:{_line(text, position)}: {script} {option}")
    assert unknown == [], "pages give scripts options they do not take:\n" + "\n".join(unknown)
