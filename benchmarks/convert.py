"""SMPL -> SKEL conversion: hsmr's converter against the official aligner on the same inputs, paired per sample.

Inputs, all neutral SMPL converted to the male SKEL as HSMR converts its data:
- `walk`: the stand-in walk (`hsmr.synthetic.walk_motion`: walking, high steps, a jump, a turn; 92 frames);
- `cmu`: CMU 01_01 of AMASS, every 10th frame (276), with `--amass PATH` (the file MarilynKeller/SKEL ships in
  `examples/samples/amass_seq/CMU_01_01.npz`; never committed here);
- `random`: plausible random SMPL poses (`--n`, seeded), one body shape (the official aligner takes one per run).

The official aligner: with `--official PATH` (a MarilynKeller/SKEL checkout, read and imported, never copied; it
needs omegaconf and smplx) its own `skel.alignment.aligner.SkelFitter` runs on the stand-in models, one batch per
input as `align_to_SMPL_seq.py -B 3000` does. Its viewer module (psbody.mesh) is replaced by an empty stand-in and
`DISABLE_VIEWER` is set. It copies SMPL's betas into SKEL, which is wrong for neutral SMPL to male SKEL; it is
given hsmr's transferred betas instead (`Converter.beta_A`, `beta_b`), so that both fit the pose of the same body.
Without `--official`, the official recipe rebuilt on hsmr's SKEL stands in (four stages of torch L-BFGS with
strong-Wolfe line search, 10 outer steps x 20 iterations, the official masks, weights, learning rates and seed).

    python benchmarks/convert.py [--official PATH] [--amass PATH] [--n 64]

Prints, per input and method: fits per second (start-up included: loading the models and, for hsmr, everything in
`Converter`; for hsmr also `cold_start_fits_per_second`: a fresh interpreter's imports, start-up and conversion),
maxPVE median and 95th percentile, the share over 6 cm and mean PVE; and, paired per sample, the
share of samples where hsmr's maxPVE is at most the official one's and the median difference. With CUDA, hsmr is
also timed at batch --gpu-batch.
"""
import argparse, contextlib, io, json, math, os, sys, time, types, warnings
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.smpl2skel import Converter, anatomical_joints, fit_skel, max_pve, mean_pve, MAX_PVE_THRESHOLD
from hsmr.synthetic import walk_motion, standin_folder

SMPL_SIGMA = {  # SMPL body joint (1..23) -> per-axis std (rad) of the plausible pose sampler
    'hip': (0.45, 0.2, 0.2), 'spine': (0.15, 0.1, 0.1), 'ankle': (0.2, 0.1, 0.1), 'foot': (0.05, 0.05, 0.05),
    'neck': (0.2, 0.15, 0.1), 'collar': (0.1, 0.1, 0.15), 'head': (0.2, 0.15, 0.1), 'shoulder': (0.3, 0.4, 0.4),
    'wrist': (0.2, 0.3, 0.2), 'hand': (0.05, 0.05, 0.05)}
SMPL_KIND = ['hip', 'hip', 'spine', 'knee_l', 'knee_r', 'spine', 'ankle', 'ankle', 'spine', 'foot', 'foot', 'neck',
             'collar', 'collar', 'head', 'shoulder', 'shoulder', 'elbow_l', 'elbow_r', 'wrist', 'wrist', 'hand', 'hand']
RANDOM_BETAS = np.array([0.8, -0.5, 0.3, 0.4, -0.2, 0.1, -0.3, 0.2, 0.1, -0.1], np.float32)   # the random poses' one body


def sample_smpl(n, seed=0, extreme_share=0.125):
    "SMPL parameters of n plausible poses (knees and elbows bend their own way, an eighth twice as wide), one shape."
    g = torch.Generator().manual_seed(seed)
    bp = torch.zeros(n, 23, 3)
    scale = torch.where(torch.rand(n, generator=g) < extreme_share, 2., 1.)[:, None]
    for j, kind in enumerate(SMPL_KIND):
        if kind.startswith('knee'): bp[:, j, 0] = torch.rand(n, generator=g) * 1.6 * scale[:, 0].clamp(max=1.4)
        elif kind.startswith('elbow'):
            bend = torch.rand(n, generator=g) * 1.8 * scale[:, 0].clamp(max=1.3)
            bp[:, j, 1] = -bend if kind == 'elbow_l' else bend
        else: bp[:, j] = torch.randn(n, 3, generator=g) * torch.tensor(SMPL_SIGMA[kind]) * scale
    yaw = (torch.rand(n, generator=g) * 2 - 1) * math.pi
    go = torch.stack([0.2 * torch.randn(n, generator=g), yaw, 0.2 * torch.randn(n, generator=g)], 1)
    f = lambda x: np.ascontiguousarray(x, np.float32)
    return dict(global_orient=f(go), body_pose=f(bp.reshape(n, 69)), betas=f(np.tile(RANDOM_BETAS, (n, 1))),
                transl=f(0.3 * torch.randn(n, 3, generator=g)))


def amass_every_10th(path):
    "SMPL parameters of every 10th frame of an AMASS sequence (.npz with poses (N, 156), trans, betas (16,))."
    z = np.load(path)
    p = z['poses'][::10].astype(np.float32)
    return dict(global_orient=p[:, :3], body_pose=np.concatenate([p[:, 3:66], np.zeros((len(p), 6), np.float32)], 1),
                betas=np.tile(z['betas'][:10].astype(np.float32), (len(p), 1)), transl=z['trans'][::10].astype(np.float32))


# --- the official aligner, run from a checkout ---------------------------------------------------------------
def official_aligner(checkout, batch, skel_betas):
    "SKEL's SkelFitter on `batch` (neutral SMPL) -> male SKEL poses, betas, trans (numpy) and its seconds, start-up included."
    for name in ('psbody', 'psbody.mesh', 'psbody.mesh.sphere'):           # imported for the viewer only
        m = sys.modules.setdefault(name, types.ModuleType(name))
        for attr in ('Mesh', 'MeshViewer', 'MeshViewers', 'Sphere'): setattr(m, attr, object)
    os.environ['DISABLE_VIEWER'] = '1'
    if str(checkout) not in sys.path: sys.path.insert(0, str(checkout))
    import smplx
    import skel.config as cg
    from skel.alignment.aligner import SkelFitter
    folder = standin_folder()
    cg.skel_folder, cg.smpl_folder = str(folder), str(folder)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fitter = SkelFitter('male', 'cpu')
        fitter.smpl = smplx.create(str(folder), model_type='smpl', gender='neutral', num_betas=10, batch_size=1)
        init = fitter._init_params
        def init_with_betas(*a, **k):                                      # hsmr's transferred betas, not SMPL's
            p = init(*a, **k); p['betas_skel'] = torch.as_tensor(skel_betas, dtype=torch.float32); return p
        fitter._init_params = init_with_betas
        poses = np.concatenate([batch['global_orient'], batch['body_pose']], 1)
        out = fitter.run_fit(batch['transl'], batch['betas'][:1], poses, batch_size=len(poses))
    return out['poses'], out['betas'], out['trans'], time.perf_counter() - t0


# --- the official recipe rebuilt on hsmr's SKEL -----------------------------------------------------------------
OFFICIAL_STAGES = [  # (mode, lr, tolerance_change, l_verts_loose, l_joint, l_pose_loss, optimise trans)
    ('root_only', 1.0, 1e-4, 300., 0., 0., True),
    ('fixed_upper_limbs', 0.1, 1e-7, 600., 500., 1e-4, False),
    ('fixed_root', 0.1, 1e-7, 600., 1000., 1e-4, False),
    ('free', 0.1, 1e-7, 600., 1000., 1e-4, False)]
OFFICIAL_STEPS, OFFICIAL_MAX_ITER = 10, 20


def official_masks(lbs_weights):
    "Per mode: (vertex mask (V,), frozen q (46,), joint mask (24,)) as SKEL's aligner.py `_get_masks` builds them."
    dom = lambda js: (lbs_weights[:, js] > 0.5).any(1)
    q_all = torch.arange(46)
    frozen = {'root_only': q_all >= 3, 'fixed_upper_limbs': (q_all < 3) | (q_all == 19), 'fixed_root': q_all < 3,
              'free': torch.zeros(46, dtype=torch.bool)}
    jm = lambda ids: torch.zeros(24, dtype=torch.bool).index_fill(0, torch.tensor(ids), True)
    return {'root_only': (dom([0, 3]), frozen['root_only'], torch.ones(24, dtype=torch.bool)),
            'fixed_upper_limbs': (dom([0, 1, 2, 3, 6, 9, 12, 15, 16, 17]), frozen['fixed_upper_limbs'],
                                  ~jm([3, 4, 5, 8, 9, 10, 18, 23])),
            'fixed_root': (~dom([1, 2, 16, 17]), frozen['fixed_root'], torch.ones(24, dtype=torch.bool)),
            'free': (torch.ones(lbs_weights.shape[0], dtype=torch.bool), frozen['free'], jm([14, 19]))}


def rebuilt_aligner(conv, batch, skel_betas):
    "The official four-stage L-BFGS recipe on hsmr's SKEL -> poses, betas, trans (numpy) and its seconds."
    t0 = time.perf_counter()
    with torch.no_grad():
        V = conv.smpl_vertices(*(batch[k] for k in ('global_orient', 'body_pose', 'betas', 'transl')))
        Jt = anatomical_joints(conv.regressor, V)
    B = V.shape[0]
    betas = torch.as_tensor(skel_betas, dtype=torch.float32)
    q = torch.zeros(B, 46)
    q[:, :3] = torch.as_tensor(batch['global_orient']) * torch.tensor([-1., 1., 1.])   # the official seed
    trans = torch.as_tensor(batch['transl']).clone()
    masks = official_masks(conv.smpl.lbs_weights.detach())
    for mode, lr, tol, l_v, l_j, l_p, opt_trans in OFFICIAL_STAGES:
        vmask, frozen, jmask = masks[mode]
        vm, jmk = vmask.float()[None, :, None], jmask.float()[None, :, None]
        q_start = q.detach().clone()
        q = q.detach().clone().requires_grad_(True)
        trans = trans.detach().clone().requires_grad_(opt_trans)
        opt = torch.optim.LBFGS([trans, q] if opt_trans else [q], lr=lr, max_iter=OFFICIAL_MAX_ITER, tolerance_change=tol,
                                line_search_fn='strong_wolfe')
        def closure():
            opt.zero_grad()
            qq = torch.where(frozen, q_start, q)
            out = conv.skel(qq, betas, trans, skelmesh=False)
            loss = l_v * (vm * (out.skin_verts - V) ** 2).sum() / (vmask.sum() * B)
            if l_j: loss = loss + l_j * (jmk * (out.joints - Jt) ** 2).mean()
            if l_p: loss = loss + l_p * torch.linalg.matrix_norm(qq[:, 3:], ord=2)
            loss.backward()
            return loss
        for _ in range(OFFICIAL_STEPS): opt.step(closure)
        q = torch.where(frozen, q_start, q.detach())
    return q.numpy(), betas.numpy(), trans.detach().numpy(), time.perf_counter() - t0


# --- measuring ----------------------------------------------------------------------------------------------------
def errors(conv, batch, poses, betas, trans):
    "maxPVE and mean PVE (N,) of SKEL fits against the SMPL bodies of `batch`."
    t = lambda x: torch.as_tensor(np.asarray(x), dtype=torch.float32)
    with torch.no_grad():
        V = conv.smpl_vertices(*(batch[k] for k in ('global_orient', 'body_pose', 'betas', 'transl')))
        skin = conv.skel(t(poses), t(betas), t(trans), skelmesh=False).skin_verts
    return max_pve(skin, V).numpy(), mean_pve(skin, V).numpy()


def stats(m, e, n, seconds):
    return {'fits_per_second': round(n / seconds, 2), 'max_pve_median_mm': round(float(np.median(m)) * 1000, 1),
            'max_pve_p95_mm': round(float(np.percentile(m, 95)) * 1000, 1),
            'share_over_6cm': round(float((m > MAX_PVE_THRESHOLD).mean()), 3), 'mean_pve_mm': round(float(e.mean()) * 1000, 2)}


COLD = """import sys, warnings, numpy as np
warnings.simplefilter('ignore')
from hsmr.smpl2skel import Converter
batch = dict(np.load(sys.argv[1]))
Converter()(batch)
"""

def cold_start(batch):
    "Fits per second of a fresh interpreter that imports hsmr, makes the `Converter` and converts `batch`: start-up all in."
    import subprocess, tempfile
    with tempfile.TemporaryDirectory() as d:
        np.savez(Path(d)/'batch.npz', **batch)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, '-c', COLD, str(Path(d)/'batch.npz')], check=True, cwd=Path(__file__).resolve().parents[1])
        return round(len(batch['betas']) / (time.perf_counter() - t0), 2)


def compare(batch, official):
    "hsmr and the official aligner on one input: a dict of both, and the paired comparison."
    n = len(batch['betas'])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        conv = Converter()                                                  # neutral SMPL -> male SKEL
    res = conv(batch)
    t_ours = time.perf_counter() - t0
    ours = np.asarray(res['max_pve']), np.asarray(res['mean_pve'])
    skel_betas = res['betas']                                               # the transferred betas, for both
    if official is not None: q, b, tr, t_ref = official_aligner(official, batch, skel_betas)
    else: q, b, tr, t_ref = rebuilt_aligner(conv, batch, skel_betas)
    ref = errors(conv, batch, q, b, tr)
    out = {'frames': n, 'hsmr': stats(*ours, n, t_ours), 'official': stats(*ref, n, t_ref)}
    out['hsmr']['cold_start_fits_per_second'] = cold_start(batch)
    out['paired'] = {'hsmr_at_most_official_share': round(float((ours[0] <= ref[0] + 1e-4).mean()), 3),
                     'max_pve_difference_median_mm': round(float(np.median(ours[0] - ref[0])) * 1000, 1),
                     'speedup': round(t_ref / t_ours, 1)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--official', help='a MarilynKeller/SKEL checkout: run its own aligner (else its recipe rebuilt on hsmr)')
    ap.add_argument('--amass', help='CMU_01_01.npz of AMASS (MarilynKeller/SKEL examples/samples/amass_seq/): also convert it')
    ap.add_argument('--n', type=int, default=64, help='random plausible poses')
    ap.add_argument('--gpu-batch', type=int, default=25000, help='bodies in the GPU throughput run (CUDA only; HSMR converted 25k per batch)')
    ap.add_argument('--gpu-chunk', type=int, default=8192, help='bodies fitted at once on the GPU (bounds the memory)')
    args = ap.parse_args()
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    official = Path(args.official).resolve() if args.official else None
    if official is not None and not (official/'skel'/'alignment'/'aligner.py').is_file():
        sys.exit(f"error: {official} is not a SKEL checkout (no skel/alignment/aligner.py). Clone https://github.com/MarilynKeller/SKEL.")
    standin_folder()                                                        # generated once, outside the timings
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; official: "
          f"{'SkelFitter from ' + str(official) if official else 'its recipe rebuilt on hsmr'}", flush=True)
    inputs = {'walk': walk_motion()}
    if args.amass: inputs['cmu'] = amass_every_10th(args.amass)
    inputs['random'] = sample_smpl(args.n)
    for name, batch in inputs.items():
        print(json.dumps({name: compare(batch, official)}, indent=1), flush=True)
    if torch.cuda.is_available():
        n, chunk = args.gpu_batch, args.gpu_chunk
        g = Converter(device='cuda')
        b = {k: torch.as_tensor(v).cuda() for k, v in sample_smpl(n, seed=1).items()}
        with torch.no_grad():
            Vg = g.smpl(b['global_orient'], b['body_pose'], b['betas'], b['transl']).vertices
            betas = b['betas'] @ g.beta_A.t() + g.beta_b
            fit_skel(g.skel, Vg[:64], betas[:64], regressor=g.regressor)
            torch.cuda.synchronize(); t0 = time.perf_counter()
            m = torch.cat([fit_skel(g.skel, Vg[i:i + chunk], betas[i:i + chunk], regressor=g.regressor)['max_pve']
                           for i in range(0, n, chunk)])
            torch.cuda.synchronize(); t = time.perf_counter() - t0
        m = m.cpu().numpy()
        print(json.dumps({'gpu': {'device': torch.cuda.get_device_name(), 'batch': n, 'chunk': chunk, 'seconds': round(t, 2),
                                  'fits_per_second': round(n / t, 1), 'max_pve_median_mm': round(float(np.median(m)) * 1000, 1),
                                  'peak_memory_gb': round(torch.cuda.max_memory_allocated() / 2 ** 30, 1)}}, indent=1))


if __name__ == '__main__':
    main()
