"Stand-in models: concurrent first use of the cache, and a real motion converting through the command line (what a notebook cannot show well)."
import os, subprocess, sys
import pytest
from pathlib import Path

CODE = "from hsmr.synthetic import standin_folder; print(standin_folder('smpl', 'male'))"


def test_concurrent_first_use(tmp_path):
    "Two processes filling an empty cache at once both get the same complete folder, and no temporary folder stays."
    env = {**os.environ, 'HSMR_CACHE_DIR': str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, '-c', CODE], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    paths = {o.strip() for o, _ in outs}
    assert paths == {str(tmp_path/'standin_models'/'smpl'/'SMPL_MALE.pkl')}
    folder = tmp_path/'standin_models'
    assert sorted(p.name for p in folder.iterdir()) == ['STANDIN_VERSION', 'skel_female.pkl', 'skel_male.pkl', 'smpl']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['standin_models']


def test_outdated_cache_is_rebuilt(tmp_path):
    "A cache written by another version (or for another body) is replaced, not trusted."
    folder = tmp_path/'standin_models'; folder.mkdir()
    (folder/'STANDIN_VERSION').write_text('0 old'); (folder/'skel_male.pkl').write_bytes(b'stale')
    env = {**os.environ, 'HSMR_CACHE_DIR': str(tmp_path)}
    out = subprocess.run([sys.executable, '-c', CODE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (folder/'skel_male.pkl').stat().st_size > 1_000_000
    assert (folder/'STANDIN_VERSION').read_text() != '0 old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['standin_models']


AMASS = os.environ.get('HSMR_AMASS_SAMPLE')


@pytest.mark.skipif(not (AMASS and Path(AMASS).is_file()),
                    reason='set HSMR_AMASS_SAMPLE to CMU_01_01.npz of AMASS (MarilynKeller/SKEL, examples/samples/amass_seq/)')
def test_real_motion_converts(tmp_path):
    "A real walk (CMU 01_01, every 10th frame), neutral stand-in SMPL to male SKEL through the command line, converts like real data."
    import json
    import numpy as np
    from conftest import run_cli
    z = np.load(AMASS)
    frames = tmp_path/'cmu_01_01_every_10th.npz'
    np.savez(frames, poses=z['poses'][::10], trans=z['trans'][::10], betas=z['betas'])     # no gender: neutral SMPL
    out = run_cli('hsmr.convert', frames, tmp_path/'skel.npz', '--quiet')
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout.strip().splitlines()[-1])
    assert s['frames'] == s['fitted'] == len(z['poses'][::10]) and s['smpl_gender'] == 'neutral'
    assert s['max_pve_median_mm'] <= 20 and s['share_over_max_pve'] <= 0.05
    r = np.load(tmp_path/'skel.npz')
    assert np.abs(r['betas']).max() <= 3 and r['keep'].mean() >= 0.95
