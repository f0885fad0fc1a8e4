"""SMPL files with chumpy objects load in a fresh interpreter where a *broken* chumpy is installed, the usual state on
numpy 2 (chumpy 0.70 fails at import): the loader must never import it. A notebook cannot show this, because its
kernel already has whatever modules earlier cells imported."""
import os, pickle, subprocess, sys, textwrap, types
from pathlib import Path
import numpy as np
import scipy.sparse as sp
from hsmr.config import package_root
from hsmr.smpl import load_smpl_file
from hsmr.synthetic import standin_folder


def _chumpy_like_pickle(d, path):
    "Write SMPL dict `d` with v_template and shapedirs as objects that pickle like chumpy 0.70's Ch (state key 'x')."
    mods = {n: types.ModuleType(n) for n in ('chumpy', 'chumpy.ch')}
    class Ch:
        def __init__(self, x): self.__dict__.update(_dirty_vars=set(), _itr=None, _depends_on_deps={}, x=np.asarray(x, np.float64))
    Ch.__module__, Ch.__qualname__ = 'chumpy.ch', 'Ch'
    mods['chumpy.ch'].Ch = Ch
    sys.modules.update(mods)
    try: raw = pickle.dumps(dict(d, v_template=Ch(d['v_template']), shapedirs=Ch(d['shapedirs']),
                                 J_regressor=sp.csc_matrix(d['J_regressor'])), protocol=2)
    finally:
        for n in mods: del sys.modules[n]
    Path(path).write_bytes(raw)


def test_chumpy_pickle_loads_with_broken_chumpy_installed(tmp_path):
    d = load_smpl_file(standin_folder('smpl', 'neutral'))
    _chumpy_like_pickle(d, tmp_path/'SMPL_NEUTRAL.pkl')
    broken = tmp_path/'site'/'chumpy'
    broken.mkdir(parents=True)
    (broken/'__init__.py').write_text("from numpy import bool, int, float, complex, object, unicode, str, nan, inf\n")  # chumpy 0.70's line
    script = textwrap.dedent(f"""
        import pickle, sys
        import numpy as np
        try:
            pickle.load(open({str(tmp_path/'SMPL_NEUTRAL.pkl')!r}, 'rb'), encoding='latin1')
            sys.exit('plain pickle loaded the file: the broken chumpy was not in the way')
        except ImportError: pass
        sys.modules.pop('chumpy', None)
        from hsmr.smpl import load_smpl_file, SMPL
        d = load_smpl_file({str(tmp_path/'SMPL_NEUTRAL.pkl')!r})
        np.savez({str(tmp_path/'out.npz')!r}, **{{k: d[k] for k in ('v_template', 'shapedirs', 'J_regressor')}})
        out = SMPL({str(tmp_path/'SMPL_NEUTRAL.pkl')!r})(np.zeros((1, 3)), np.zeros((1, 69)))
        assert out.vertices.shape == (1, 6890, 3)
        assert 'chumpy' not in sys.modules, 'the loader imported chumpy'
        """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path/'site'), str(package_root())]))
    r = subprocess.run([sys.executable, '-c', script], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    z = np.load(tmp_path/'out.npz')
    for k in ('v_template', 'shapedirs', 'J_regressor'): np.testing.assert_array_equal(z[k], d[k])
