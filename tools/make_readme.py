"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev-readme` needs the Quarto binary, which we do not install).

Markdown cells are copied as they are; code cells become fenced blocks; cells with a `#| hide` directive are left out;
nbdev directives are stripped. `--check` exits 1 when README.md is not what this script would write.
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    cells, out = json.loads(Path(nb_path).read_text())['cells'], []
    for c in cells:
        src = ''.join(c['source']).strip('\n')
        lines = src.splitlines()
        directives = [l for l in lines if l.startswith('#|')]
        if any(l.replace(' ', '') in ('#|hide', '#|include:false') for l in directives): continue
        body = '\n'.join(l for l in lines if not l.startswith('#|')).strip('\n')
        if not body: continue
        out.append(body if c['cell_type'] == 'markdown' else f'```python\n{body}\n```')
    return '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n' + '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        ok = readme.exists() and readme.read_text() == text
        print('README.md is up to date' if ok else 'README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    readme.write_text(text)
    print(f'wrote {readme}')
