"""Milliseconds of one quickstart training step (`python -m hsmr.train`) on this machine, part by part, the former way
against the present one, in one run.

Usage:  python benchmarks/train_step.py [--repeats 15] [--threads 0]

The step is the quickstart's: 16 crops of the synthetic set (rendered first if missing; not timed), the 'mild'
augmentation, the tiny ViT, HSMR's losses, AdamW. Rows (medians of interleaved repeats, so that load from other
processes hits both alike):
- keypoints: SKEL and the keypoint map, forward and backward, for 16 bodies: the whole skin (`verts=True`) against
  only the vertices the keypoint map reads (`verts=False`, hsmr.keypoints.sparse_keypoints);
- adamw: one optimiser step of the network: torch's default AdamW against `fused=True`;
- grid: the 16 training items with the sampling grid from `F.affine_grid` against hsmr.augment's `_affine_grid`;
- items: the 16 training items made one at a time (as a DataLoader asks a dataset without `__getitems__`) against
  the whole batch at once (`SyntheticDataset.__getitems__`, hsmr.augment.augment_batch: the same items);
- stem: the network forward and backward on 16 crops, with the conv stem (`stem='conv'`) against the conv stem on
  2x2-averaged pixels (`stem='pool_conv'`);
- step: all of it (data, forward, losses, backward, AdamW), round 8's way (the conv stem, items one at a time)
  against round 11's (`pool_conv`, the batch at once), both with the present network;
- muon: the present network's step with AdamW (the optimiser of rounds 1 to 11) against the present quickstart's
  `optimizer='muon'` (hsmr.train.MuonAdamW: Muon on the weight matrices of the ViT's blocks and the head's decoder
  layers and on the stem's filter banks but the first, AdamW on the rest);
- head: round 12's quickstart step (a head 256 wide with 8 heads and an FFN of 512, Muon on the ViT's blocks only)
  against the present one (a head 128 wide with 8 heads of 32 and an FFN of 256, Muon on its matrices too);
- round15: round 13's quickstart step (the head's 4 heads; Muon on the blocks' and the head's matrices only) against
  the present one (8 heads; Muon on the stem's filter banks but the first as well; 14_train, round 15);
- iteration: Muon's step alone (its 44 matrices' Newton-Schulz iterations, batched by shape) in float32 (rounds 12 to 17)
  against `muon_dtype='auto'` (bfloat16 on a CPU with bf16 units, `hsmr.train.native_bf16`; float32 elsewhere, so
  there the two are the same);
- muon_dtype: the present step, Muon's iteration in float32 against 'auto' (14_train, round 18).
`--batch-sizes 16,24,32` adds the present step at each batch size (interleaved): milliseconds per step and per crop,
to see whether larger batches would show the network more crops in the same time (14_train, round 10).
The last line is a JSON object with the numbers. CPU only, as the quickstart runs; `--threads 0` keeps torch's default.
"""
import argparse, itertools, json, sys, warnings
from pathlib import Path
import torch
import torch.nn.functional as F
from torch.utils.data import default_collate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings('ignore')
import hsmr.augment as augment
from hsmr.train import make_config, model_overrides, loss_weights, batch_losses, _train_data, EpochSampler, make_optimizer, MuonAdamW, muon_parameters
from hsmr.regressor import build_model, infer
from hsmr.keypoints import KeypointMap, skel_keypoints
from hsmr.skel import SKEL
from hsmr.render import pelvis_frame

from _timing import timed   # shared by the benchmark scripts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=15)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--batch-sizes', default='', help='comma-separated batch sizes to time the present step at, e.g. 16,24,32')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = make_config('quickstart')
    skel, kp_map = SKEL(), KeypointMap.from_smpl('male')
    frame, w = pelvis_frame(skel), loss_weights(cfg)
    ds = _train_data(cfg, skel, 0, 1, False)
    order = itertools.cycle(EpochSampler(len(ds), cfg.batch_size, cfg.seed, 0, 0, 0, 1))   # the quickstart's batches
    def one_by_one(): return default_collate([ds[i] for i in next(order)])
    def batched(): return default_collate(ds.__getitems__(next(order)))
    models = {stem: build_model(cfg.model, **model_overrides(make_config('quickstart', [f'stem={stem}']))).train()
              for stem in ('conv', 'pool_conv')}
    model = models[cfg.stem]
    opts = {f: torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=cfg.weight_decay, fused=f) for f in (False, True)}
    step_opts = {s: torch.optim.AdamW(m.parameters(), lr=1e-5, weight_decay=cfg.weight_decay, fused=True) for s, m in models.items()}
    muon_model = build_model(cfg.model, **model_overrides(cfg)).train()
    muon_opt = make_optimizer(muon_model, make_config('quickstart', ['optimizer=muon']))
    f32_model = build_model(cfg.model, **model_overrides(cfg)).train()
    f32_opt = make_optimizer(f32_model, make_config('quickstart', ['muon_dtype=float32']))
    muon_grads = [torch.randn_like(p) for p in muon_parameters(muon_model)]
    r12 = make_config('quickstart', ['head_dim=0', 'head_heads=8', 'head_mlp=0'])   # round 12's head: the tiny model's width and FFN
    r12_model = build_model(r12.model, **model_overrides(r12)).train()
    r12_opt = MuonAdamW(r12_model, [p for p in r12_model.backbone.blocks.parameters() if p.ndim == 2], cfg.lr, cfg.weight_decay, fused=True)
    r13 = make_config('quickstart', ['head_heads=4'])   # round 13's head: 4 heads of 32
    r13_model = build_model(r13.model, **model_overrides(r13)).train()
    r13_opt = MuonAdamW(r13_model, [p for p in muon_parameters(r13_model) if p.ndim == 2], cfg.lr, cfg.weight_decay, fused=True)   # without the stem's banks
    grid_now = augment._affine_grid
    grid_before = lambda th, size: F.affine_grid(th, (th.shape[0], 1, *size), align_corners=True)
    q = (0.2 * torch.randn(16, 46)).requires_grad_()
    b, cam = torch.zeros(16, 10), torch.tensor([[0.8, 0., 0.]]).expand(16, 3)
    imgs = batched()['img']

    def keypoints(verts): skel_keypoints(skel, kp_map, q, b, cam, verts=verts)['kp2d'].sum().backward()
    def adamw(fused):
        for p in model.parameters(): p.grad = torch.full_like(p, 1e-4)
        opts[fused].step(); opts[fused].zero_grad()
    def grid(g):
        augment._affine_grid = g
        try: batched()
        finally: augment._affine_grid = grid_now
    def stem(s):
        m = models[s]; m(imgs).poses.sum().backward(); m.zero_grad()
    def train_step(m, o, bt):
        out, k = infer(m, bt['img'], skel, kp_map, verts=False)
        batch_losses(out, k, bt, frame, w)['loss'].backward()
        o.step(); o.zero_grad()
    def quickstart_step(s, bt): train_step(models[s], step_opts[s], bt)
    def iteration(m, o):
        for p, g in zip(muon_parameters(m), muon_grads): p.grad = g.clone()
        o.muon.step(); o.zero_grad()
    def step(now): quickstart_step('pool_conv', batched()) if now else quickstart_step('conv', one_by_one())

    rows = {}
    for name, before, now in (('keypoints', lambda: keypoints(True), lambda: keypoints(False)),
                              ('adamw', lambda: adamw(False), lambda: adamw(True)),
                              ('grid', lambda: grid(grid_before), lambda: grid(grid_now)),
                              ('items', one_by_one, batched),
                              ('stem', lambda: stem('conv'), lambda: stem('pool_conv')),
                              ('step', lambda: step(False), lambda: step(True)),
                              ('muon', lambda: quickstart_step('pool_conv', batched()), lambda: train_step(muon_model, muon_opt, batched())),
                              ('head', lambda: train_step(r12_model, r12_opt, batched()), lambda: train_step(muon_model, muon_opt, batched())),
                              ('round15', lambda: train_step(r13_model, r13_opt, batched()), lambda: train_step(muon_model, muon_opt, batched())),
                              ('iteration', lambda: iteration(f32_model, f32_opt), lambda: iteration(muon_model, muon_opt)),
                              ('muon_dtype', lambda: train_step(f32_model, f32_opt, batched()), lambda: train_step(muon_model, muon_opt, batched()))):
        tb, tn = timed([before, now], a.repeats, 'cpu', warmup=2)
        rows[name] = dict(before_ms=round(tb * 1e3, 1), now_ms=round(tn * 1e3, 1), ratio=round(tb / tn, 2))
        print(f"{name:10s} before {tb * 1e3:7.1f} ms   now {tn * 1e3:7.1f} ms   {tb / tn:5.2f}x", flush=True)
    if a.batch_sizes:
        sizes = [int(b) for b in a.batch_sizes.split(',')]
        def sized_step(bs):
            order_b = itertools.cycle(EpochSampler(len(ds), bs, cfg.seed, 0, 0, 0, 1))
            return lambda: quickstart_step(cfg.stem, default_collate(ds.__getitems__(next(order_b))))
        ts = timed([sized_step(bs) for bs in sizes], a.repeats, 'cpu', warmup=2)
        rows['batch_sizes'] = {bs: dict(step_ms=round(t * 1e3, 1), crop_ms=round(t * 1e3 / bs, 2)) for bs, t in zip(sizes, ts)}
        for bs, t in zip(sizes, ts): print(f"batch {bs:3d}  {t * 1e3:7.1f} ms a step   {t * 1e3 / bs:5.2f} ms a crop", flush=True)
    print(json.dumps(dict(threads=torch.get_num_threads(), repeats=a.repeats, iteration_dtype=str(muon_opt.muon.iteration_dtype(torch.device('cpu'))), **rows)))


if __name__ == '__main__':
    main()
