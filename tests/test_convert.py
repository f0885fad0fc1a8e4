"End to end tests of `python -m hsmr.convert`: a run, resume after an interruption, bad input."
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def _smpl_input(path, n=5, seed=0, **extra):
    "An SMPL-parameter .npz of `n` random bodies (male stand-in)."
    g = torch.Generator().manual_seed(seed)
    arrays = dict(global_orient=(0.5 * torch.randn(n, 3, generator=g)).numpy(),
                  body_pose=(0.3 * torch.randn(n, 69, generator=g)).numpy(),
                  betas=torch.randn(n, 10, generator=g).numpy(), transl=np.zeros((n, 3), np.float32), gender='male')
    arrays.update(extra)
    np.savez(path, **arrays)
    return path


def _cli(*args):
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    return subprocess.run([sys.executable, '-m', 'hsmr.convert', *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_end_to_end(tmp_path):
    inp = _smpl_input(tmp_path / 'in.npz', n=5)
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 2, '--mirror', '--quiet')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    s = json.loads(lines[0])
    assert s['frames'] == 5 and s['fitted'] == 5 and s['batches'] == 3 and s['resumed_batches'] == 0
    assert s['fits_per_second'] > 0 and 'max_pve_median_mm' in s and 'flip_max_pve_p95_mm' in s
    z = np.load(tmp_path / 'out.npz')
    assert z['poses'].shape == (5, 46) and z['flip_poses'].shape == (5, 46) and z['max_pve'].shape == (5,)
    for k in ('qc_max_pve', 'qc_betas', 'keep', 'flip_keep', 'mean_pve', 'skipped'): assert k in z.files
    assert np.isfinite(z['poses']).all() and not (tmp_path / 'out.npz.parts').exists()


def test_help_explains_every_option():
    r = _cli('--help')
    assert r.returncode == 0
    for opt in ('--mirror', '--batch-size', '--device', '--gender', '--skel-gender', '--skel-dir', '--smpl-dir',
                '--max-pve', '--max-abs-beta', '--min-keypoints', '--iters', '--restart', '--keep-parts', '--quiet'):
        assert opt in r.stdout, opt


def test_resume_after_interruption(tmp_path):
    from hsmr.convert import convert_file
    inp = _smpl_input(tmp_path / 'in.npz', n=6, seed=1)
    calls = []
    def fail_after_first(b):
        calls.append(b)
        if len(calls) == 1: raise KeyboardInterrupt('simulated interruption')
    with pytest.raises(KeyboardInterrupt):
        convert_file(inp, tmp_path / 'out.npz', batch_size=2, progress=False, on_batch=fail_after_first)
    parts = tmp_path / 'out.npz.parts'
    assert sorted(p.name for p in parts.glob('part_*.npz')) == ['part_000000.npz']
    assert not list(parts.glob('*.tmp'))
    first = (parts / 'part_000000.npz').stat().st_mtime_ns
    calls.clear()
    s = convert_file(inp, tmp_path / 'out.npz', batch_size=2, progress=False, keep_parts=True, on_batch=calls.append)
    assert calls == [1, 2]                                    # batch 0 was not recomputed ...
    assert (parts / 'part_000000.npz').stat().st_mtime_ns == first
    assert s['resumed_batches'] == 1
    ref = convert_file(inp, tmp_path / 'ref.npz', batch_size=2, progress=False)   # ... and the result equals a clean run
    a, b = np.load(tmp_path / 'out.npz'), np.load(tmp_path / 'ref.npz')
    assert sorted(a.files) == sorted(b.files)
    for k in a.files: np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k) if a[k].dtype.kind == 'f' else np.testing.assert_array_equal(a[k], b[k])


def test_resume_refuses_other_options(tmp_path):
    from hsmr.convert import convert_file
    inp = _smpl_input(tmp_path / 'in.npz', n=3)
    with pytest.raises(KeyboardInterrupt):
        convert_file(inp, tmp_path / 'out.npz', batch_size=2, progress=False, on_batch=lambda b: (_ for _ in ()).throw(KeyboardInterrupt()))
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 3, '--quiet')
    assert r.returncode != 0 and 'batch_size' in r.stderr and '--restart' in r.stderr and 'Traceback' not in r.stderr
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 3, '--quiet', '--restart')
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize('arrays, message', [
    (dict(global_orient=np.zeros((3, 3)), body_pose=np.zeros((3, 69))), "lacks ['betas']"),
    (dict(global_orient=np.zeros((3, 3)), body_pose=np.zeros((3, 50)), betas=np.zeros(10)), "'body_pose' has shape (3, 50)"),
    (dict(poses=np.zeros((3, 60)), betas=np.zeros(10)), "'poses' has shape (3, 60)"),
    (dict(vertices=np.zeros((3, 100, 3))), "'vertices' has shape (3, 100, 3)"),
    (dict(something=np.zeros(3)), "expected 'vertices'"),
])
def test_bad_input_one_line(tmp_path, arrays, message):
    np.savez(tmp_path / 'bad.npz', **arrays)
    r = _cli(tmp_path / 'bad.npz', tmp_path / 'out.npz', '--quiet')
    assert r.returncode != 0
    err = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(err) == 1 and message in err[0] and 'Traceback' not in r.stderr, r.stderr
    assert r.stdout == ''


def test_missing_file_and_bad_option(tmp_path):
    r = _cli(tmp_path / 'nope.npz', tmp_path / 'out.npz', '--quiet')
    assert r.returncode != 0 and 'does not exist' in r.stderr and 'Traceback' not in r.stderr
    inp = _smpl_input(tmp_path / 'in.npz', n=2)
    r = _cli(inp, tmp_path / 'out.npz', '--gender', 'other', '--quiet')
    assert r.returncode != 0 and "gender='other'" in r.stderr and 'Traceback' not in r.stderr


def test_nan_rows_are_skipped_and_counted(tmp_path):
    inp = tmp_path / 'in.npz'
    _smpl_input(inp, n=4)
    z = dict(np.load(inp))
    z['body_pose'][2, 7] = np.nan
    np.savez(inp, **z)
    r = _cli(inp, tmp_path / 'out.npz', '--quiet')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s['skipped_bad_rows'] == 1 and s['fitted'] == 3
    out = np.load(tmp_path / 'out.npz')
    assert out['skipped'].tolist() == [False, False, True, False] and np.isnan(out['poses'][2]).all() and not out['keep'][2]


def test_output_is_input_refused_even_with_restart(tmp_path):
    "Issue 17 defect 3: OUTPUT == INPUT used to overwrite the input."
    inp = _smpl_input(tmp_path / 'in.npz', n=2)
    before = inp.read_bytes()
    for extra in ((), ('--restart',)):
        r = _cli(inp, inp, '--quiet', *extra)
        assert r.returncode == 2 and 'would destroy the input' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert inp.read_bytes() == before


def test_second_run_on_same_output_is_refused(tmp_path):
    "Issue 17 defect 9: two converts on one output; the loser used to fail with a cryptic ENOENT."
    import time
    inp = _smpl_input(tmp_path / 'in.npz', n=64)
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    first = subprocess.Popen([sys.executable, '-m', 'hsmr.convert', str(inp), str(tmp_path / 'out.npz'), '--batch-size', '2',
                              '--quiet'], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / 'out.npz.lock'
    for _ in range(600):
        if lock.exists() or first.poll() is not None: break
        time.sleep(0.1)
    assert lock.exists(), first.communicate()
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 2, '--quiet')
    first.kill(); first.wait()
    assert r.returncode == 2 and 'is being written by another run' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 32, '--quiet', '--restart')   # the killed run's lock is taken over
    assert r.returncode == 0, r.stderr


def test_damaged_part_is_refitted(tmp_path):
    "Issue 17 defect 10: a corrupt part file gave a traceback."
    from hsmr.convert import convert_file
    inp = _smpl_input(tmp_path / 'in.npz', n=4)
    with pytest.raises(KeyboardInterrupt):
        convert_file(inp, tmp_path / 'out.npz', batch_size=2, progress=False,
                     on_batch=lambda b: (_ for _ in ()).throw(KeyboardInterrupt()))
    (tmp_path / 'out.npz.parts' / 'part_000000.npz').write_bytes(b'PK\x03\x04 cut short')
    r = _cli(inp, tmp_path / 'out.npz', '--batch-size', 2, '--quiet')
    assert r.returncode == 0 and 'is damaged' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert json.loads(r.stdout)['fitted'] == 4


@pytest.mark.parametrize('args, message', [(('--iters', '-1'), '--iters -1'), (('--batch-size', '0'), '--batch-size 0'),
                                           (('--device', 'cuda:7'), '--device cuda:7')])
def test_bad_options_one_line(tmp_path, args, message):
    "Issue 17 defects 8 and 10: --iters -1 was accepted; --device cuda without CUDA gave a traceback."
    if args[0] == '--device' and torch.cuda.device_count() > 7: pytest.skip('this machine has 8 GPUs')
    inp = _smpl_input(tmp_path / 'in.npz', n=2)
    r = _cli(inp, tmp_path / 'out.npz', '--quiet', *args)
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_directory_input_named(tmp_path):
    "Issue 17 defect 11: a directory given as input was reported as 'does not exist'."
    r = _cli(tmp_path, tmp_path / 'out.npz', '--quiet')
    assert r.returncode == 2 and 'is a folder' in r.stderr, r.stderr
