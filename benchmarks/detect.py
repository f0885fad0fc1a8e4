"""Images per second of hsmr.detect's MediaPipe backend on the photos of examples/images, against MediaPipe's own call.

Usage:  python benchmarks/detect.py [--repeats 5] [--frames 30]

Rows, each the median over --repeats rounds of all photos (the rounds of the rows interleaved, so that load from
other processes hits every row alike):
- peer: MediaPipe's legacy `mediapipe.solutions.pose.Pose(static_image_mode=True).process(photo)`, the landmarks
  read into a numpy array, nothing else;
- whole image: `detector(photo)`, the same call plus the input check, the mapping to our 44 keypoints and the box;
- one box: `detector(photo, [box])` with the box found on the whole photo: the crop (the box grown by 1.25), the
  same call on the crop, and the way back to full-image pixels;
- tracking: `load_detector('mediapipe', static_image_mode=False)` on --frames frames of a "video" (each photo
  shifted by 2 pixels a frame), frames per second.
`ratio` is the peer's time over ours (1: no overhead). Start-up is timed once, apart: importing hsmr.detect
(torch comes with hsmr.keypoints), importing mediapipe, building the detector (MediaPipe's graph), and its first call.
Needs `pip install -e ".[detect]"`. The last line is a JSON object with the numbers.
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PHOTOS = sorted((ROOT/'examples'/'images').glob('*.jpg'))


def seconds(fn):
    "Wall-clock seconds of one call of `fn`, and its result."
    t = time.perf_counter(); out = fn()
    return time.perf_counter() - t, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--frames', type=int, default=30, help='frames of the tracking-mode video made of each photo')
    a = ap.parse_args()
    startup = {}
    startup['import_hsmr_detect_s'], _ = seconds(lambda: __import__('hsmr.detect'))
    from hsmr.detect import load_detector
    from hsmr.cli import require, MissingDependency
    try: startup['import_mediapipe_s'], mp = seconds(lambda: require('mediapipe', 'detect', 'benchmarks/detect.py'))
    except MissingDependency as e: sys.exit(f"error: {e}")
    startup['load_detector_s'], detector = seconds(lambda: load_detector('mediapipe'))
    photos = [np.asarray(Image.open(p).convert('RGB')) for p in PHOTOS]
    startup['first_call_s'], _ = seconds(lambda: detector(photos[0]))
    boxes = [detector(p).boxes for p in photos]
    peer = mp.solutions.pose.Pose(static_image_mode=True)

    def run_peer():
        for p in photos:
            r = peer.process(p)
            if r.pose_landmarks: np.array([(l.x, l.y, l.visibility) for l in r.pose_landmarks.landmark])
    rows = {'peer: mediapipe Pose.process': run_peer,
            'hsmr whole image': lambda: [detector(p) for p in photos],
            'hsmr one box': lambda: [detector(p, b) for p, b in zip(photos, boxes)]}
    times = {k: [] for k in rows}
    for f in rows.values(): f()                                              # warm-up round
    for _ in range(a.repeats):
        for k, f in rows.items(): times[k].append(seconds(f)[0])
    tracker = load_detector('mediapipe', static_image_mode=False)
    track_times = []
    for p in photos:
        frames = [np.roll(p, 2 * t, axis=1) for t in range(a.frames)]
        tracker(frames[0])                                                   # the first frame runs the person detector
        track_times.append(seconds(lambda: [tracker(f) for f in frames[1:]])[0] / (a.frames - 1))
    detector.close(); tracker.close(); peer.close()

    load = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    sizes = sorted({f'{p.shape[1]}x{p.shape[0]}' for p in photos})
    print(f"mediapipe {mp.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, load average {load}; "
          f"{len(photos)} photos ({', '.join(sizes)}), {a.repeats} interleaved repeats")
    print('start-up: ' + ', '.join(f'{k[:-2]} {v:.2f} s' for k, v in startup.items()))
    peer_s = statistics.median(times['peer: mediapipe Pose.process']) / len(photos)
    print(f"{'row':32} {'ms/image':>9} {'images/s':>9} {'ratio':>6}")
    results = {}
    for k, t in times.items():
        s = statistics.median(t) / len(photos)
        results[k] = dict(ms_per_image=round(1e3 * s, 1), images_per_s=round(1 / s, 1), ratio=round(peer_s / s, 2))
        print(f"{k:32} {1e3 * s:9.1f} {1 / s:9.1f} {peer_s / s:6.2f}")
    s = statistics.median(track_times)
    results['hsmr tracking (video frames)'] = dict(ms_per_image=round(1e3 * s, 1), images_per_s=round(1 / s, 1))
    print(f"{'hsmr tracking (video frames)':32} {1e3 * s:9.1f} {1 / s:9.1f} {'':>6}")
    print(json.dumps(dict(mediapipe=mp.__version__, cpus=os.cpu_count(), load=load, photos=len(photos),
                          startup_s={k: round(v, 2) for k, v in startup.items()}, rows=results)))


if __name__ == '__main__':
    main()
