"Training command line end to end: a kill -9 mid-run and a resume, a two-process DDP run on CPU (gloo), bad input."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from hsmr.train import read_metrics, checkpoints

SMALL = ['n_synthetic=128', 'batch_size=8', 'num_workers=0', 'log_every=1', 'val_every=0', 'refine_warmup=2',
         'refine_interval=2', 'refine_samples=8', 'refine_iters=5']

def _cmd(out, *extra):
    return [sys.executable, '-m', 'hsmr.train', '--quiet', '--out', str(out), *SMALL, *extra]

def _run(out, *extra, timeout=600):
    p = subprocess.run(_cmd(out, *extra), capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])

def test_kill_and_resume_matches_uninterrupted(tmp_path):
    full = _run(tmp_path/'full', 'steps=8', 'ckpt_every=2')
    p = subprocess.Popen(_cmd(tmp_path/'killed', 'steps=8', 'ckpt_every=2'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while not any(c.name >= 'step_0000004.ckpt' for c in checkpoints(tmp_path/'killed')):
        assert p.poll() is None, 'the run ended before it could be killed'
        assert time.time() < deadline
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    got = [c.name for c in checkpoints(tmp_path/'killed')]
    assert got and all(not n.startswith('.') for n in got)                    # only complete checkpoints
    resumed = _run(tmp_path/'killed', 'steps=8', 'ckpt_every=2')
    a, b = read_metrics(tmp_path/'full'), read_metrics(tmp_path/'killed')
    assert list(a) == list(range(1, 9)) and list(b) == list(a)
    for s in a: assert a[s] == b[s], (s, a[s], b[s])                          # every logged loss, step for step
    assert resumed['pseudo_gt_digest'] == full['pseudo_gt_digest'] and full['pseudo_gt_size'] > 0
    assert resumed['steps'] == 8

def test_two_process_ddp_on_cpu(tmp_path):
    res = _run(tmp_path, 'steps=4', 'ckpt_every=2', 'accelerator=cpu', 'devices=2', 'strategy=ddp', 'refine_samples=4')
    assert res['world_size'] == 2 and res['steps'] == 4
    ranks = [json.loads((tmp_path/'ranks'/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0]['pseudo_gt_digest'] == ranks[1]['pseudo_gt_digest']      # one store on every rank
    assert ranks[0]['pseudo_gt_size'] == res['pseudo_gt_size'] > 0
    m = read_metrics(tmp_path)
    assert m[4]['refine/tried'] == 8.0                                         # both ranks' 4 latest samples, fitted once

def test_bad_setting_is_one_line(tmp_path):
    p = subprocess.run([sys.executable, '-m', 'hsmr.train', '--out', str(tmp_path), 'stepz=3'], capture_output=True, text=True)
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert "unknown setting 'stepz'" in p.stderr and p.stdout == ''

def test_help_lists_every_setting():
    p = subprocess.run([sys.executable, '-m', 'hsmr.train', '--help'], capture_output=True, text=True)
    assert p.returncode == 0
    from dataclasses import fields
    from hsmr.train import TrainConfig
    for f in fields(TrainConfig): assert f'{f.name}=' in p.stdout

def test_damaged_latest_checkpoint_falls_back(tmp_path):
    "Issue 17 defect 7: a damaged latest checkpoint gave a traceback instead of resuming from the previous one."
    full = _run(tmp_path/'run', 'steps=6', 'ckpt_every=2', 'refine=false')
    last = checkpoints(tmp_path/'run')[-1]
    last.write_bytes(last.read_bytes()[:5000])                                  # a disk that failed mid-file
    p = subprocess.run(_cmd(tmp_path/'run', 'steps=6', 'ckpt_every=2', 'refine=false'), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and 'cannot be read' in p.stderr and 'Traceback' not in p.stderr, p.stderr[-2000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert (res['steps'], res['val_mpjpe']) == (6, full['val_mpjpe'])          # redid steps 5-6 from step 4, exactly
    assert (tmp_path/'run'/'checkpoints'/(last.name + '.damaged')).exists()

@pytest.mark.parametrize('setting, message', [('n_synthetic=0', 'n_synthetic=0 people'), ('refine_samples=-5', 'refine_samples=-5'),
                                              ('accelerator=tpu', "accelerator='tpu'")])
def test_bad_values_refused_before_work(tmp_path, setting, message):
    "Issue 17 defect 8: n_synthetic=0 gave a traceback, refine_samples=-5 was accepted."
    p = subprocess.run(_cmd(tmp_path/'run', setting), capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and message in p.stderr and 'Traceback' not in p.stderr, p.stderr[-2000:]

def test_unwritable_out_fails_at_once(tmp_path):
    "Issue 17 defect 8: an unwritable --out failed only after computing steps."
    (tmp_path/'afile').write_text('x')
    t0 = time.time()
    p = subprocess.run(_cmd(tmp_path/'afile'/'run', 'steps=4'), capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and 'cannot write to the run folder' in p.stderr and 'Traceback' not in p.stderr, p.stderr[-2000:]
    assert time.time() - t0 < 60 and not list(tmp_path.glob('**/*.ckpt'))

def test_quiet_shows_no_bar(tmp_path):
    "Issue 17 defect 11: train --quiet still showed the rendering bar."
    p = subprocess.run(_cmd(tmp_path/'q', 'steps=2', 'refine=false', 'n_synthetic=64', 'synthetic_seed=5'), capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert 'rendering' not in p.stderr and '%|' not in p.stderr, p.stderr[-2000:]
