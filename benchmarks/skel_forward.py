"""Time hsmr.skel.SKEL's forward against body-models' SKEL on the same stand-in file and inputs, in one run.

Usage:  python benchmarks/skel_forward.py [--batch-sizes 1 64 256] [--repeats 15] [--device cpu|cuda] [--no-skelmesh]

Rows:
- skin+joints: ours `model(q, betas, trans, skelmesh=False)` (skin vertices, joints and joint orientations) against
  body-models `forward_vertices` + `forward_skeleton` (its skin and its joint transforms: two calls, as it has no
  single call giving both); the ratio against `forward_vertices` alone is printed as well.
- skeleton mesh: ours with `skelmesh=True` on the release-size stand-in skeleton (247,252 vertices); body-models has
  no skeleton mesh, so only our time is printed.
Times are medians of interleaved runs (ours, theirs, ours, ...) under torch.no_grad, so that load from other
processes hits both alike. body-models is `pip install body-models` (PyPI); its torch SKEL takes the .pkl file.
"""
import argparse, json, statistics, sys, tempfile, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.skel import SKEL
from hsmr.synthetic import write_models


from _timing import sync, timed   # shared by the benchmark scripts


def inputs(B, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, b, t = 0.2 * torch.randn(B, 46, generator=g), 0.5 * torch.randn(B, 10, generator=g), 0.1 * torch.randn(B, 3, generator=g)
    return q.to(device), b.to(device), t.to(device)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 64, 256])
    ap.add_argument('--skelmesh-batch-sizes', type=int, nargs='+', default=[1, 64, 256])
    ap.add_argument('--repeats', type=int, default=15)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--no-skelmesh', action='store_true', help='skip the release-size skeleton-mesh rows')
    ap.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s own choice)')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    try:
        import body_models.skel.torch as bm_skel
    except ImportError:
        sys.exit("error: body-models is not installed: pip install body-models")
    tmp = Path(tempfile.mkdtemp())
    small = write_models(tmp / 'small', seed=0, size='small') / 'skel_male.pkl'
    ours = SKEL(small, device=device)
    bm = bm_skel.SKEL(model_path=str(small), gender='male').to(device)
    load = ' '.join(Path('/proc/loadavg').read_text().split()[:3]) if Path('/proc/loadavg').is_file() else '?'
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, {a.repeats} interleaved repeats, load average {load}")
    print(f"{'B':>5} {'ours skin+joints':>17} {'bm verts+skel':>14} {'ratio':>6} {'bm verts only':>14} {'ratio':>6}")
    results = []
    with torch.no_grad():
        for B in a.batch_sizes:
            q, b, t = inputs(B, device)
            body, head = torch.cat([q[:, :23], q[:, 26:]], 1), q[:, 23:26]
            ref = bm.forward_vertices(body, head, shape=b, global_translation=t)
            err = (ours(q, b, t, skelmesh=False).skin_verts - ref).abs().max().item()
            t_ours, t_v, t_s = timed([lambda: ours(q, b, t, skelmesh=False),
                                      lambda: bm.forward_vertices(body, head, shape=b, global_translation=t),
                                      lambda: bm.forward_skeleton(body, head, shape=b, global_translation=t)], a.repeats, device, warmup=2)
            r = dict(B=B, ours_ms=1e3 * t_ours, bm_vertices_ms=1e3 * t_v, bm_skeleton_ms=1e3 * t_s,
                     ratio=t_ours / (t_v + t_s), ratio_vertices_only=t_ours / t_v, max_abs_diff_skin=err)
            results.append(r)
            print(f"{B:>5} {r['ours_ms']:>14.2f} ms {r['bm_vertices_ms'] + r['bm_skeleton_ms']:>11.2f} ms {r['ratio']:>6.2f} "
                  f"{r['bm_vertices_ms']:>11.2f} ms {r['ratio_vertices_only']:>6.2f}   (skin max |ours - bm| {err:.1e} m)")
        if not a.no_skelmesh:
            release = write_models(tmp / 'release', seed=0, size='release') / 'skel_male.pkl'
            big = SKEL(release, device=device)
            print(f"skeleton mesh, release size ({big.skel_template.shape[0]} vertices), ours only (body-models has none):")
            for B in a.skelmesh_batch_sizes:
                q, b, t = inputs(B, device)
                t_mesh, t_skin = timed([lambda: big(q, b, t, skelmesh=True), lambda: big(q, b, t, skelmesh=False)], 3, device, warmup=1)
                results.append(dict(B=B, ours_skelmesh_ms=1e3 * t_mesh, ours_skin_ms=1e3 * t_skin))
                print(f"{B:>5} with skeleton mesh {1e3 * t_mesh:>9.2f} ms   (skin+joints alone {1e3 * t_skin:.2f} ms)")
    print(json.dumps(dict(device=str(device), results=results)))


if __name__ == '__main__':
    main()
