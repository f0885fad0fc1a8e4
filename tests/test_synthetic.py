"Stand-in model cache: concurrent first use (what a notebook cannot show well)."
import os, subprocess, sys
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
