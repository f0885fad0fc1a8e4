"""SKELify: hsmr.skelify (per-sample batched L-BFGS) against HSMR's refiner recipe (one shared L-BFGS), in one run.

Both fit the same synthetic cases (hsmr.skelify.synthetic_cases: stand-in SKEL bodies with moderate random poses
and shapes, 2 px keypoint noise, 10 % of the keypoints dropped), started from the same perturbed truth (a
network-like prediction, hsmr.skelify.perturb), with the same objective (hsmr.skelify.skelify_loss). Only the
optimiser differs. The reference is `skelify_shared`: one torch.optim.LBFGS over the whole batch on the batch-mean
loss, strong-Wolfe line search, history 100, the refiner's 10 outer steps x 20 inner iterations (hsmr_spec 4.3a, 4.4).

    python benchmarks/skelify.py [--n 64] [--seed 0] [--ftol 1e-3 3e-4]

Prints samples per second, loss evaluations per sample and the median / 90th percentile RMS reprojection error
(px in the 256 px crop) and PA-MPJPE of the 44 keypoints against the truth, and each row's speed relative to the
reference. CPU only (the task's setting); timings on a shared machine are noisy.
"""
import argparse, json, sys, time, warnings
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.skel import SKEL
from hsmr.keypoints import KeypointRegressor, skel_keypoints, CROP_SIZE
from hsmr.metrics import pa_mpjpe
from hsmr.skelify import skelify, skelify_shared, synthetic_cases, perturb


def row(name, res, case, skel, reg, n):
    with torch.no_grad(): kp3 = skel_keypoints(skel, reg, res['poses'], res['betas'])['kp3d']
    px = res['err_after'].sqrt() * CROP_SIZE
    pa = pa_mpjpe(kp3, case['kp3d'])
    return dict(method=name, seconds=round(res['seconds'], 2), samples_per_s=round(n / res['seconds'], 2),
                evals_per_sample=round(res['evals'] / n, 1), median_px=round(float(px.median()), 3),
                p90_px=round(float(px.quantile(0.9)), 3), median_pa_mpjpe_mm=round(float(pa.median()), 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--ftol', type=float, nargs='+', default=[1e-3, 3e-4])
    a = ap.parse_args()
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    skel, reg = SKEL(), KeypointRegressor.from_smpl()
    case = synthetic_cases(skel, reg, a.n, seed=a.seed)
    init = perturb(case, seed=a.seed + 1)
    rows = []
    for ftol in a.ftol:
        rows.append(row(f'ours, per-sample L-BFGS, ftol {ftol:g}', skelify(case['keypoints'], init, skel, reg, ftol=ftol),
                        case, skel, reg, a.n))
    ref = row('original: shared L-BFGS 10 x 20', skelify_shared(case['keypoints'], init, skel, reg), case, skel, reg, a.n)
    rows.append(ref)
    for r in rows: r['speedup'] = round(r['samples_per_s'] / ref['samples_per_s'], 2)
    with torch.no_grad():
        kp = skel_keypoints(skel, reg, init['poses'], init['betas'])['kp3d']
    print(f"SKELify benchmark: {a.n} synthetic samples (2 px noise, 10 % dropped), CPU, torch threads {torch.get_num_threads()}; "
          f"init median PA-MPJPE {float(pa_mpjpe(kp, case['kp3d']).median()):.1f} mm")
    cols = ['method', 'samples_per_s', 'speedup', 'evals_per_sample', 'median_px', 'p90_px', 'median_pa_mpjpe_mm', 'seconds']
    w = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print('  '.join(c.ljust(x) for c, x in zip(cols, w)))
    for r in rows: print('  '.join(str(r[c]).ljust(x) for c, x in zip(cols, w)))
    print(json.dumps(rows))


if __name__ == '__main__':
    main()
