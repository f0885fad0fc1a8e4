"""Regenerate tests/data/skel_reference_<seed>.npz: outputs of the OFFICIAL SKEL code on our stand-in model file.

Usage:  python tests/make_skel_reference.py /path/to/SKEL-checkout [--commit SHA] [--out tests/data]

The official repository (https://github.com/MarilynKeller/SKEL) is only imported from the checkout given as the
first argument (its folder is put on sys.path; it is not installed and none of its code is copied here). Its only
imports beyond torch/numpy/scipy are standard library. The inputs follow body-models `tests/generate_assets/generate_skel_reference.py`: betas 0.5 N(0,1),
poses 0.2 N(0,1), trans 0.1 N(0,1), a B > 1 case with distinct betas, and poses across the joint ranges with betas
in [-3, 3]. The official forward runs in float32 on the CPU with skelmesh=True, pose_dep_bs=True. To keep the files
small, per-vertex outputs are stored on fixed vertex subsets (`skin_ids`, `skel_ids`, saved with them).
Run it again whenever hsmr.synthetic's stand-in files change: the file's signature (hsmr.skel.skel_signature) is
recorded, and the tests refuse to compare against outputs of another file (hsmr.skel.same_skel_file: equal up to
float32 rounding, which differs from one CPU to another).
"""
import argparse, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
import torch

MODEL_SEED, MODEL_SIZE = 0, 'small'
N_SKIN_IDS, N_SKEL_IDS = 512, 256
SCALING_VERTS = [410, 384, 414, 196, 3708, 6179, 6137, 5670, 5906, 3027, 3495, 3506]   # the hard-coded ones (SKEL `skel/skel_model.py` (the skeleton mesh scaling in `SKEL.forward`))


def cases():
    "seed -> (poses, betas, trans) float32 tensors."
    out = {}
    for seed, B in [(0, 1), (1, 1), (2, 4)]:                      # the cases of body-models' reference generator (`tests/generate_assets/generate_skel_reference.py`)
        g = torch.Generator().manual_seed(seed)
        betas = 0.5 * torch.randn(B, 10, generator=g)
        poses = 0.2 * torch.randn(B, 46, generator=g)
        trans = 0.1 * torch.randn(B, 3, generator=g)
        out[seed] = poses, betas, trans
    g = torch.Generator().manual_seed(3)                          # across the joint ranges, extreme shapes
    poses = (torch.rand(3, 46, generator=g) * 2 - 1) * (torch.pi / 2)
    poses[:, :3] *= 2                                             # the pelvis turns all the way round
    betas = (torch.rand(3, 10, generator=g) * 2 - 1) * 3
    trans = 0.5 * torch.randn(3, 3, generator=g)
    out[3] = poses, betas, trans
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('official', help='path of a MarilynKeller/SKEL checkout (the folder holding skel/skel_model.py)')
    ap.add_argument('--commit', default=None, help='official commit id to record (default: git rev-parse HEAD in the checkout)')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'data'))
    a = ap.parse_args()
    root = Path(a.official).resolve()
    if not (root / 'skel' / 'skel_model.py').is_file():
        sys.exit(f"error: {root} is not a SKEL checkout (no skel/skel_model.py). Clone https://github.com/MarilynKeller/SKEL.")
    commit = a.commit or subprocess.run(['git', '-C', str(root), 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # this repository, for hsmr.synthetic
    from skel.skel_model import SKEL as OfficialSKEL
    from hsmr.synthetic import write_models, STANDIN_VERSION
    from hsmr.skel import load_skel_file, skel_signature
    folder = write_models(Path(tempfile.mkdtemp()) / 'models', seed=MODEL_SEED, size=MODEL_SIZE)
    signature = skel_signature(load_skel_file(folder / 'skel_male.pkl'))
    model = OfficialSKEL('male', model_path=str(folder))
    rng = np.random.default_rng(0)
    n_skin, n_skel = model.skin_template_v.shape[0], model.skel_template_v.shape[0]
    skin_ids = np.unique(np.concatenate([SCALING_VERTS, rng.choice(n_skin, N_SKIN_IDS - len(SCALING_VERTS), replace=False)]))
    skel_ids = np.sort(rng.choice(n_skel, min(N_SKEL_IDS, n_skel), replace=False))
    out_dir = Path(a.out); out_dir.mkdir(parents=True, exist_ok=True)
    for seed, (poses, betas, trans) in cases().items():
        with torch.no_grad():
            o = model(poses, betas, trans, skelmesh=True, pose_dep_bs=True)
        f32 = lambda x: x.detach().cpu().numpy().astype(np.float32)
        np.savez_compressed(
            out_dir / f'skel_reference_{seed}.npz', model_seed=MODEL_SEED, model_size=MODEL_SIZE, gender='male',
            standin_version=STANDIN_VERSION, model_signature=signature, official_commit=commit, torch_version=torch.__version__,
            poses=f32(poses), betas=f32(betas), trans=f32(trans), skin_ids=skin_ids, skel_ids=skel_ids,
            skin_verts=f32(o.skin_verts[:, skin_ids]), skel_verts=f32(o.skel_verts[:, skel_ids]),
            pose_offsets=f32(o.pose_offsets[:, skin_ids]), v_shaped=f32(o.v_shaped[:, skin_ids]),
            joints=f32(o.joints), joints_ori=f32(o.joints_ori), joints_tpose=f32(o.joints_tpose))
        print(f"wrote {out_dir / f'skel_reference_{seed}.npz'} (B = {poses.shape[0]})")


if __name__ == '__main__':
    main()
