"End to end tests of `python -m hsmr.eval`: synthetic and HMR2-layout data, the report, bad input."
import json
from pathlib import Path
import numpy as np
from PIL import Image
from hsmr.render import SyntheticRecords, make_synthetic

from conftest import ROOT, run_cli, tiny_checkpoint

def _cli(*args): return run_cli('hsmr.eval', *args)

def _checkpoint(path): return tiny_checkpoint(path, 7)


def _h36m_file(folder, ids=(0, 1, 2)):
    "A small file in the HMR2.0 evaluation layout (H36M-VAL-P2), images pasted into larger JPEG canvases."
    recs = SyntheticRecords(make_synthetic(64, 0, progress=False))
    (folder / 'images').mkdir()
    names, kp2, kp3, center, scale = [], [], [], [], []
    for i in ids:
        r = recs[i]
        canvas = np.zeros((300, 320, 3), np.uint8)
        canvas[20:276, 30:286] = r['image']
        Image.fromarray(canvas).save(folder / 'images' / f'{i}.jpg')
        names.append(f'{i}.jpg')
        k = r['keypoints_2d'].copy(); k[:, :2] += (30, 20)
        kp2.append(k); kp3.append(r['keypoints_3d'])
        center.append(r['center'] + (30, 20)); scale.append(r['scale'] * 200)
    kp2, kp3 = np.stack(kp2), np.stack(kp3)
    np.savez(folder / 'h36m_val_p2.npz', imgname=np.array(names), center=np.stack(center), scale=np.stack(scale),
             body_keypoints_2d=kp2[:, :25], extra_keypoints_2d=kp2[:, 25:],
             body_keypoints_3d=kp3[:, :25], extra_keypoints_3d=kp3[:, 25:])
    return folder / 'h36m_val_p2.npz'


def test_cli_npz_with_report(tmp_path):
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    data = _h36m_file(tmp_path)
    r = _cli(ckpt, '--data', data, '--img-dir', tmp_path / 'images', '--report', tmp_path / 'report', '--quiet')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    s = json.loads(lines[0])
    assert (s['data'], s['protocol'], s['n'], s['model'], s['step']) == ('H36M-VAL-P2', '3d', 3, 'tiny', 7)
    assert s['metrics']['mpjpe'] > s['metrics']['pa_mpjpe'] > 0
    assert set(s['metrics']['violation']) == {'l_knee', 'r_knee', 'l_elbow', 'r_elbow'}
    html = Path(s['report']).read_text()
    assert 'worst sample' in html and 'Per joint' in html
    m = json.loads((tmp_path / 'report' / 'metrics.json').read_text())
    assert abs(m['metrics']['mpjpe'] - s['metrics']['mpjpe']) < 1e-3


def test_cli_synthetic(tmp_path):
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    r = _cli(ckpt, '--n', 64, '--limit', 4, '--batch-size', 2)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout.strip().splitlines()[-1])
    assert (s['data'], s['protocol'], s['n']) == ('synthetic-64-0-val', 'synthetic', 4)
    for k in ('mpjpe', 'pa_mpjpe', 'mpvpe', 'pa_mpvpe', 'pck@0.05', 'pck@0.1'): assert k in s['metrics']


def test_cli_bad_input(tmp_path):
    def fails(r, text):
        assert r.returncode != 0 and text in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert 'Traceback' not in r.stderr
    fails(_cli(tmp_path / 'missing.ckpt'), 'does not exist')
    (tmp_path / 'bad.ckpt').write_text('not a checkpoint')
    fails(_cli(tmp_path / 'bad.ckpt'), 'not a PyTorch checkpoint')
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    fails(_cli(ckpt, '--data', tmp_path / 'none.npz'), 'does not exist')
    np.savez(tmp_path / 'wrong.npz', imgname=np.array(['a.jpg']))
    fails(_cli(ckpt, '--data', tmp_path / 'wrong.npz'), "no ['center', 'scale']")
    data = _h36m_file(tmp_path)
    fails(_cli(ckpt, '--data', data, '--img-dir', tmp_path / 'elsewhere', '--quiet'), '--img-dir')
