"End to end tests of `python -m hsmr.predict`: rendered people in, meshes / parameters / overlays out, bad input."
import json
from pathlib import Path
import numpy as np
from PIL import Image
from hsmr.data import SyntheticRecords, make_synthetic
from hsmr.skel import SKEL

from conftest import ROOT, run_cli, tiny_checkpoint

def _cli(*args): return run_cli('hsmr.predict', *args)

def _checkpoint(path): return tiny_checkpoint(path, 0)


def _photos(folder):
    "Two photos of rendered synthetic people (JPEG and PNG) and their person boxes."
    recs = SyntheticRecords(make_synthetic(64, 0, progress=False))
    folder.mkdir()
    photo = np.full((300, 540, 3), 100, np.uint8)
    photo[20:276, 10:266], photo[30:286, 270:526] = recs[4]['image'], recs[5]['image']
    Image.fromarray(photo).save(folder / 'pair.jpg', quality=95)
    Image.fromarray(recs[6]['image']).save(folder / 'single.png')
    box = lambda r, off: [*(r['center'] + off - r['scale'] * 100), *(r['center'] + off + r['scale'] * 100)]
    return {'pair.jpg': [box(recs[4], (10, 20)), box(recs[5], (270, 30))]}


def _obj_counts(path):
    lines = Path(path).read_text().splitlines()
    return sum(l.startswith('v ') for l in lines), sum(l.startswith('f ') for l in lines)


def test_cli_writes_meshes_parameters_overlays(tmp_path):
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    boxes = _photos(tmp_path / 'photos')
    (tmp_path / 'boxes.json').write_text(json.dumps({k: [[float(x) for x in b] for b in v] for k, v in boxes.items()}))
    r = _cli(ckpt, '--images', tmp_path / 'photos', '--boxes', tmp_path / 'boxes.json', '--out', tmp_path / 'out', '--quiet')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    s = json.loads(lines[0])
    assert (s['images'], s['people'], s['model']) == (2, 3, 'tiny')
    out = tmp_path / 'out'
    z = np.load(out / 'predictions.npz')
    assert z['image'].tolist() == ['pair.jpg', 'pair.jpg', 'single.png'] and z['person'].tolist() == [0, 1, 0]
    assert z['poses'].shape == (3, 46) and z['betas'].shape == (3, 10) and z['kp2d_px'].shape == (3, 44, 2)
    assert np.isfinite(z['poses']).all() and np.isfinite(z['cam_t_full']).all()
    np.testing.assert_allclose(z['box'][:2], np.array(boxes['pair.jpg']), atol=1e-3)
    assert z['box'][2].tolist() == [0, 0, 256, 256]                                  # unlisted image: the whole image
    skel = SKEL()
    n_skin, n_bones = 6890, skel.skel_template.shape[0]
    for stem in ('pair_0', 'pair_1', 'single_0'):
        assert _obj_counts(out / 'meshes' / f'{stem}_skin.obj') == (n_skin, len(skel.faces))
        assert _obj_counts(out / 'meshes' / f'{stem}_skeleton.obj') == (n_bones, len(skel.skel_faces))
        ply = (out / 'meshes' / f'{stem}_skin.ply').read_text().splitlines()
        assert ply[2] == f'element vertex {n_skin}' and len(ply) == ply.index('end_header') + 1 + n_skin + len(skel.faces)
    assert Image.open(out / 'overlays' / 'pair.jpg').size == (540, 300)
    assert Image.open(out / 'overlays' / 'single.jpg').size == (256, 256)


def test_cli_whole_images_no_ply(tmp_path):
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    _photos(tmp_path / 'photos')
    r = _cli(ckpt, '--images', tmp_path / 'photos', '--out', tmp_path / 'out', '--no-ply', '--no-overlays', '--quiet')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s['images'], s['people']) == (2, 2)
    assert not list((tmp_path / 'out' / 'meshes').glob('*.ply')) and len(list((tmp_path / 'out' / 'meshes').glob('*.obj'))) == 4
    assert not list((tmp_path / 'out' / 'overlays').iterdir())


def test_cli_bad_input(tmp_path):
    def fails(r, text):
        assert r.returncode != 0 and text in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert 'Traceback' not in r.stderr
    ckpt = _checkpoint(tmp_path / 'tiny.ckpt')
    fails(_cli(ckpt, '--out', tmp_path / 'out'), '--images FOLDER and --out DIR are required')
    fails(_cli(ckpt, '--images', tmp_path / 'nowhere', '--out', tmp_path / 'out'), 'does not exist')
    fails(_cli(tmp_path / 'missing.ckpt', '--images', tmp_path, '--out', tmp_path / 'out'), 'does not exist')
    _photos(tmp_path / 'photos')
    (tmp_path / 'typo.json').write_text(json.dumps({'pairr.jpg': [[0, 0, 10, 10]]}))
    fails(_cli(ckpt, '--images', tmp_path / 'photos', '--boxes', tmp_path / 'typo.json', '--out', tmp_path / 'out'), 'pairr.jpg')
    (tmp_path / 'flat.json').write_text(json.dumps({'pair.jpg': [0, 0, 10, 10]}))
    fails(_cli(ckpt, '--images', tmp_path / 'photos', '--boxes', tmp_path / 'flat.json', '--out', tmp_path / 'out'), 'x1 > x0')
    (tmp_path / 'photos' / 'broken.jpg').write_bytes(b'not a jpeg')
    fails(_cli(ckpt, '--images', tmp_path / 'photos', '--out', tmp_path / 'out', '--quiet'), 'could not be read')
