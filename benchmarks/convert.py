"""SMPL -> SKEL conversion: hsmr.convert against the official aligner's recipe, in one run.

The reference is SKEL's `skel/alignment` recipe (skel_spec.md 4.1-4.3) reimplemented on hsmr's SKEL: four stages
of torch L-BFGS with strong-Wolfe line search, 10 outer steps x 20 inner iterations each, the official masks, loss
weights and learning rates, started from the official seed (q = 0 but the pelvis from SMPL's global orientation,
betas = SMPL betas, trans = SMPL transl). Its bugs (skel_spec 4.4) do not apply: the stage settings are copied per
run, translations are cloned, nothing is drawn. Both fit the same stand-in SMPL bodies (male SMPL -> male SKEL).

    python benchmarks/convert.py [--n 64] [--n-ref 16] [--gpu-batch 25000]

Prints fits per second and the maxPVE distribution (median, 95th percentile, share over 6 cm) of both, and their
ratio. The reference is slow (about 800 L-BFGS evaluations), so by default it runs on the first 16 bodies; ours
runs on all of them (timed before and after the reference, the faster counts, as the machine's load may change) and
is also reported on those 16. With CUDA, ours is also timed at batch --gpu-batch.
"""
import argparse, json, math, sys, time, warnings
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.smpl2skel import Converter, anatomical_joints, fit_skel, max_pve, mean_pve, MAX_PVE_THRESHOLD

SMPL_SIGMA = {  # SMPL body joint (1..23) -> per-axis std (rad) of the plausible pose sampler
    'hip': (0.45, 0.2, 0.2), 'spine': (0.15, 0.1, 0.1), 'ankle': (0.2, 0.1, 0.1), 'foot': (0.05, 0.05, 0.05),
    'neck': (0.2, 0.15, 0.1), 'collar': (0.1, 0.1, 0.15), 'head': (0.2, 0.15, 0.1), 'shoulder': (0.3, 0.4, 0.4),
    'wrist': (0.2, 0.3, 0.2), 'hand': (0.05, 0.05, 0.05)}
SMPL_KIND = ['hip', 'hip', 'spine', 'knee_l', 'knee_r', 'spine', 'ankle', 'ankle', 'spine', 'foot', 'foot', 'neck',
             'collar', 'collar', 'head', 'shoulder', 'shoulder', 'elbow_l', 'elbow_r', 'wrist', 'wrist', 'hand', 'hand']


def sample_smpl(n, seed=0, extreme_share=0.125):
    "SMPL poses within plausible ranges (knees and elbows bend their own way), a share of them twice as wide."
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
    betas = torch.randn(n, 10, generator=g)
    transl = 0.3 * torch.randn(n, 3, generator=g)
    return go, bp.reshape(n, 69), betas, transl


# --- the official recipe (skel_spec 4.2-4.3) ---------------------------------------------------------------
OFFICIAL_STAGES = [  # (mode, lr, tolerance_change, l_verts_loose, l_joint, l_pose_loss, optimise trans)
    ('root_only', 1.0, 1e-4, 300., 0., 0., True),
    ('fixed_upper_limbs', 0.1, 1e-7, 600., 500., 1e-4, False),
    ('fixed_root', 0.1, 1e-7, 600., 1000., 1e-4, False),
    ('free', 0.1, 1e-7, 600., 1000., 1e-4, False)]
OFFICIAL_STEPS, OFFICIAL_MAX_ITER = 10, 20


def official_masks(lbs_weights):
    "Per mode: (vertex mask (V,), frozen q (46,), joint mask (24,)) as skel_spec 4.2 describes them."
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


def reference_fit(skel, V, Jt, global_orient, betas, transl, lbs_weights):
    "The official four-stage L-BFGS alignment of SKEL to SMPL vertices V (B, 6890, 3) and joints Jt (B, 24, 3)."
    B = V.shape[0]
    q = torch.zeros(B, 46)
    q[:, :3] = global_orient * torch.tensor([-1., 1., 1.])         # the official seed: axis-angle, x negated
    trans = transl.clone()
    masks = official_masks(lbs_weights)
    n_eval = 0
    for mode, lr, tol, l_v, l_j, l_p, opt_trans in OFFICIAL_STAGES:
        vmask, frozen, jmask = masks[mode]
        vm, jmk = vmask.float()[None, :, None], jmask.float()[None, :, None]
        q_start = q.detach().clone()
        q = q.detach().clone().requires_grad_(True)
        trans = trans.detach().clone().requires_grad_(opt_trans)
        params = [trans, q] if opt_trans else [q]
        opt = torch.optim.LBFGS(params, lr=lr, max_iter=OFFICIAL_MAX_ITER, tolerance_change=tol, line_search_fn='strong_wolfe')
        def closure():
            nonlocal n_eval
            opt.zero_grad()
            qq = torch.where(frozen, q_start, q)
            out = skel(qq, betas, trans, skelmesh=False)
            loss = l_v * (vm * (out.skin_verts - V) ** 2).sum() / (vmask.sum() * B)
            if l_j: loss = loss + l_j * (jmk * (out.joints - Jt) ** 2).mean()
            if l_p: loss = loss + l_p * torch.linalg.matrix_norm(qq[:, 3:], ord=2)
            loss.backward()
            n_eval += 1
            return loss
        for _ in range(OFFICIAL_STEPS): opt.step(closure)
        q = torch.where(frozen, q_start, q.detach())
    return q.detach(), trans.detach(), n_eval


def stats(m):
    m = np.asarray(m)
    return {'median_mm': round(float(np.median(m)) * 1000, 1), 'p95_mm': round(float(np.percentile(m, 95)) * 1000, 1),
            'share_over_6cm': round(float((m > MAX_PVE_THRESHOLD).mean()), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=64, help='bodies fitted by hsmr.convert')
    ap.add_argument('--n-ref', type=int, default=16, help='of those, bodies fitted by the official recipe (slow: about 10 s per body here)')
    ap.add_argument('--gpu-batch', type=int, default=25000, help='bodies in the GPU throughput run (CUDA only; HSMR converted 25k per batch)')
    ap.add_argument('--gpu-chunk', type=int, default=8192, help='bodies fitted at once on the GPU (bounds the memory)')
    args = ap.parse_args()
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    conv = Converter(smpl_gender='male', skel_gender='male')
    skel, smpl = conv.skel, conv.smpl
    go, bp, betas, transl = sample_smpl(args.n)
    with torch.no_grad():
        V = smpl(go, bp, betas, transl).vertices
        Jt = anatomical_joints(conv.regressor, V)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads; {args.n} stand-in SMPL bodies ({skel.model_file.parent})')

    fit_skel(skel, V[:2], betas[:2], joints=Jt[:2])                  # warm-up
    t0 = time.perf_counter()
    with torch.no_grad(): ours = fit_skel(skel, V, betas, joints=Jt)
    t_ours = time.perf_counter() - t0
    r = args.n_ref
    t0 = time.perf_counter()
    q_ref, tr_ref, n_eval = reference_fit(skel, V[:r], Jt[:r], go[:r], betas[:r], transl[:r], smpl.lbs_weights.detach())
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()                                          # ours again: the machine's load may have changed
    with torch.no_grad(): fit_skel(skel, V, betas, joints=Jt)
    t_ours = min(t_ours, time.perf_counter() - t0)
    t0 = time.perf_counter()                                          # and at the reference's batch size
    with torch.no_grad(): fit_skel(skel, V[:r], betas[:r], joints=Jt[:r])
    t_ours_r = time.perf_counter() - t0
    with torch.no_grad():
        ref_skin = skel(q_ref, betas[:r], tr_ref, skelmesh=False).skin_verts
    ref_m, ours_m = max_pve(ref_skin, V[:r]), ours['max_pve']
    res = {
        'reference': {'bodies': r, 'seconds': round(t_ref, 2), 'fits_per_second': round(r / t_ref, 3),
                      'closure_evaluations': n_eval, 'max_pve': stats(ref_m),
                      'mean_pve_median_mm': round(float(mean_pve(ref_skin, V[:r]).median()) * 1000, 1)},
        'ours': {'bodies': args.n, 'seconds': round(t_ours, 2), 'fits_per_second': round(args.n / t_ours, 2),
                 'iterations_mean': round(float(ours['iters'].float().mean()), 1),
                 'fits_per_second_at_reference_batch': round(r / t_ours_r, 2),
                 'max_pve': stats(ours_m), 'max_pve_on_reference_bodies': stats(ours_m[:r]),
                 'mean_pve_median_mm': round(float(ours['mean_pve'].median()) * 1000, 1)},
    }
    res['speedup'] = round(res['ours']['fits_per_second'] / res['reference']['fits_per_second'], 1)
    res['speedup_at_reference_batch'] = round(res['ours']['fits_per_second_at_reference_batch'] / res['reference']['fits_per_second'], 1)
    res['median_max_pve_diff_mm'] = round(res['ours']['max_pve_on_reference_bodies']['median_mm'] - res['reference']['max_pve']['median_mm'], 1)
    res['ours_better_or_equal_share'] = round(float((ours_m[:r] <= ref_m + 1e-3).float().mean()), 3)
    print(json.dumps(res, indent=1), flush=True)
    if torch.cuda.is_available():
        n, chunk = args.gpu_batch, args.gpu_chunk
        g = Converter(smpl_gender='male', skel_gender='male', device='cuda')
        go, bp, betas, transl = (x.cuda() for x in sample_smpl(n, seed=1))
        with torch.no_grad():
            Vg = g.smpl(go, bp, betas, transl).vertices
            fit_skel(g.skel, Vg[:64], betas[:64], regressor=g.regressor)
            torch.cuda.synchronize(); t0 = time.perf_counter()
            m = torch.cat([fit_skel(g.skel, Vg[i:i + chunk], betas[i:i + chunk], regressor=g.regressor)['max_pve']
                           for i in range(0, n, chunk)])
            torch.cuda.synchronize(); t = time.perf_counter() - t0
        print(json.dumps({'gpu': {'device': torch.cuda.get_device_name(), 'batch': n, 'chunk': chunk, 'seconds': round(t, 2),
                                  'fits_per_second': round(n / t, 1), 'max_pve': stats(m.cpu()),
                                  'peak_memory_gb': round(torch.cuda.max_memory_allocated() / 2 ** 30, 1)}}, indent=1))


if __name__ == '__main__':
    main()
