"End to end tests of `python -m hsmr.predict`: real photos and a video in, the contract out; bad input, one line each."
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
from hsmr.render import SyntheticRecords, make_synthetic

from conftest import ROOT, run_cli, tiny_checkpoint

PHOTOS = ROOT / 'examples' / 'images'
CONTRACT = {'image': (), 'frame': (), 'track': (), 'box': (4,), 'keypoints_detected': (44, 3), 'poses': (46,), 'betas': (10,),
            'trans_full': (3,), 'focal_px': (), 'image_size': (2,), 'kp2d_fit': (44, 3), 'fit_err_px': ()}

def _cli(*args): return run_cli('hsmr.predict', *args)

def _needs_mediapipe():
    pytest.importorskip('mediapipe', reason='mediapipe is not installed (pip install -e ".[detect]")')

def _json(r):
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    return json.loads(lines[-1])

def _cli_without(module_blocked, *args):
    "The command line with `module_blocked` made unimportable, as on a machine without it."
    code = (f"import sys; sys.modules[{module_blocked!r}] = None; sys.argv = ['hsmr.predict', *sys.argv[1:]]; "
            "import runpy; runpy.run_module('hsmr.predict', run_name='__main__')")
    return subprocess.run([sys.executable, '-c', code, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'PYTHONWARNINGS': 'ignore'})


def test_photos_without_checkpoint(tmp_path):
    "No network, no boxes: every person found and fitted; the contract's keys and shapes; overlays and meshes."
    _needs_mediapipe()
    (tmp_path / 'in').mkdir()
    for n in ('standing.jpg', 'squat.jpg'): shutil.copy(PHOTOS / n, tmp_path / 'in' / n)
    s = _json(_cli('--images', tmp_path / 'in', '--out', tmp_path / 'out', '--quiet'))
    assert (s['photos'], s['people'], s['no_person'], s['skipped'], s['model']) == (2, 2, 0, 0, False)
    assert s['fit_err_rel_median'] <= 0.03 and s['focal_sources'] == ['default']
    z = np.load(tmp_path / 'out' / 'predictions.npz')
    for k, shape in CONTRACT.items(): assert z[k].shape == (2, *shape), k
    assert z['source'].tolist() == ['skelify', 'skelify'] and np.isfinite(z['poses']).all()
    for n in ('standing.jpg', 'squat.jpg'):
        assert Image.open(tmp_path / 'out' / 'overlays' / f'{n}.overlay.jpg').size == Image.open(PHOTOS / n).size
        assert (tmp_path / 'out' / 'meshes' / n / 'person_0_skin.obj').is_file()


def test_checkpoint_with_boxes_needs_no_detector(tmp_path):
    "A network and boxes: runs without mediapipe installed; with a focal length from --fov."
    recs = SyntheticRecords(make_synthetic(64, 0, progress=False))
    (tmp_path / 'in').mkdir()
    photo = np.full((300, 540, 3), 100, np.uint8)
    photo[20:276, 10:266], photo[30:286, 270:526] = recs[4]['image'], recs[5]['image']
    Image.fromarray(photo).save(tmp_path / 'in' / 'pair.png')
    boxes = {'pair.png': [[10, 20, 266, 276], [270, 30, 526, 286]]}
    (tmp_path / 'boxes.json').write_text(json.dumps(boxes))
    ckpt = tiny_checkpoint(tmp_path / 'tiny.ckpt')
    r = _cli_without('mediapipe', ckpt, '--images', tmp_path / 'in', '--boxes', tmp_path / 'boxes.json', '--out', tmp_path / 'out',
                     '--fov', 50, '--quiet', '--no-ply')
    s = _json(r)
    assert (s['people'], s['model'], s['focal_sources']) == (2, True, ['fov'])
    z = np.load(tmp_path / 'out' / 'predictions.npz')
    assert z['source'].tolist() == ['network', 'network'] and z['track'].tolist() == [0, 1]
    np.testing.assert_allclose(z['box'], boxes['pair.png'])
    assert np.isnan(z['fit_err_px']).all() and (z['trans_full'][:, 2] > 0).all()
    np.testing.assert_allclose(z['focal_px'], 540 / 2 / np.tan(np.radians(25)), rtol=1e-5)


def test_refine_from_the_network(tmp_path):
    "--refine: SKELify from the network's prediction on the detected keypoints."
    _needs_mediapipe()
    (tmp_path / 'in').mkdir()
    shutil.copy(PHOTOS / 'arms_up.jpg', tmp_path / 'in')
    ckpt = tiny_checkpoint(tmp_path / 'tiny.ckpt')
    s = _json(_cli(ckpt, '--images', tmp_path / 'in', '--out', tmp_path / 'out', '--refine', '--quiet', '--no-overlays'))
    z = np.load(tmp_path / 'out' / 'predictions.npz')
    assert z['source'].tolist() == ['network+skelify'] and s['fit_err_rel_median'] <= 0.05


def test_video_tracks_motion_and_overlay(tmp_path):
    "A video: one track, an overlay video, one .mot/.csv per track, the jitter reported."
    _needs_mediapipe()
    from hsmr.media import VideoWriter, VideoReader
    from hsmr.export import read_mot
    base = np.asarray(Image.open(PHOTOS / 'standing.jpg').convert('RGB'))
    H, W = base.shape[:2]
    canvas = np.pad(base, ((0, 0), (30, 30), (0, 0)), mode='edge')
    (tmp_path / 'in').mkdir()
    with VideoWriter(tmp_path / 'in' / 'pan.mp4', fps=10) as vw:
        for i in range(8): vw.write(np.ascontiguousarray(canvas[:, 40 - 4 * i:40 - 4 * i + W]))
    s = _json(_cli('--images', tmp_path / 'in' / 'pan.mp4', '--out', tmp_path / 'out', '--quiet'))
    v = s['video_stats']['pan.mp4']
    assert (s['videos'], s['frames'], v['tracks'], v['motion_files']) == (1, 8, 1, 2)
    assert v['jitter_mm_per_frame2'] is not None and v['frames_per_s'] > 0
    z = np.load(tmp_path / 'out' / 'predictions.npz')
    assert z['image'].tolist() == [f'pan.mp4#{i}' for i in range(8)] and z['frame'].tolist() == list(range(8))
    assert set(z['track'].tolist()) == {0}
    mot = read_mot(tmp_path / 'out' / 'motion' / 'pan.mp4' / 'track_0.mot')
    assert mot['values'].shape == (8, 50)
    np.testing.assert_allclose(mot['values'][:, 0], np.arange(8) / 10, atol=1e-6)
    with VideoReader(tmp_path / 'out' / 'overlays' / 'pan.mp4.overlay.mp4') as vr: assert len(list(vr)) == 8


def test_bad_files_are_skipped_and_counted(tmp_path):
    "Issue 17 defects 4, 5, 6 and issue 14's bad input: collisions, the output inside the input, unreadable files, nobody."
    _needs_mediapipe()
    d = tmp_path / 'in'
    (d / 'sub').mkdir(parents=True)
    small = Image.open(PHOTOS / 'standing.jpg'); small = small.resize((small.width // 2, small.height // 2))
    small.save(d / 'a.jpg'); small.save(d / 'a.png')                      # the same stem twice
    small.save(d / 'sub' / 'x.jpg'); small.save(d / 'sub__x.jpg')          # what sub/x.jpg used to be written as
    (d / 'out' / 'overlays').mkdir(parents=True)
    small.save(d / 'out' / 'overlays' / 'old.jpg')                         # an earlier run's output, inside the input
    (d / 'broken.jpg').write_bytes(small.tobytes()[:500])
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(d / 'dot.png')
    Image.fromarray(np.full((200, 300, 3), 180, np.uint8)).save(d / 'wall.png')
    (d / 'clip.mp4').write_bytes(bytes(3000))
    s = _json(_cli('--images', d, '--out', d / 'out', '--quiet', '--no-meshes'))
    assert (s['photos'], s['people'], s['no_person'], s['skipped']) == (5, 4, 1, 3), s
    assert sorted(s['skipped_files']) == ['broken.jpg', 'clip.mp4', 'dot.png']
    assert 'cannot be decoded as a video' in s['skipped_files']['clip.mp4'] and 'too small' in s['skipped_files']['dot.png']
    overlays = sorted(p.relative_to(d / 'out' / 'overlays').as_posix() for p in (d / 'out' / 'overlays').rglob('*.overlay.jpg'))
    assert overlays == ['a.jpg.overlay.jpg', 'a.png.overlay.jpg', 'sub/x.jpg.overlay.jpg', 'sub__x.jpg.overlay.jpg', 'wall.png.overlay.jpg']
    z = np.load(d / 'out' / 'predictions.npz')
    assert not any(n.startswith('out/') for n in z['image'].tolist())      # the output folder was not read as input


def test_bad_input_one_line(tmp_path):
    "Boxes outside the image, a --fov out of range, a missing optional package, no CUDA: one line, exit 2, nothing lost."
    (tmp_path / 'in').mkdir()
    shutil.copy(PHOTOS / 'standing.jpg', tmp_path / 'in' / 'a.jpg')
    (tmp_path / 'boxes.json').write_text(json.dumps({'a.jpg': [[5000, 10, 5100, 200]]}))
    ckpt = tiny_checkpoint(tmp_path / 'tiny.ckpt')
    cases = [(_cli(ckpt, '--images', tmp_path / 'in', '--boxes', tmp_path / 'boxes.json', '--out', tmp_path / 'o1'), 'lies outside its'),
             (_cli('--images', tmp_path / 'in', '--out', tmp_path / 'o2', '--fov', 0.5), '--fov 0.5'),
             (_cli_without('mediapipe', '--images', tmp_path / 'in', '--out', tmp_path / 'o3'), 'pip install -e ".[detect]"'),
             (_cli('--images', tmp_path / 'in', '--out', tmp_path / 'o4', '--device', 'cuda:9'), '--device cuda:9'),
             (_cli('--images', tmp_path / 'nothere', '--out', tmp_path / 'o5'), 'does not exist'),
             (_cli('--out', tmp_path / 'o6'), '--images FOLDER_OR_FILE and --out DIR are required')]
    for r, msg in cases:
        err = [l for l in r.stderr.strip().splitlines() if l.strip()]
        assert r.returncode == 2 and len(err) == 1 and msg in err[0] and 'Traceback' not in r.stderr, r.stderr[-2000:]
    (tmp_path / 'in' / 'clip.mp4').write_bytes(bytes(100))
    r = _cli_without('av', '--images', tmp_path / 'in' / 'clip.mp4', '--out', tmp_path / 'o7')
    assert r.returncode == 2 and 'pip install -e ".[video]"' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
