"""The tutorials and the README as a reader meets them: sections that are sections, exercises and a "your own data"
part in every tutorial, every picture they show present in docs/figures, and a README that links them all."""
import json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT/'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
TUTORIALS = sorted((ROOT/'nbs'/'tutorials').glob('*.ipynb'))
COMMENTED_HEADING = re.compile(r'^\s*#\s*#{2,}\s+\S')     # "# ## The loop": a markdown heading hidden in a code cell
IMAGE = re.compile(r'!\[[^\]]*\]\(([^)\s]+\.png)\)|<img [^>]*src="([^"]+\.png)"')

def cells(nb, kind):
    "The sources of the cells of type `kind` in notebook `nb`."
    return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == kind]

def rel(p): return p.relative_to(ROOT).as_posix()

def test_found_the_notebooks():
    assert len(TUTORIALS) >= 5 and len(NOTEBOOKS) > len(TUTORIALS)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=rel)
def test_no_markdown_section_in_a_code_cell(nb):
    "A heading belongs in a markdown cell, where it numbers the section and shows in the docs' outline."
    hidden = [line.strip() for src in cells(nb, 'code') for line in src.splitlines() if COMMENTED_HEADING.match(line)]
    assert not hidden, f"{rel(nb)}: code cells hold commented-out markdown headings {hidden}; move them into a markdown cell."

@pytest.mark.parametrize('nb', TUTORIALS, ids=rel)
def test_tutorial_has_exercises_and_your_own_data(nb):
    headings = [l.lstrip('#').strip().lower() for src in cells(nb, 'markdown') for l in src.splitlines() if l.startswith('## ')]
    assert 'exercises' in headings, f"{rel(nb)} has no '## Exercises' section (its sections: {headings})."
    assert 'your own data' in headings, f"{rel(nb)} has no '## Your own data' section (its sections: {headings})."

@pytest.mark.parametrize('nb', TUTORIALS, ids=rel)
def test_tutorial_pictures_exist_and_are_shown(nb):
    "Every picture a tutorial shows is committed, and every picture it saves is shown in its text."
    shown = {(nb.parent/m).resolve() for src in cells(nb, 'markdown') for ms in IMAGE.findall(src) for m in ms if m}
    missing = sorted(rel(p) for p in shown if not p.is_file())
    assert not missing, f"{rel(nb)} shows pictures that are not committed: {missing}; run the notebook with kaleido and Chrome."
    saved = {(ROOT/'docs'/'figures'/m).resolve() for src in cells(nb, 'code') for m in re.findall(r"FIGURES\s*/\s*'([^']+\.png)'", src)}
    unshown = sorted(rel(p) for p in saved - shown)
    assert not unshown, f"{rel(nb)} saves {unshown} but never shows them in a markdown cell."

def test_readme_links_the_tutorials_and_its_pictures_exist():
    readme = (ROOT/'README.md').read_text()
    for nb in TUTORIALS:
        assert f'({rel(nb)})' in readme, f"README.md does not link {rel(nb)}; add it to the table of tutorials in nbs/index.ipynb."
    pictures = [m for ms in IMAGE.findall(readme) for m in ms if m]
    assert pictures and all((ROOT/p).is_file() for p in pictures), f"README.md pictures: {pictures}"
    for link in ('arxiv.org/abs/2503.21751', 'skel.is.tue.mpg.de', 'github.com/IsshikiHugh/HSMR'):
        assert link in readme, f"README.md does not link {link}."

def test_readme_starts_with_the_two_commands():
    "CI runs the first `pip install ... nbdev-test` line of the README; the install command comes before it."
    lines = (ROOT/'README.md').read_text().splitlines()
    pips = [i for i, l in enumerate(lines) if l.startswith('pip install')]
    assert len(pips) >= 2 and 'nbdev-test' in lines[pips[1]] and 'nbdev-test' not in lines[pips[0]]
    assert 'tools/check_floors.py' in '\n'.join(lines)
