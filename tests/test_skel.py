"""hsmr.skel against the official SKEL's numbers (tests/data/skel_reference_*.npz), and bad input end to end.

The reference files hold outputs of the official code (MarilynKeller/SKEL) on the seed-0 stand-in file; regenerate
them with `python tests/make_skel_reference.py /path/to/SKEL-checkout` when hsmr.synthetic changes.
"""
import pickle, warnings
from pathlib import Path
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from hsmr.config import ModelFileMissing
from hsmr.skel import (SKEL, SkelFileError, load_skel_file, skel_signature, same_skel_file, compare_to_reference, REFERENCE_FIELDS,
                       mirror_pose)
from hsmr.synthetic import write_models

DATA = Path(__file__).parent / 'data'
REFS = sorted(DATA.glob('skel_reference_*.npz'))
TOL = 1e-5   # metres (and unitless for joints_ori), float32


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return write_models(tmp_path_factory.mktemp('models'), seed=0, size='small')


@pytest.fixture(scope='module')
def model(folder):
    return SKEL(folder)


def test_reference_files_present():
    assert [p.name for p in REFS] == [f'skel_reference_{i}.npz' for i in range(4)]
    assert sum(p.stat().st_size for p in REFS) < 400_000


@pytest.mark.parametrize('path', REFS, ids=lambda p: p.stem)
def test_equals_official(path, folder, model):
    ref = np.load(path)
    assert str(ref['model_size']) == 'small' and int(ref['model_seed']) == 0
    sig = skel_signature(load_skel_file(folder / 'skel_male.pkl'))
    assert same_skel_file(ref['model_signature'], sig), (
        f"{path.name} was computed on another stand-in file than hsmr.synthetic writes now: regenerate it with "
        "`python tests/make_skel_reference.py /path/to/SKEL-checkout`")
    err = compare_to_reference(model, ref)
    assert set(err) == set(REFERENCE_FIELDS)
    assert max(err.values()) <= TOL, err


def test_float64_matches_reference(folder):
    ref = np.load(REFS[-1])                                   # the extreme poses and shapes
    err = compare_to_reference(SKEL(folder).double(), {k: (ref[k].astype(np.float64) if ref[k].dtype == np.float32 else ref[k]) for k in ref.files})
    assert max(err.values()) <= TOL, err


def _write(tmp_path, d, **changes):
    e = dict(d)
    for k, v in changes.items():
        if v is None: e.pop(k)
        else: e[k] = v
    p = tmp_path / 'skel_male.pkl'
    with open(p, 'wb') as f: pickle.dump(e, f)
    return p


@pytest.fixture(scope='module')
def raw(folder):
    with open(folder / 'skel_male.pkl', 'rb') as f: return pickle.load(f)


@pytest.mark.parametrize('changes, message', [
    (dict(version='1.0'), "expected '1.1.1'"),
    (dict(version=None), "no 'version' key"),
    (dict(J_regressor_osim=None), "'J_regressor_osim'"),
    (dict(bone_names=None), "'bone_names'"),
    (dict(apose_rel_transfo=np.zeros((24, 3, 3))), "'apose_rel_transfo' has shape (24, 3, 3)"),
    (dict(skin_template_v=np.zeros((100, 3))), "'shapedirs' has shape"),
    (dict(skin_weights='weights'), "'skin_weights' is a str"),
])
def test_bad_files(tmp_path, raw, changes, message):
    with pytest.raises(SkelFileError, match=None) as e:
        load_skel_file(_write(tmp_path, raw, **changes))
    assert message in str(e.value)
    with pytest.raises(SkelFileError):
        SKEL(tmp_path)


def test_sparse_types(tmp_path, raw, model):
    p = _write(tmp_path, raw, skin_weights=sp.coo_array(raw['skin_weights']), skel_weights=sp.csr_matrix(raw['skel_weights']))
    m = SKEL(p)                                               # accepted: the numbers are the same
    q = 0.2 * torch.randn(2, 46)
    assert torch.equal(m(q, torch.zeros(2, 10), torch.zeros(2, 3)).skin_verts, model(q, torch.zeros(2, 10), torch.zeros(2, 3)).skin_verts)
    with pytest.raises(SkelFileError, match='coo_matrix'):
        load_skel_file(p, strict=True)                        # as the official loader


def test_not_a_pickle(tmp_path):
    p = tmp_path / 'skel_male.pkl'
    p.write_text('hello')
    with pytest.raises(SkelFileError, match='not a readable pickle'):
        load_skel_file(p)


def test_missing_model_names_where_it_looked(tmp_path):
    with pytest.raises(ModelFileMissing, match='skel_female.pkl'):
        SKEL(tmp_path, gender='female')


def test_none_falls_back_to_standin(monkeypatch, tmp_path):
    monkeypatch.setenv('HSMR_CACHE_DIR', str(tmp_path))
    monkeypatch.delenv('HSMR_SKEL_DIR', raising=False)
    monkeypatch.chdir(tmp_path)                               # no settings.ini naming a folder
    with warnings.catch_warnings(record=True):
        warnings.simplefilter('always')
        m = SKEL()
        f = SKEL('female')                                    # the official argument order (gender first)
    assert m.model_file.name == 'skel_male.pkl' and str(tmp_path) in str(m.model_file)
    assert f.gender == 'female' and f.model_file.name == 'skel_female.pkl'


@pytest.mark.parametrize('args, message', [
    (((2, 45), (2, 10), (2, 3)), 'poses has shape (2, 45); SKEL needs (B, 46)'),
    (((2, 46), (2, 11), (2, 3)), 'betas has shape (2, 11)'),
    (((2, 46), (1, 10), (2, 3)), 'betas has batch size 1 but poses has 2'),
    (((2, 46), (2, 10), (3,)), 'trans has shape (3,)'),
    (((46,), (10,), (3,)), 'poses has shape (46,)'),
])
def test_bad_shapes(model, args, message):
    with pytest.raises(ValueError) as e:
        model(*(torch.zeros(s) for s in args))
    assert message in str(e.value)


def test_bad_dtypes_devices_values(model):
    z = lambda *s, **kw: torch.zeros(*s, **kw)
    with pytest.raises(ValueError, match='betas is torch.float64 on cpu but poses is torch.float32'):
        model(z(1, 46), z(1, 10, dtype=torch.float64), z(1, 3))
    with pytest.raises(ValueError, match=r'trans holds? non-finite'):
        model(z(1, 46), z(1, 10), torch.tensor([[0., float('inf'), 0]]))
    with pytest.raises(ValueError, match='must be a torch.Tensor'):
        model([0.] * 46, z(1, 10), z(1, 3))
    if torch.cuda.is_available():
        with pytest.raises(ValueError, match='model.to'):
            model(z(1, 46, device='cuda'), z(1, 10, device='cuda'), z(1, 3, device='cuda'))


def test_pose_dep_bs_false_works(model):
    q = 0.3 * torch.randn(3, 46)
    o = model(q, torch.zeros(3, 10), torch.zeros(3, 3), pose_dep_bs=False)
    assert o.pose_offsets.abs().max() == 0 and o.skin_verts.shape == (3, 6890, 3)


def test_mirror_pose_table():
    q = torch.arange(46.)
    m = mirror_pose(q)
    assert m[3] == 10 and m[10] == 3 and m[1] == -1 and m[26] == -36 and m[28] == 38 and m[17] == -17 and m[18] == 18
    with pytest.raises(ValueError, match='46'):
        mirror_pose(torch.zeros(45))
