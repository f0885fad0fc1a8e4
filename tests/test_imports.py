"Issue 17: inference without training or Lightning, training without widgets (each checked in a fresh interpreter)."
import subprocess, sys
import pytest

from conftest import ROOT

def _loaded(module):
    "The set of top-level packages a fresh `import module` loads."
    code = f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} | {{m for m in sys.modules if m.startswith('hsmr.')}})))"
    r = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())

@pytest.mark.parametrize('module', ['hsmr.predict', 'hsmr.eval', 'hsmr.skelify', 'hsmr.convert', 'hsmr.regressor'])
def test_inference_without_training(module):
    got = _loaded(module)
    assert not {'lightning_fabric', 'lightning', 'hsmr.train'} & got, sorted(got)
    assert not {'ipywidgets', 'anywidget'} & got, sorted(got)

@pytest.mark.parametrize('module', ['hsmr.train', 'hsmr.refine', 'hsmr.losses', 'hsmr.render', 'hsmr.augment', 'hsmr.shards'])
def test_training_without_widgets(module):
    got = _loaded(module)
    assert not {'ipywidgets', 'anywidget', 'plotly', 'jupyterlab', 'nbdev', 'hsmr.viewer', 'hsmr.explorer', 'hsmr.inspector'} & got, sorted(got)
