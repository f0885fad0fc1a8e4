"""Training items per second of hsmr.augment (synthetic) and hsmr.shards, per loader worker, against what one GPU's training step consumes.

Usage:  python benchmarks/data_loader.py [--items N] [--workers W] [--synthetic-n N] [--image-size H W] [--repeats R]

Sources timed (each item: crop, augmentation with HSMR's settings, normalisation, keypoints, both parameter sets):
- synthetic: SyntheticDataset over the cached rendered set (rendered first if missing; not timed);
- shards:    ShardDataset over a webdataset tar shard written here in the HMR2/HSMR format: `--image-size` JPEGs
             (default 480 x 640, quality 90) with two persons each, so JPEG decoding, unpickling and the filters count.
Per-worker rates are single-process, single-thread (as DataLoader workers run) medians over `--repeats`; with `--workers W > 0` a
torch DataLoader with W workers is timed as well.

The comparison: HSMR trains ViT-H at batch 78 per GPU, a step taking on the order of 0.3-0.5 s (the brief's
figure for A100/H100-class GPUs), i.e. up to 78 / 0.3 = 260 items/s per GPU, fed by 6 loader workers
(HSMR `configs/exp/hsmr/train.yaml`). `ratio` = (per-worker rate x 6) / 260: above 1 the loader keeps up with the GPU.
The last line is a JSON object with the numbers.
"""
import argparse, io, json, pickle, statistics, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.augment import SyntheticDataset, AUGM
from hsmr.shards import ShardDataset, write_shard
from hsmr.render import SIDES

GPU_ITEMS_PER_S = 78 / 0.3     # ViT-H, batch 78 per GPU, ~0.3 s per step at best (HSMR `configs/exp/hsmr/train.yaml`)
LOADER_WORKERS = 6             # HSMR's code workers per GPU


def crafted_shard(path, n_images, hw, seed=0):
    "A shard of `n_images` smooth random JPEGs of size hw with two plausible persons each."
    rng = np.random.default_rng(seed)
    H, W = hw
    samples = []
    for i in range(n_images):
        small = rng.random((H // 16, W // 16, 3))
        img = np.kron(small, np.ones((16, 16, 1)))[:H, :W]
        img = (np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1) * 255).astype(np.uint8)
        persons = []
        for j in range(2):
            c = np.array([W * (0.3 + 0.4 * j), H * 0.5])
            kp = np.concatenate([c + rng.normal(0, 60, (44, 2)), rng.uniform(0.5, 1, (44, 1))], 1)
            p = dict(center=c, scale=np.array([1.0, 1.6]), keypoints_2d=kp,
                     keypoints_3d=np.concatenate([rng.normal(0, 0.3, (44, 3)), np.ones((44, 1))], 1),
                     extra_info=dict(fitting_loss=dict(reprojection_loss=100.)))
            for s in SIDES:
                p.update({f'{s}_poses': rng.normal(0, 0.2, 46), f'{s}_betas': rng.normal(0, 0.5, 10),
                          f'{s}_has_poses': 1., f'{s}_has_betas': 1., f'{s}_pve_max': 0.02})
            persons.append(p)
        samples.append((f'{i:06d}', img, persons))
    return write_shard(path, samples)


def rate(make_iter, items, repeats):
    "Median items per second of taking `items` items from fresh iterators."
    out = []
    for _ in range(repeats):
        it = make_iter()
        t = time.perf_counter()
        for _ in range(items): next(it)
        out.append(items / (time.perf_counter() - t))
    return statistics.median(out)


def cycle_items(ds):
    "Endless items of a dataset (map-style: by index; iterable: restarted)."
    while True:
        yield from (ds[i] for i in range(len(ds))) if hasattr(ds, '__getitem__') and hasattr(ds, '__len__') else ds


def loader_rate(ds, workers, items, batch=16):
    "Items per second of a DataLoader with `workers` workers (first batch not timed: worker start-up)."
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=False)
    n, t = 0, None
    while n < items:
        for b in dl:
            if t is None: t = time.perf_counter(); continue
            n += len(b['id'])
            if n >= items: break
    return n / (time.perf_counter() - t)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--items', type=int, default=64, help='items timed per repeat')
    ap.add_argument('--repeats', type=int, default=3, help='repeats (median reported)')
    ap.add_argument('--workers', type=int, default=0, help='also time a DataLoader with this many workers (0: skip)')
    ap.add_argument('--synthetic-n', type=int, default=64, help='size of the synthetic set (rendered once, cached)')
    ap.add_argument('--image-size', type=int, nargs=2, default=(480, 640), metavar=('H', 'W'), help='shard image size')
    a = ap.parse_args(argv)
    torch.set_num_threads(1)       # as in a DataLoader worker (torch sets one thread per worker)
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    res = {}
    synth = SyntheticDataset(a.synthetic_n, split='all', augm=AUGM, progress=False)
    res['synthetic_items_per_s'] = rate(lambda: cycle_items(synth), a.items, a.repeats)
    with tempfile.TemporaryDirectory() as d:
        shard = crafted_shard(Path(d)/'000000.tar', max(a.items // 2 + 1, 8), tuple(a.image_size))
        shards = ShardDataset([shard])
        res['shard_items_per_s'] = rate(lambda: cycle_items(shards), a.items, a.repeats)
        if a.workers:
            res[f'synthetic_loader_{a.workers}w_items_per_s'] = loader_rate(synth, a.workers, 4 * a.items)
            res[f'shard_loader_{a.workers}w_items_per_s'] = loader_rate(ShardDataset([shard] * a.workers), a.workers, 4 * a.items)
    need = GPU_ITEMS_PER_S / LOADER_WORKERS
    print(f"need per worker (6 workers feeding {GPU_ITEMS_PER_S:.0f} items/s): {need:.1f} items/s")
    for k, v in res.items():
        per_worker = v / a.workers if 'loader' in k else v
        print(f"{k:40s} {v:8.1f} items/s   ratio {per_worker * LOADER_WORKERS / GPU_ITEMS_PER_S:5.2f}")
    res.update(need_per_worker=need, ratio_synthetic=res['synthetic_items_per_s'] / need,
               ratio_shards=res['shard_items_per_s'] / need, torch_threads=torch.get_num_threads())
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}))


if __name__ == '__main__':
    main()
