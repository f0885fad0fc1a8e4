"""SKELify: hsmr.skelify (per-sample batched L-BFGS) against HSMR's refiner recipe (one shared L-BFGS), in one run.

Both fit the same synthetic cases (hsmr.skelify.synthetic_cases: stand-in SKEL bodies with moderate random poses
and shapes, 2 px keypoint noise, 10 % of the keypoints dropped), started from the same perturbed truth (a
network-like prediction, hsmr.skelify.perturb), with the same objective (hsmr.skelify.skelify_loss). The reference is
`skelify_shared`: one torch.optim.LBFGS over the whole batch on the batch-mean loss, strong-Wolfe line search,
history 100, the refiner's 10 outer steps x 20 inner iterations (HSMR `configs/pipeline/skelify-refiner.yaml`a, 4.4), on the full SKEL forward
(all 6890 skin vertices, then the keypoint map), as the original computes its keypoints.

Ours (`skelify`) runs by default on the keypoint-only forward (hsmr.keypoints.sparse_keypoints: the same SKEL forward,
posing only the skin vertices the keypoint map reads; equal keypoints). Two extra rows separate the two sources of
speed: ours on the full forward (the optimiser alone) and the shared recipe on the keypoint-only forward.

    python benchmarks/skelify.py [--n 64] [--seed 0] [--ftol 1e-3 5e-4] [--repeats 3]

Prints the machine load, samples per second (median over interleaved repeats), loss evaluations and batched calls,
the median / 90th percentile RMS reprojection error (px in the 256 px crop) and PA-MPJPE of the 44 keypoints
against the truth, and each row's speed relative to the reference. CPU only (the task's setting); timings on a
shared machine are noisy, which is why the methods are repeated interleaved and compared within one run.
"""
import argparse, json, os, statistics, sys, warnings
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.skel import SKEL
from hsmr.keypoints import KeypointMap, skel_keypoints, CROP_SIZE
from hsmr.metrics import pa_mpjpe
from hsmr.skelify import skelify, skelify_shared, synthetic_cases, perturb


def row(name, res, secs, case, skel, kp_map, n):
    with torch.no_grad(): kp3 = skel_keypoints(skel, kp_map, res['poses'], res['betas'])['kp3d']
    px = res['err_after'].sqrt() * CROP_SIZE
    pa = pa_mpjpe(kp3, case['kp3d'])
    return dict(method=name, seconds=round(statistics.median(secs), 2), samples_per_s=round(n / statistics.median(secs), 2),
                evals_per_sample=round(res['evals'] / n, 1), calls=res.get('calls', len(res.get('sample_curve', []))),
                median_px=round(float(px.median()), 3), p90_px=round(float(px.quantile(0.9)), 3),
                median_pa_mpjpe_mm=round(float(pa.median()), 1))


def load():
    try: return ' '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError: return 'n/a'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--ftol', type=float, nargs='+', default=[1e-3, 5e-4])
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    skel, kp_map = SKEL(), KeypointMap.from_smpl()
    case = synthetic_cases(skel, kp_map, a.n, seed=a.seed)
    init = perturb(case, seed=a.seed + 1)
    k = case['keypoints']
    methods = [(f'ours, per-sample L-BFGS, ftol {f:g}', lambda kk, ii, f=f: skelify(kk, ii, skel, kp_map, ftol=f)) for f in a.ftol]
    methods.append((f'ours, ftol {a.ftol[-1]:g}, full forward', lambda kk, ii: skelify(kk, ii, skel, kp_map, ftol=a.ftol[-1], keypoint_only=False)))
    methods.append(('original: shared L-BFGS 10 x 20', lambda kk, ii: skelify_shared(kk, ii, skel, kp_map)))
    methods.append(('shared L-BFGS 10 x 20, keypoint-only forward', lambda kk, ii: skelify_shared(kk, ii, skel, kp_map, keypoint_only=True)))
    small = {key: v[:4] for key, v in init.items()}
    for _, fit in methods: fit(k[:4], small)                                   # warm-up
    load_before = load()
    secs, res = [[] for _ in methods], [None] * len(methods)
    for _ in range(a.repeats):                                                 # interleaved repeats
        for i, (_, fit) in enumerate(methods):
            res[i] = fit(k, init)
            secs[i].append(res[i]['seconds'])
    rows = [row(name, r, s, case, skel, kp_map, a.n) for (name, _), r, s in zip(methods, res, secs)]
    ref = next(r for r in rows if r['method'].startswith('original'))
    for r in rows: r['speedup'] = round(r['samples_per_s'] / ref['samples_per_s'], 2)
    with torch.no_grad():
        kp = skel_keypoints(skel, kp_map, init['poses'], init['betas'])['kp3d']
    print(f"SKELify benchmark: {a.n} synthetic samples (2 px noise, 10 % dropped), CPU, torch threads {torch.get_num_threads()}, "
          f"{a.repeats} interleaved repeats (median); init median PA-MPJPE {float(pa_mpjpe(kp, case['kp3d']).median()):.1f} mm; "
          f"load average before {load_before}, after {load()}")
    cols = ['method', 'samples_per_s', 'speedup', 'evals_per_sample', 'calls', 'median_px', 'p90_px', 'median_pa_mpjpe_mm', 'seconds']
    w = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print('  '.join(c.ljust(x) for c, x in zip(cols, w)))
    for r in rows: print('  '.join(str(r[c]).ljust(x) for c, x in zip(cols, w)))
    print(json.dumps(rows))


if __name__ == '__main__':
    main()
