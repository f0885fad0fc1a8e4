"End to end tests of `python -m hsmr.skelify`: a run with pixels and an init, resume, bad input."
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch
from hsmr.skel import SKEL
from hsmr.keypoints import KeypointMap, to_pixels
from hsmr.skelify import synthetic_cases, perturb

ROOT = Path(__file__).resolve().parents[1]


def _case(n=3, seed=0):
    skel, kp_map = SKEL(), KeypointMap.from_smpl()
    return synthetic_cases(skel, kp_map, n, seed=seed)


def _cli(*args):
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    return subprocess.run([sys.executable, '-m', 'hsmr.skelify', *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_end_to_end_and_resume(tmp_path):
    case = _case(3)
    kp = case['keypoints'].clone()
    kp[2, :, 2] = 0                                               # one sample without keypoints
    np.savez(tmp_path / 'kp.npz', keypoints=to_pixels(kp).numpy())
    init = {k: v.numpy() for k, v in perturb(case).items()}
    np.savez(tmp_path / 'init.npz', **init)
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'out.npz', '--pixels', '--init', tmp_path / 'init.npz', '--batch-size', 2, '--quiet')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    s = json.loads(lines[0])
    assert s['n'] == 3 and s['fitted_now'] == 3 and s['valid'] == 2 and s['improved'] == 2
    assert s['median_rms_px_after'] < 4 < s['median_rms_px_before'] and s['samples_per_s'] > 0
    z = np.load(tmp_path / 'out.npz')
    assert z['poses'].shape == (3, 46) and np.isfinite(z['poses']).all()
    assert z['valid'].tolist() == [True, True, False]
    np.testing.assert_allclose(z['poses'][2], init['poses'][2], atol=1e-5)   # untouched
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'out.npz', '--pixels', '--init', tmp_path / 'init.npz', '--batch-size', 2, '--quiet')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s['fitted_now'] == 0 and s['resumed'] == 3


def test_cli_bad_input(tmp_path):
    r = _cli(tmp_path / 'missing.npz', tmp_path / 'out.npz')
    assert r.returncode != 0 and 'does not exist' in r.stderr and len(r.stderr.strip().splitlines()) == 1
    np.savez(tmp_path / 'wrong.npz', keypoints=np.zeros((2, 17, 3), np.float32))
    r = _cli(tmp_path / 'wrong.npz', tmp_path / 'out.npz')
    assert r.returncode != 0 and '(N, 44, 3)' in r.stderr
    np.savez(tmp_path / 'px.npz', keypoints=to_pixels(_case(1)['keypoints']).numpy())
    r = _cli(tmp_path / 'px.npz', tmp_path / 'out.npz')
    assert r.returncode != 0 and '--pixels' in r.stderr
    np.savez(tmp_path / 'init.npz', poses=np.zeros((1, 46)), betas=np.zeros((1, 10)))
    r = _cli(tmp_path / 'px.npz', tmp_path / 'out.npz', '--pixels', '--init', tmp_path / 'init.npz')
    assert r.returncode != 0 and "'trans' or 'cam'" in r.stderr


def test_resume_refuses_other_settings(tmp_path):
    "Issue 17 defect 1: a resume checked only the input's hash; --init or --pixels silently mixed old and new fits."
    from hsmr.skelify import skelify_file
    case = _case(4, seed=2)
    np.savez(tmp_path / 'kp.npz', keypoints=case['keypoints'].numpy())
    np.savez(tmp_path / 'px.npz', keypoints=to_pixels(case['keypoints']).numpy())
    np.savez(tmp_path / 'init.npz', **{k: v.numpy() for k, v in perturb(case).items()})
    fit = lambda inp, out, **kw: skelify_file(tmp_path / inp, tmp_path / out, **{'batch_size': 2, 'progress': False, 'body_iters': 10, **kw})
    fit('kp.npz', 'out.npz')
    with pytest.raises(ValueError, match='different init file'): fit('kp.npz', 'out.npz', init=tmp_path / 'init.npz')
    with pytest.raises(ValueError, match='pixels'): fit('px.npz', 'out.npz', pixels=True)
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'out.npz', '--batch-size', 2, '--quiet', '--init', tmp_path / 'init.npz')
    assert r.returncode == 2 and 'different init file' in r.stderr and 'Traceback' not in r.stderr, r.stderr   # one line from the CLI
    before = (tmp_path / 'kp.npz').read_bytes()
    with pytest.raises(ValueError, match='would destroy the input'): fit('kp.npz', 'kp.npz', restart=True)   # --restart never touches it
    assert (tmp_path / 'kp.npz').read_bytes() == before


def test_truncated_files_and_empty_input(tmp_path):
    "Issue 17 defects 10 and 11: truncated npz gave tracebacks; 0 rows printed a bare NaN; a missing output folder failed."
    case = _case(2)
    np.savez(tmp_path / 'kp.npz', keypoints=case['keypoints'].numpy())
    np.savez(tmp_path / 'init.npz', **{k: v.numpy() for k, v in perturb(case).items()})
    cut = lambda src, dst: (dst.write_bytes(src.read_bytes()[:200]), dst)[1]
    for args in ((cut(tmp_path / 'kp.npz', tmp_path / 'kp_cut.npz'), tmp_path / 'o1.npz'),
                 (tmp_path / 'kp.npz', tmp_path / 'o2.npz', '--init', cut(tmp_path / 'init.npz', tmp_path / 'init_cut.npz'))):
        r = _cli(*args, '--quiet')
        assert r.returncode == 2 and 'is not a readable .npz file' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'o3.npz', '--quiet')
    assert r.returncode == 0, r.stderr
    cut(tmp_path / 'o3.npz', tmp_path / 'o3_cut.npz')
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'o3_cut.npz', '--quiet')           # an existing output, damaged
    assert r.returncode == 2 and '--restart' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    np.savez(tmp_path / 'none.npz', keypoints=np.zeros((0, 44, 3), np.float32))
    r = _cli(tmp_path / 'none.npz', tmp_path / 'new' / 'folder' / 'out.npz', '--quiet')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)                                                   # strict JSON: no bare NaN
    assert s['n'] == 0 and s['median_err_after'] is None and 'NaN' not in r.stdout


def test_device_without_cuda_is_one_line(tmp_path):
    "Issue 17 defect 10: --device cuda without CUDA gave a traceback."
    if torch.cuda.is_available(): pytest.skip('this machine has CUDA')
    np.savez(tmp_path / 'kp.npz', keypoints=_case(1)['keypoints'].numpy())
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'out.npz', '--device', 'cuda', '--quiet')
    assert r.returncode == 2 and 'use --device cpu' in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_fit_does_not_depend_on_batch(tmp_path):
    "Issue 17 defect 12: a sample's fit depended on its neighbours and on --batch-size (up to 0.38 rad)."
    from hsmr.skelify import skelify_file
    case = _case(5, seed=3)
    kp = case['keypoints'].clone()
    kp[1, :, 2] = 0                                                            # an invalid neighbour
    np.savez(tmp_path / 'kp.npz', keypoints=kp.numpy())
    outs = []
    for bs in (1, 2, 5):
        skelify_file(tmp_path / 'kp.npz', tmp_path / f'out{bs}.npz', batch_size=bs, progress=False, body_iters=30)
        outs.append(np.load(tmp_path / f'out{bs}.npz')['poses'])
    assert max(np.abs(o - outs[0]).max() for o in outs) < 1e-5
