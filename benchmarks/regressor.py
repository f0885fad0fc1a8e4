"""Images per second of hsmr.regressor (inference and training steps), against the original's attention arithmetic.

Usage:  python benchmarks/regressor.py [--device cpu|cuda] [--models tiny vit_b vit_h] [--batch-sizes ...]
                                       [--repeats N] [--no-peer] [--compile]

For each model and batch size it times, on the same inputs:
- inference: `model(images)` in eval mode under torch.no_grad;
- training step: forward, a stand-in loss (squares of the outputs; the SKEL forward and keypoint losses are left
  out), backward and one AdamW step (lr 1e-5, weight decay 1e-4 as in HSMR), in train mode (stochastic depth on).
On CUDA both run under bfloat16 autocast (HSMR trains in 16-bit mixed precision); on the CPU in float32.

Peer: the same network with attention written out as softmax(q k^T / sqrt(d)) v, the arithmetic of the ViTPose/HMR2/
HSMR code, instead of F.scaled_dot_product_attention (flash / memory-efficient kernels). Ours and the peer run
interleaved (ours, peer, ours, ...) and times are medians, so load from other processes hits both alike; the ratio
column is peer time / our time (> 1: ours is faster).

Published anchor: HMR2.0's network (same ViT-H backbone and decoder head) takes "~32ms for a single forward pass on
an RTX 3090" (shubham-goel/4D-Humans#92); compare with the vit_h batch-1 inference row on a GPU.
Nothing is downloaded: weights are random, the images random normal crops.
"""
import argparse, contextlib, json, math, statistics, sys, time
from pathlib import Path
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hsmr.regressor import build_model, count_parameters

HMR2_FORWARD_MS_RTX3090 = 32.0   # shubham-goel/4D-Humans#92 (Pavlakos): "~32ms for a single forward pass on an RTX 3090"
_SDPA = F.scaled_dot_product_attention


def explicit_attention(q, k, v, *args, **kwargs):
    "softmax(q k^T / sqrt(d)) v with explicit matmuls, as the original ViTPose/HMR2 modules compute it."
    return torch.softmax((q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1), -1) @ v


@contextlib.contextmanager
def attention(fn):
    "Run with `F.scaled_dot_product_attention` replaced by `fn` (hsmr.regressor calls it through F)."
    F.scaled_dot_product_attention = fn
    try: yield
    finally: F.scaled_dot_product_attention = _SDPA


from _timing import sync, timed   # shared by the benchmark scripts


def make_step(model, opt, images, autocast, train, attn):
    "A callable running one inference (train=False) or one training step (train=True) with attention `attn`."
    def infer():
        with attention(attn), torch.no_grad(), autocast():
            model(images)
    def step():
        with attention(attn), autocast():
            out = model(images)
            loss = out.poses.square().mean() + out.betas.square().mean() + out.cam.square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step if train else infer


def bench(name, B, device, repeats, peer, compile_):
    "One row per mode (inference, train): img/s of ours and of the peer."
    torch.manual_seed(0)
    with torch.device(device): model = build_model(name)
    if compile_: model = torch.compile(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=1e-4)
    images = torch.randn(B, 3, 256, 256, device=device)
    autocast = ((lambda: torch.autocast('cuda', dtype=torch.bfloat16)) if device.type == 'cuda' else contextlib.nullcontext)
    rows = []
    for mode in ('inference', 'train'):
        model.train(mode == 'train')
        fns = [make_step(model, opt, images, autocast, mode == 'train', _SDPA)]
        if peer: fns.append(make_step(model, opt, images, autocast, mode == 'train', explicit_attention))
        try:
            if device.type == 'cuda':                                  # our peak memory, from one run alone
                torch.cuda.reset_peak_memory_stats(); fns[0](); sync(device)
                peak = torch.cuda.max_memory_allocated() / 2**30
            t = timed(fns, repeats, device, warmup=3 if device.type == 'cuda' else 1)
        except torch.cuda.OutOfMemoryError:
            rows.append(dict(model=name, mode=mode, batch=B, error='out of memory')); torch.cuda.empty_cache(); continue
        r = dict(model=name, mode=mode, batch=B, device=str(device), dtype='bf16' if device.type == 'cuda' else 'fp32',
                 ms=1e3 * t[0], img_s=B / t[0])
        if peer: r |= dict(peer_ms=1e3 * t[1], peer_img_s=B / t[1], ratio=t[1] / t[0])
        if device.type == 'cuda': r['peak_gib'] = peak
        rows.append(r)
    del model, opt
    if device.type == 'cuda': torch.cuda.empty_cache()
    return rows


def main():
    cuda = torch.cuda.is_available()
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda' if cuda else 'cpu')
    ap.add_argument('--models', nargs='+', default=None, help="default: vit_b vit_h on CUDA, tiny vit_b on the CPU")
    ap.add_argument('--batch-sizes', type=int, nargs='+', default=None,
                    help="default: 1 32 on CUDA; 8 for tiny and 2 for vit_b on the CPU")
    ap.add_argument('--repeats', type=int, default=None, help='timed runs per row (default 5 on CUDA, 3 on the CPU)')
    ap.add_argument('--no-peer', action='store_true', help='skip the explicit-attention peer (always skipped with --compile)')
    ap.add_argument('--compile', action='store_true', help='torch.compile the model first (slow to start)')
    a = ap.parse_args()
    device = torch.device(a.device)
    a.repeats = a.repeats or (5 if device.type == 'cuda' else 3)
    if device.type == 'cuda' and not cuda: sys.exit("error: --device cuda but torch.cuda.is_available() is False")
    models = a.models or (['vit_b', 'vit_h'] if device.type == 'cuda' else ['tiny', 'vit_b'])
    cpu_batch = {'tiny': [8], 'vit_b': [2], 'vit_h': [1]}
    rows = []
    for name in models:
        with torch.device('meta'): n_params = count_parameters(build_model(name))
        for B in a.batch_sizes or ([1, 32] if device.type == 'cuda' else cpu_batch[name]):
            for r in bench(name, B, device, a.repeats, not (a.no_peer or a.compile), a.compile):
                rows.append(r | dict(params_m=n_params / 1e6))
                print_row(r, n_params)
    gpu = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'
    print(f"\ndevice: {gpu}; torch {torch.__version__}; times are medians of {a.repeats} runs")
    h1 = [r for r in rows if r['model'] == 'vit_h' and r['mode'] == 'inference' and r['batch'] == 1 and 'ms' in r]
    if h1: print(f"vit_h batch-1 forward: {h1[0]['ms']:.1f} ms; HMR2.0 reports ~{HMR2_FORWARD_MS_RTX3090:.0f} ms on an RTX 3090")
    print(json.dumps(dict(device=gpu, rows=rows)))


_printed_header = False
def print_row(r, n_params):
    global _printed_header
    if not _printed_header:
        print(f"{'model':6} {'params':>7} {'mode':9} {'batch':>5} {'dtype':5} {'ms':>9} {'img/s':>8} {'peer ms':>9} {'peer/ours':>9} {'peak GiB':>8}")
        _printed_header = True
    if 'error' in r:
        print(f"{r['model']:6} {n_params / 1e6:6.1f}M {r['mode']:9} {r['batch']:5d} {r['error']}")
        return
    peer = f"{r['peer_ms']:9.1f} {r['ratio']:9.2f}" if 'ratio' in r else f"{'-':>9} {'-':>9}"
    mem = f"{r['peak_gib']:8.2f}" if 'peak_gib' in r else f"{'-':>8}"
    print(f"{r['model']:6} {n_params / 1e6:6.1f}M {r['mode']:9} {r['batch']:5d} {r['dtype']:5} {r['ms']:9.1f} {r['img_s']:8.2f} {peer} {mem}", flush=True)


if __name__ == '__main__':
    main()
