"Timing helpers shared by the benchmark scripts (run them as `python benchmarks/<name>.py`)."
import statistics, time
import torch


def sync(device):
    "Wait for queued GPU work, so that wall-clock timings are honest."
    if torch.device(device).type == 'cuda': torch.cuda.synchronize()


def timed(fns, repeats, device, warmup=1):
    "Median seconds of each callable in `fns`, run interleaved after `warmup` rounds."
    for _ in range(warmup):
        for f in fns: f(); sync(device)
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, f in enumerate(fns):
            sync(device); t0 = time.perf_counter(); f(); sync(device)
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]
