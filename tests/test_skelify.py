"End to end tests of `python -m hsmr.skelify`: a run with pixels and an init, resume, bad input."
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import torch
from hsmr.skel import SKEL
from hsmr.keypoints import KeypointRegressor, to_pixels
from hsmr.skelify import synthetic_cases, perturb

ROOT = Path(__file__).resolve().parents[1]


def _case(n=3, seed=0):
    skel, reg = SKEL(), KeypointRegressor.from_smpl()
    return synthetic_cases(skel, reg, n, seed=seed)


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
    assert z['poses'].shape == (3, 46) and z['done'].all() and np.isfinite(z['poses']).all()
    assert z['valid'].tolist() == [True, True, False]
    np.testing.assert_allclose(z['poses'][2], init['poses'][2], atol=1e-5)   # untouched
    r = _cli(tmp_path / 'kp.npz', tmp_path / 'out.npz', '--pixels', '--quiet')
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
