"""Photo and video to SKEL on this machine: hsmr.predict's speed, and the temporal term's effect on a real motion.

Usage:  python benchmarks/predict.py [--repeats 2] [--walk /path/to/CMU_01_01.npz] [--frames 90]

- start-up: importing hsmr.predict, building the Predictor (SKEL, keypoint map) and MediaPipe, the first photo;
- photos: `predict_photo` (detect + SKELify from the mean pose, no overlay or meshes) on the six single-person photos of
  examples/images, images per second (median of --repeats rounds);
- video: `predict_frames` on a 30-frame clip that pans across a photo, frames per second;
- with --walk (CMU 01_01 from AMASS, in MarilynKeller/SKEL's examples/samples/amass_seq; not shipped): the first
  --frames frames at 30 fps rendered with the stand-in SMPL body seen from 3.6 m (60 degree lens, 640 x 480),
  fitted frame by frame and with the temporal term: jitter (mean joint acceleration, mm/frame^2, absolute and
  root-relative), median 2D error, frames per second; and the true motion's own jitter.

For scale, HSMR's own demo (its issue #16, on a GPU): detector start-up 6.7 s, 1.3 s per image for the detector,
0.08 s for the network. The last line is a JSON object with the numbers.
"""
import argparse, json, math, os, statistics, sys, time, warnings
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PHOTOS = ['standing.jpg', 'arms_up.jpg', 'warrior.jpg', 'squat.jpg', 'side_bend.jpg', 'lunge.jpg']


def render_walk(path, n):
    "The first `n` frames (30 fps) of an AMASS motion rendered with the stand-in SMPL; frames, focal, true joints."
    import torch
    from hsmr.smpl import SMPL
    from hsmr.render import render_parts
    from hsmr.camera import focal_from_fov
    z = np.load(path)
    step = max(1, round(float(z['mocap_framerate']) / 30))
    P = torch.as_tensor(z['poses'][::step][:n, :72], dtype=torch.float32); P[:, 66:] = 0   # SMPL+H: body joints only
    T = torch.as_tensor(z['trans'][::step][:n], dtype=torch.float32)
    smpl = SMPL(gender='neutral')
    with torch.no_grad(): out = smpl(P[:, :3], P[:, 3:72], torch.as_tensor(z['betas'][:10], dtype=torch.float32).expand(len(P), 10), T)
    a = math.radians(35)                                           # AMASS is z-up: the camera looks along +y, turned 35 deg
    Rz = torch.tensor([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1.]])
    R = torch.tensor([[1., 0, 0], [0, 0, -1], [0, 1, 0]]) @ Rz
    V, J = out.vertices @ R.T, out.joints[:, :24] @ R.T
    c = V.reshape(-1, 3).mean(0)
    shift = torch.tensor([-c[0], -c[1], 3.6 - c[2]])
    V, J = V + shift, J + shift
    W, H = 640, 480
    f = focal_from_fov(60., (W, H))
    faces = torch.as_tensor(np.asarray(smpl.faces, np.int64))
    bg = np.linspace(0.55, 0.8, H)[:, None, None] * np.array([0.85, 0.9, 1.0]) * np.ones((H, W, 3))
    skin = np.array([0.85, 0.65, 0.55])
    frames = []
    for i in range(len(V)):
        r = render_parts(V[i:i + 1], torch.zeros(1, 3), faces, torch.zeros(len(faces), dtype=torch.long), focal=f, image_hw=(H, W))
        img = np.where((r['part'][0] >= 0).numpy()[..., None], skin * (0.25 + 0.75 * r['shade'][0].numpy()[..., None]), bg)
        frames.append((img * 255).round().clip(0, 255).astype(np.uint8))
    return frames, f, J.numpy()


def fit_stats(rows, jitter):
    ok = [r for r in rows if r['status'] == 'ok']
    J, fr = np.stack([r['joints'] for r in ok]), [r['frame'] for r in ok]
    return dict(found=len(ok), jitter=round(jitter(J, fr), 2), jitter_rel=round(jitter(J - J[:, :1], fr), 2),
                err_px=round(float(np.nanmedian([r['fit_err_px'] for r in ok])), 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--walk', default=None, help='CMU_01_01.npz (AMASS) to measure the temporal term on a real motion')
    ap.add_argument('--frames', type=int, default=90, help='frames of the walk')
    a = ap.parse_args()
    warnings.filterwarnings('ignore')
    res = {}
    t = time.perf_counter()
    from hsmr.predict import Predictor, predict_photo, predict_frames, joint_jitter
    from hsmr.media import read_photo
    from hsmr.camera import image_focal
    res['import_s'] = round(time.perf_counter() - t, 2)
    t = time.perf_counter(); p = Predictor(); p.detector(); res['predictor_and_detector_s'] = round(time.perf_counter() - t, 2)
    out = Path(os.environ.get('TMPDIR', '/tmp'))/'hsmr_bench_predict'
    t = time.perf_counter()
    predict_photo(p, ROOT/'examples'/'images'/PHOTOS[0], PHOTOS[0], out, overlays=False, meshes=False)
    res['first_photo_s'] = round(time.perf_counter() - t, 2)
    rounds = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        for n in PHOTOS: predict_photo(p, ROOT/'examples'/'images'/n, n, out, overlays=False, meshes=False)
        rounds.append(time.perf_counter() - t)
    res['photos_per_s'] = round(len(PHOTOS) / statistics.median(rounds), 2)
    base = read_photo(ROOT/'examples'/'images'/'standing.jpg').image
    H, W = base.shape[:2]
    canvas = np.pad(base, ((0, 0), (64, 64), (0, 0)), mode='edge')
    clip = [(i, np.ascontiguousarray(canvas[:, 120 - 4 * i:120 - 4 * i + W])) for i in range(30)]
    t = time.perf_counter(); predict_frames(p, clip, (W, H), image_focal((W, H))[0])
    res['pan_clip_frames_per_s'] = round(len(clip) / (time.perf_counter() - t), 2)
    print(f"start-up {res['import_s'] + res['predictor_and_detector_s'] + res['first_photo_s']:.1f} s; photos {res['photos_per_s']} /s; "
          f"video {res['pan_clip_frames_per_s']} frames/s (2-core CPU; HSMR's demo on a GPU: 6.7 s start-up, 1.3 s per image)", flush=True)
    if a.walk:
        frames, f, J = render_walk(a.walk, a.frames)
        res['walk_true_jitter'] = round(joint_jitter(J), 2)
        for temporal in (False, True):
            t = time.perf_counter()
            r = predict_frames(p, list(enumerate(frames)), (frames[0].shape[1], frames[0].shape[0]), f, temporal=temporal)
            s = fit_stats(r['rows'], joint_jitter)
            s['frames_per_s'] = round(len(frames) / (time.perf_counter() - t), 2)
            res['walk_temporal' if temporal else 'walk_per_frame'] = s
            print(('temporal term ' if temporal else 'frame by frame') + f": {s}", flush=True)
        pf, tm = res['walk_per_frame'], res['walk_temporal']
        res['walk_jitter_ratio'] = round(tm['jitter'] / pf['jitter'], 3)
        res['walk_err_ratio'] = round(tm['err_px'] / pf['err_px'], 3)
        print(f"jitter x{res['walk_jitter_ratio']} (goal <= 0.5), 2D error x{res['walk_err_ratio']} (goal <= 1.1); "
              f"the true motion: {res['walk_true_jitter']} mm/frame^2")
    p.close()
    print(json.dumps(res))


if __name__ == '__main__': main()
