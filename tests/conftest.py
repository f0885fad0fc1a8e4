"Helpers shared by the command-line tests."
import os, subprocess, sys
from pathlib import Path
import torch
from hsmr.regressor import CHECKPOINT_FORMAT, build_model

ROOT = Path(__file__).resolve().parents[1]

def run_cli(module, *args, timeout=600):
    "Run `python -m module args` from the repository root; the CompletedProcess with text output."
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    return subprocess.run([sys.executable, '-m', module, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)

def tiny_checkpoint(path, step=0):
    "A checkpoint of an untrained, seeded tiny regressor in hsmr.train's format."
    torch.manual_seed(0)
    torch.save({'format': CHECKPOINT_FORMAT, 'model_name': 'tiny', 'model_overrides': {}, 'model': build_model('tiny').state_dict(),
                'step': step, 'config': {}}, path)
    return path
