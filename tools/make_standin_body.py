"""Build the stand-in body mesh `data/standin_body.npz` that `hsmr.synthetic` ships (run once; commit the result).

    python tools/make_standin_body.py [--out data/standin_body.npz] [--grid 0.0045] [--reorder FILE]

How: an implicit body (smoothly joined round cones and ellipsoids along a stick skeleton, SMPL T-pose, metres)
is meshed on its left half (x >= 0) with marching cubes, decimated by shortest-relative-edge collapses (a sizing
field keeps the hands, face and feet finer) to exactly the vertex count that gives 6890 vertices after mirroring,
edge-flipped, relaxed, projected back onto the implicit surface, mirrored about x = 0 and welded on the midline. The result is
a closed, genus-0, outward-oriented triangle mesh with 6890 vertices and 13776 faces, exactly symmetric. Finally
the vertices are ordered so that the ids SMPL-based code hard-codes (keypoint vertices, SKEL's bone-scale pairs)
sit on the body parts they name.

Dev-only dependency: scikit-image (marching cubes); numpy otherwise. Takes about five minutes on 2 cores.
`--reorder FILE` only renumbers an existing body (seconds), for changes to the vertex roles. Both write the body
alone: run `--skin` afterwards.

    python tools/make_standin_body.py --skin [--poses 384] [--rounds 3]

learns the stand-in SKEL's skinning weights from the stand-in SMPL, the way the real SKEL's were learned from SMPL
(Keller et al. 2023), and adds them to the body file as `skel_skin_weights` (6890, 24). It poses SMPL (male, random
shapes) in `--poses` plausible poses drawn joint by joint (`plausible_smpl_poses`; no recorded motion), then
alternates: fit SKEL to every body with hsmr's converter, and solve for each vertex the weights over its six
nearest SKEL bones (non-negative, summing to one) that reproduce its SMPL positions best over all poses. It starts
from distance weights over SKEL's bones. Needs the repository's `hsmr` (imported from this checkout); about five
minutes on 2 cores.
"""
import argparse, heapq, sys, tempfile, time
from pathlib import Path
import numpy as np

# ---------------------------------------------------------------- the implicit body (left side, x >= 0)

def ellipsoid(c, r):
    c, r = np.asarray(c, float), np.asarray(r, float)
    def f(p):
        q = (p - c) / r
        k0 = np.linalg.norm(q, axis=-1); k1 = np.linalg.norm(q / r, axis=-1)
        return k0 * (k0 - 1) / np.maximum(k1, 1e-12)
    return f

def cone(a, b, ra, rb):
    a, b = np.asarray(a, float), np.asarray(b, float); ba = b - a; L2 = ba @ ba
    def f(p):
        t = np.clip(((p - a) @ ba) / L2, 0, 1)
        return np.linalg.norm(p - a - t[..., None] * ba, axis=-1) - (ra + t * (rb - ra))
    return f

PARTS = [  # (primitive, smooth-union radius k in metres), on the subject's left (x > 0) and the midline
    (ellipsoid((0, 0.10, -0.005), (0.17, 0.17, 0.12)), 0),           # chest
    (ellipsoid((0, 0.195, -0.02), (0.165, 0.07, 0.09)), 0.03),       # shoulder girdle
    (ellipsoid((0, -0.09, 0.0), (0.15, 0.15, 0.11)), 0.04),          # waist
    (ellipsoid((0, -0.12, 0.03), (0.12, 0.11, 0.08)), 0.03),         # belly
    (ellipsoid((0, -0.28, -0.01), (0.175, 0.12, 0.115)), 0.04),      # hips
    (ellipsoid((0.065, -0.33, -0.05), (0.085, 0.09, 0.075)), 0.03),  # buttock
    (ellipsoid((0.07, 0.12, 0.06), (0.07, 0.06, 0.05)), 0.03),       # pectoral
    (cone((0, 0.24, -0.02), (0, 0.37, -0.01), 0.062, 0.052), 0.03),  # neck
    (cone((0.03, 0.27, -0.03), (0.15, 0.235, -0.025), 0.04, 0.04), 0.03),  # trapezius
    (ellipsoid((0, 0.465, -0.005), (0.077, 0.10, 0.097)), 0.03),    # skull
    (ellipsoid((0, 0.405, 0.03), (0.06, 0.065, 0.07)), 0.03),        # face and jaw
    (ellipsoid((0, 0.36, 0.062), (0.03, 0.025, 0.03)), 0.015),       # chin
    (cone((0, 0.46, 0.085), (0, 0.428, 0.116), 0.010, 0.013), 0.008),  # nose
    (ellipsoid((0.078, 0.44, -0.01), (0.013, 0.03, 0.018)), 0.006),  # ear
    (ellipsoid((0.175, 0.225, -0.02), (0.06, 0.055, 0.055)), 0.03),  # deltoid
    (cone((0.17, 0.23, -0.02), (0.415, 0.225, -0.03), 0.052, 0.039), 0.02),   # upper arm
    (cone((0.415, 0.225, -0.03), (0.655, 0.225, -0.03), 0.038, 0.026), 0.015),  # forearm
    (ellipsoid((0.48, 0.225, -0.03), (0.09, 0.034, 0.042)), 0.02),  # forearm muscles
    (ellipsoid((0.705, 0.222, -0.032), (0.055, 0.016, 0.042)), 0.012),  # palm
    (cone((0.75, 0.222, 0.0), (0.825, 0.22, 0.0), 0.0095, 0.008), 0.006),     # index finger
    (cone((0.755, 0.222, -0.02), (0.84, 0.22, -0.02), 0.0095, 0.008), 0.006),  # middle finger
    (cone((0.75, 0.222, -0.04), (0.83, 0.22, -0.04), 0.0095, 0.008), 0.006),   # ring finger
    (cone((0.745, 0.222, -0.058), (0.805, 0.22, -0.058), 0.009, 0.0075), 0.006),  # little finger
    (cone((0.67, 0.215, 0.005), (0.745, 0.21, 0.045), 0.013, 0.009), 0.008),   # thumb
    (cone((0.09, -0.30, 0.005), (0.105, -0.69, 0.01), 0.09, 0.053), 0.03),    # thigh
    (ellipsoid((0.10, -0.69, 0.015), (0.052, 0.055, 0.052)), 0.02),  # knee
    (cone((0.10, -0.69, 0.01), (0.085, -1.06, -0.03), 0.05, 0.033), 0.02),    # shank
    (ellipsoid((0.098, -0.82, -0.02), (0.048, 0.10, 0.05)), 0.02),  # calf
    (ellipsoid((0.085, -1.075, -0.03), (0.036, 0.036, 0.036)), 0.015),  # ankle
    (cone((0.085, -1.11, -0.055), (0.10, -1.115, 0.09), 0.033, 0.03), 0.015),  # foot
    (ellipsoid((0.095, -1.105, 0.03), (0.042, 0.03, 0.09)), 0.015),  # instep
    (cone((0.085, -1.12, 0.10), (0.083, -1.122, 0.152), 0.018, 0.014), 0.008),  # big toe
    (cone((0.115, -1.123, 0.09), (0.125, -1.125, 0.125), 0.014, 0.011), 0.008),  # small toes
]
TIPS = {  # toe, heel and fingertip primitives (left side): the tip point and the direction it points to
    'big_toe': ((0.083, -1.122, 0.152), (0, 0, 1)), 'small_toe': ((0.125, -1.125, 0.125), (0, 0, 1)),
    'heel': ((0.085, -1.12, -0.055), (0, -0.3, -1)),
    'thumb': ((0.745, 0.21, 0.045), (0.7, 0, 0.7)), 'index': ((0.825, 0.22, 0.0), (1, 0, 0)),
    'middle': ((0.84, 0.22, -0.02), (1, 0, 0)), 'ring': ((0.83, 0.22, -0.04), (1, 0, 0)),
    'pinky': ((0.805, 0.22, -0.058), (1, 0, 0)),
}


def smin(a, b, k):
    if k <= 0: return np.minimum(a, b)
    h = np.maximum(k - np.abs(a - b), 0) / k
    return np.minimum(a, b) - h * h * k / 4


def sdf(p):
    "Approximate signed distance (negative inside) of the body at points p (..., 3); symmetric in x."
    p = np.asarray(p, float); p = np.concatenate([np.abs(p[..., :1]), p[..., 1:]], -1)
    d = PARTS[0][0](p)
    for f, k in PARTS[1:]: d = smin(d, f(p), k)
    return d


def grad(p, h=1e-4):
    g = np.stack([(sdf(p + e) - sdf(p - e)) / (2 * h) for e in np.eye(3) * h], -1)
    return g


def project(p, keep_plane=None, iters=4):
    "Move points p (n, 3) onto the zero level set along the gradient; rows in keep_plane stay at x = 0."
    p = p.copy()
    for _ in range(iters):
        g = grad(p)
        if keep_plane is not None: g[keep_plane, 0] = 0
        p -= (sdf(p) / np.maximum((g * g).sum(-1), 1e-12))[:, None] * g
        if keep_plane is not None: p[keep_plane, 0] = 0
    return p

# ---------------------------------------------------------------- meshing the left half

def half_mesh(h):
    from skimage.measure import marching_cubes
    xs = np.arange(0, 0.87, h); ys = np.arange(-1.17, 0.59, h); zs = np.arange(-0.17, 0.20, h)
    vol = np.empty((len(xs), len(ys), len(zs)), np.float32)
    Y, Z = np.meshgrid(ys, zs, indexing='ij')
    for i, x in enumerate(xs):
        vol[i] = sdf(np.stack([np.full_like(Y, x), Y, Z], -1))
    v, f, _, _ = marching_cubes(vol, 0.0, spacing=(h, h, h))
    v = v + (xs[0], ys[0], zs[0])
    v[np.abs(v[:, 0]) < 1e-9, 0] = 0.0
    return v, f.astype(np.int64)


def sizing(p):
    "Target edge length (metres) at points p (..., 3): finer on hands, face, ears and feet."
    x, y, z = np.abs(p[..., 0]), p[..., 1], p[..., 2]
    s = np.full(x.shape, 0.024)
    s = np.where(y > 0.30, 0.014, s)                                    # head and neck
    s = np.where((y > 0.38) & (z > 0.02), 0.009, s)                     # face
    s = np.where((y > 0.40) & (x > 0.06), 0.008, s)                     # ears
    s = np.where(x > 0.60, 0.0075, s)                                    # hands
    s = np.where(y < -1.02, 0.011, s)                                   # feet
    return s


class Decimator:
    "Edge collapses on a half mesh whose open boundary lies on the plane x = 0."

    def __init__(self, V, F):
        self.V = V.astype(float).copy(); self.F = F.copy(); self.alive = np.ones(len(F), bool)
        self.vf = [set() for _ in range(len(V))]
        for i, f in enumerate(F):
            for v in f: self.vf[v].add(i)
        edges = {}
        for f in F:
            for a, b in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0])):
                e = (min(a, b), max(a, b)); edges[e] = edges.get(e, 0) + 1
        assert max(edges.values()) == 2
        self.bnd = np.zeros(len(V), bool)
        for (a, b), c in edges.items():
            if c == 1: self.bnd[a] = self.bnd[b] = True
        assert np.all(self.V[self.bnd, 0] == 0), 'boundary off the midline plane'
        self.vdead = np.zeros(len(V), bool); self.stamp = np.zeros(len(V), int)
        self.heap = []
        for a, b in edges: self.push(a, b)

    def nbrs(self, v):
        return set(self.F[list(self.vf[v])].ravel()) - {v}

    def cost(self, a, b):
        m = (self.V[a] + self.V[b]) / 2
        return np.linalg.norm(self.V[a] - self.V[b]) / sizing(m)

    def push(self, a, b):
        heapq.heappush(self.heap, (self.cost(a, b), a, b, self.stamp[a], self.stamp[b]))

    def count(self):
        n = (~self.vdead).sum(); nb = (self.bnd & ~self.vdead).sum()
        return 2 * (n - nb) + nb                                   # vertices after mirroring

    def try_collapse(self, a, b):
        V, F = self.V, self.F
        shared = self.vf[a] & self.vf[b]
        if not shared: return False
        ba, bb = self.bnd[a], self.bnd[b]
        bnd_edge = len(shared) == 1
        if ba and bb and not bnd_edge: return False              # a chord between two boundary vertices
        if bb and not ba: a, b = b, a
        p = (V[a] + V[b]) / 2 if (ba == bb) else V[a].copy()
        if bnd_edge: p[0] = 0.0
        opp = set(F[list(shared)].ravel()) - {a, b}
        if self.nbrs(a) & self.nbrs(b) != opp: return False      # link condition
        if len(self.nbrs(a) | self.nbrs(b)) < 4: return False
        for fi in (self.vf[a] | self.vf[b]) - shared:             # no flipped or sliver triangles
            f = F[fi]; q = V[f]; n0 = np.cross(q[1] - q[0], q[2] - q[0])
            q = q.copy(); q[(f == a) | (f == b)] = p
            n1 = np.cross(q[1] - q[0], q[2] - q[0])
            q0 = np.linalg.norm(n0) / np.linalg.norm(V[f] - V[f][[1, 2, 0]], axis=1).max() ** 2
            q1 = np.linalg.norm(n1) / np.linalg.norm(q - q[[1, 2, 0]], axis=1).max() ** 2
            if n0 @ n1 <= 0.2 * np.linalg.norm(n0) * np.linalg.norm(n1) or (q1 < 0.05 and q1 < q0): return False
        V[a] = p; self.bnd[a] = ba or bb
        for fi in shared:
            self.alive[fi] = False
            for w in F[fi]: self.vf[w].discard(fi)
        for fi in self.vf[b]:
            F[fi][F[fi] == b] = a; self.vf[a].add(fi)
        self.vf[b] = set(); self.vdead[b] = True
        self.stamp[a] += 1; self.stamp[b] += 1
        for w in self.nbrs(a): self.push(a, w)
        return True

    def run(self, target):
        n = self.count()
        while n > target:
            before = n
            while n > target and self.heap:
                c, a, b, sa, sb = heapq.heappop(self.heap)
                if self.vdead[a] or self.vdead[b] or sa != self.stamp[a] or sb != self.stamp[b]: continue
                if n - target == 1 and not (self.bnd[a] and self.bnd[b]): continue   # the last step must remove one
                if self.try_collapse(a, b): n = self.count()
            if n > target:                          # refused edges were dropped: queue every edge again
                assert n < before, f'stuck at {n} vertices'
                for f in self.F[self.alive]:
                    for a, b in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0])):
                        self.push(a, b)

    def result(self):
        keep = ~self.vdead; idx = np.cumsum(keep) - 1
        return self.V[keep], idx[self.F[self.alive]], self.bnd[keep]


def min_angle(P):
    "Smallest angle (radians) of triangles P (..., 3, 3)."
    e = [P[..., (k + 1) % 3, :] - P[..., k, :] for k in range(3)]
    cos = lambda a, b: (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-18)
    return np.arccos(np.clip(np.stack([cos(e[0], -e[2]), cos(e[1], -e[0]), cos(e[2], -e[1])]), -1, 1)).min(0)


def flip_edges(V, F, passes=3):
    "Flip interior edges where that raises the smallest angle of the two triangles and keeps the surface in place."
    F = F.copy()
    for _ in range(passes):
        ef = {}
        for fi, f in enumerate(F):
            for k in range(3): ef.setdefault(frozenset((f[k], f[(k + 1) % 3])), []).append(fi)
        val = np.bincount(F.ravel(), minlength=len(V)); touched = set(); flips = 0
        for e, fs in ef.items():
            if len(fs) != 2 or fs[0] in touched or fs[1] in touched: continue
            f1 = list(F[fs[0]]); k = next(k for k in range(3) if frozenset((f1[k], f1[(k + 1) % 3])) == e)
            u, v, c = f1[k], f1[(k + 1) % 3], f1[(k + 2) % 3]
            d = next(w for w in F[fs[1]] if w not in e)
            if frozenset((c, d)) in ef or val[u] <= 4 or val[v] <= 4: continue
            old, new = V[[[u, v, c], [v, u, d]]], V[[[u, d, c], [d, v, c]]]
            n_old = np.cross(old[:, 1] - old[:, 0], old[:, 2] - old[:, 0]); n_new = np.cross(new[:, 1] - new[:, 0], new[:, 2] - new[:, 0])
            n_old /= np.linalg.norm(n_old, axis=1, keepdims=True); n_new /= np.linalg.norm(n_new, axis=1, keepdims=True) + 1e-18
            if n_old[0] @ n_old[1] < 0.94 or (n_new @ n_old.T).min() < 0.8: continue     # only nearly flat pairs
            if min_angle(new).min() <= min_angle(old).min() + 1e-3: continue
            F[fs[0]], F[fs[1]] = (u, d, c), (d, v, c)
            val[[u, v]] -= 1; val[[c, d]] += 1; touched.update(fs); flips += 1
        if not flips: break
    return F


def relax(V, F, bnd, iters=6, lam=0.5):
    "Tangential smoothing weighted by the sizing field, then projection back onto the surface."
    n = len(V)
    for _ in range(iters):
        E = np.concatenate([F[:, [0, 1]], F[:, [1, 2]], F[:, [2, 0]]])
        E = np.concatenate([E, E[:, ::-1]])
        if bnd.any():   # boundary vertices move only along the boundary
            keep = ~bnd[E[:, 0]] | (bnd[E[:, 0]] & bnd[E[:, 1]])
            E = E[keep]
        s = sizing(V)
        w = 1 / s[E[:, 1]] ** 2
        acc = np.zeros((n, 3)); ws = np.zeros(n)
        np.add.at(acc, E[:, 0], V[E[:, 1]] * w[:, None]); np.add.at(ws, E[:, 0], w)
        target = acc / ws[:, None]
        g = grad(V); g /= np.linalg.norm(g, axis=1, keepdims=True)
        d = target - V; d -= (d * g).sum(1, keepdims=True) * g
        V = V + lam * d
        V[bnd, 0] = 0
        V = project(V, keep_plane=bnd)
    return V

# ---------------------------------------------------------------- mirroring and vertex order


def mirror_weld(V, F, bnd):
    "Full mesh from the left half: vertices, faces, and the mirror permutation."
    n = len(V); inner = np.flatnonzero(~bnd)
    m = np.arange(n); m[inner] = n + np.arange(len(inner))            # mirror index of each half vertex
    Vf = np.concatenate([V, V[inner] * (-1, 1, 1)])
    Ff = np.concatenate([F, m[F][:, ::-1]])
    mirror = np.arange(len(Vf)); mirror[inner] = m[inner]; mirror[m[inner]] = inner
    return Vf, Ff, mirror


KEYPOINT_IDS = {   # id -> (name, side); HSMR `lib/body_models/skel_wrapper.py` and SKEL `skel/skel_model.py` (`SKEL.forward`): 'nose', 2800: 'left_eye', 6260: 'right_eye', 583: 'left_ear', 4071: 'right_ear',
    3216: 'left_big_toe', 3226: 'left_small_toe', 3387: 'left_heel', 6617: 'right_big_toe',
    6624: 'right_small_toe', 6787: 'right_heel', 2746: 'left_thumb', 2319: 'left_index', 2445: 'left_middle',
    2556: 'left_ring', 2673: 'left_pinky', 6191: 'right_thumb', 5782: 'right_index', 5905: 'right_middle',
    6016: 'right_ring', 6133: 'right_pinky', 410: 'head_front', 384: 'head_back', 414: 'head_top',
    196: 'head_left', 3708: 'head_right', 6179: 'right_hand_back', 6137: 'right_hand_palm',
    5670: 'right_wrist', 5906: 'right_hand_tip', 3027: 'chest_front', 3495: 'back_left', 3506: 'back_right',
}
MIRROR_PAIRS = [(2800, 6260), (583, 4071), (3216, 6617), (3226, 6624), (3387, 6787), (2746, 6191), (2319, 5782),
                (2445, 5905), (2556, 6016), (2673, 6133), (196, 3708), (3495, 3506)]


def pick(V, mirror, name, taken):
    "The vertex (in the welded full mesh, not yet `taken`) that plays the role `name`."
    x, y, z = V.T; mid = mirror == np.arange(len(V))
    def extreme(mask, score): i = np.flatnonzero(mask & ~taken); return int(i[np.argmax(score[i])])
    near_mid = lambda p: extreme(mid, -np.linalg.norm(V - p, axis=1))
    side = {'left': x > 0, 'right': x < 0}
    if name == 'nose': return extreme(mid & (y > 0.3), z)
    if name in ('left_eye', 'right_eye'):
        s = 1 if name[0] == 'l' else -1
        return extreme(side[name.split('_')[0]] & (np.abs(y - 0.47) < 0.01) & (np.abs(x - s * 0.033) < 0.012), z)
    if name.endswith('_ear'):
        s = 1 if name[0] == 'l' else -1
        return extreme((np.abs(y - 0.44) < 0.02) & (y > 0.3), s * x)
    if name.endswith(('big_toe', 'small_toe', 'heel')) or name.split('_', 1)[1] in ('thumb', 'index', 'middle', 'ring', 'pinky'):
        s, part = (1, name[5:]) if name.startswith('left') else (-1, name[6:])
        tip, d = TIPS[part]; tip = np.array(tip) * (s, 1, 1); d = np.array(d, float) * (s, 1, 1)
        r = V - tip; d = d / np.linalg.norm(d); along = r @ d
        return extreme(np.linalg.norm(r, axis=1) < 0.04, along - 4 * np.linalg.norm(r - along[:, None] * d, axis=1))
    if name == 'head_front': return near_mid((0, 0.52, 0.1))
    if name == 'head_back': return near_mid((0, 0.46, -0.3))
    if name == 'head_top': return extreme(mid, y)
    if name == 'head_left': return extreme((y > 0.49) & (y < 0.52) & (np.abs(z) < 0.03), x)
    if name == 'head_right': return extreme((y > 0.49) & (y < 0.52) & (np.abs(z) < 0.03), -x)
    if name == 'right_hand_back': return extreme(np.linalg.norm(V[:, [0, 2]] - (-0.71, -0.03), axis=1) < 0.015, y)
    if name == 'right_hand_palm': return extreme(np.linalg.norm(V[:, [0, 2]] - (-0.71, -0.03), axis=1) < 0.015, -y)
    if name == 'right_wrist': return extreme((np.abs(x + 0.655) < 0.008) & (y > 0.2), y)
    if name == 'right_hand_tip':
        tip = np.array(TIPS['middle'][0]) * (-1, 1, 1)
        return extreme(np.linalg.norm(V - tip, axis=1) < 0.03, -V[:, 0])
    if name == 'chest_front': return near_mid((0, 0.12, 0.4))
    if name in ('back_left', 'back_right'):
        s = 1 if name == 'back_left' else -1
        return extreme((np.abs(y - 0.12) < 0.015) & (s * x > 0.015) & (s * x < 0.05), -z)
    raise KeyError(name)


def order_vertices(V, F, mirror):
    "Renumber so that KEYPOINT_IDS hold their roles; returns V, F, mirror in the new order."
    n = len(V); new_of_old = -np.ones(n, int); old_of_new = -np.ones(n, int)
    def assign(new, old):
        assert old_of_new[new] < 0 and new_of_old[old] < 0, (new, old)
        old_of_new[new] = old; new_of_old[old] = new
    partner = dict(MIRROR_PAIRS + [(b, a) for a, b in MIRROR_PAIRS])
    for new, name in KEYPOINT_IDS.items():
        if old_of_new[new] >= 0: continue
        assign(new, pick(V, mirror, name, new_of_old >= 0))
        if new in partner: assign(partner[new], mirror[old_of_new[new]])
    for a, b in MIRROR_PAIRS:
        assert mirror[old_of_new[a]] == old_of_new[b], (a, b, KEYPOINT_IDS[a])
    for new in (332, 410, 384, 414, 3027): assert mirror[old_of_new[new]] == old_of_new[new], KEYPOINT_IDS[new]
    free_new = iter(i for i in range(n) if old_of_new[i] < 0 and i not in KEYPOINT_IDS)
    for new in sorted(KEYPOINT_IDS):                    # the mirrors of unpaired special vertices
        old = mirror[old_of_new[new]]
        if new_of_old[old] < 0: assign(next(free_new), old)
    rest = [o for o in np.lexsort((V[:, 0], -V[:, 2], -V[:, 1])) if new_of_old[o] < 0]   # top to bottom
    for o in rest: assign(next(free_new), o)
    assert (old_of_new >= 0).all()
    return V[old_of_new], new_of_old[F], new_of_old[mirror[old_of_new]]

# ---------------------------------------------------------------- checks and main


def check(V, F, mirror):
    E = np.sort(np.concatenate([F[:, [0, 1]], F[:, [1, 2]], F[:, [2, 0]]]), 1)
    u, c = np.unique(E, axis=0, return_counts=True)
    assert (c == 2).all(), 'not closed or not manifold'
    assert len(V) - len(u) + len(F) == 2, 'not genus 0'
    D = np.concatenate([F[:, [0, 1]], F[:, [1, 2]], F[:, [2, 0]]])
    assert len(np.unique(D, axis=0)) == len(D), 'inconsistent orientation'
    vol = np.einsum('ij,ij->i', V[F[:, 0]], np.cross(V[F[:, 1]], V[F[:, 2]])).sum() / 6
    assert vol > 0, 'inward faces'
    assert np.array_equal(V[mirror] * (-1, 1, 1), V) and np.array_equal(mirror[mirror], np.arange(len(V)))
    Fm = np.sort(mirror[F], 1); Fs = np.sort(F, 1)
    assert set(map(tuple, Fm)) == set(map(tuple, Fs)), 'faces not symmetric'
    return vol


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(Path(__file__).resolve().parents[1]/'data'/'standin_body.npz'))
    ap.add_argument('--grid', type=float, default=0.0045)
    ap.add_argument('--n-verts', type=int, default=6890)
    ap.add_argument('--reorder', help='only renumber the vertices of this existing body file')
    ap.add_argument('--skin', action='store_true', help="learn SKEL's skinning weights for the body in --out and add them to it")
    ap.add_argument('--poses', type=int, default=384, help='--skin: SMPL training poses')
    ap.add_argument('--rounds', type=int, default=3, help='--skin: rounds of fitting SKEL and solving for the weights')
    args = ap.parse_args()
    t = time.time()
    if args.skin: return save_skin(args.out, learn_skel_skin(args.poses, args.rounds), t)
    if args.reorder:
        d = np.load(args.reorder)
        return save(args.out, *order_vertices(d['vertices'].astype(float), d['faces'].astype(np.int64), d['mirror'].astype(np.int64)), t)
    V, F = half_mesh(args.grid)
    print(f'marching cubes: {len(V)} vertices, {len(F)} faces ({time.time() - t:.0f} s)')
    V = V.astype(np.float64)
    dec = Decimator(V, F); dec.run(args.n_verts)
    V, F, bnd = dec.result()
    print(f'decimated: {len(V)} half vertices, {bnd.sum()} on the midline ({time.time() - t:.0f} s)')
    F = flip_edges(V, F); V = relax(V, F, bnd)
    V = V.astype(np.float32).astype(np.float64); V[bnd, 0] = 0
    V, F, mirror = mirror_weld(V, F, bnd)
    vol = check(V, F, mirror)
    save(args.out, *order_vertices(V, F, mirror), t)


def save(out, V, F, mirror, t):
    vol = check(V, F, mirror)
    np.savez_compressed(out, vertices=V.astype(np.float32), faces=F.astype(np.int32), mirror=mirror.astype(np.int32))
    print(f'{out}: {len(V)} vertices, {len(F)} faces, volume {vol:.4f} m^3, '
          f'height {V[:, 1].max() - V[:, 1].min():.3f} m ({time.time() - t:.0f} s)')


# ---------------------------------------------------------------- SKEL's skin, learned from SMPL's

SMPL_JOINT = {n: i for i, n in enumerate(['pelvis', 'left_hip', 'right_hip', 'spine1', 'left_knee', 'right_knee', 'spine2',
              'left_ankle', 'right_ankle', 'spine3', 'left_foot', 'right_foot', 'neck', 'left_collar', 'right_collar', 'head',
              'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hand', 'right_hand'])}
CANDIDATE_BONES = 6     # a vertex may hang on its six nearest SKEL bones
WEIGHT_PRIOR = 1e-4     # m^2 per pose: pulls a vertex's weights towards the last round's where the poses leave them free
WEIGHT_FLOOR = 1e-3     # smaller weights are dropped


def plausible_smpl_poses(n, rng):
    "SMPL body poses (n, 69) drawn joint by joint within everyday ranges (rad; SMPL's axes: flexion of hip -x, knee +x)."
    P = np.zeros((n, 24, 3))
    N = lambda sd: rng.normal(0, sd, n)
    U = lambda lo, hi: rng.uniform(lo, hi, n)
    for side, sg in (('left', 1), ('right', -1)):
        j = lambda name: SMPL_JOINT[f'{side}_{name}']
        P[:, j('hip')] = np.c_[U(-1.4, 0.5), N(0.2), N(0.15)]
        P[:, j('knee')] = np.c_[U(0, 1.8), N(0.1), N(0.08)]
        P[:, j('ankle')] = np.c_[N(0.35), N(0.12), N(0.12)]
        P[:, j('foot')] = np.c_[N(0.15), N(0.05), N(0.05)]
        P[:, j('collar')] = np.c_[N(0.1), sg * N(0.15), -sg * U(-0.15, 0.5)]
        P[:, j('shoulder')] = np.c_[N(0.25), sg * U(-1.0, 0.6), -sg * U(-0.6, 1.4)]
        P[:, j('elbow')] = np.c_[N(0.1), -sg * U(0, 2.2), N(0.2)]
        P[:, j('wrist')] = np.c_[N(0.4), N(0.2), N(0.3)]
        P[:, j('hand')] = np.c_[N(0.1), N(0.1), N(0.1)]
    for name, sd in (('spine1', (0.25, 0.12, 0.12)), ('spine2', (0.12, 0.1, 0.08)), ('spine3', (0.1, 0.1, 0.08)),
                     ('neck', (0.25, 0.25, 0.1)), ('head', (0.2, 0.25, 0.1))):
        P[:, SMPL_JOINT[name]] = rng.normal(0, 1, (n, 3)) * sd
    P[:, SMPL_JOINT['spine1'], 0] += 0.1
    return P[:, 1:].reshape(n, 69)


def bone_posed_vertices(skel, poses, betas, trans, cand):
    "Where each candidate bone (V, K) of SKEL would put each vertex: (B, V, K, 3), SKEL's own skinning transforms."
    import torch
    with torch.no_grad():
        out = skel(poses, betas, trans, skelmesh=False)
        Rk = skel(torch.zeros_like(poses), betas, torch.zeros_like(trans), skelmesh=False).joints_ori
        GR = out.joints_ori @ Rk.transpose(-1, -2)                              # (B, 24, 3, 3) world bone rotations
        c = out.joints - (GR @ out.joints_tpose[..., None])[..., 0]              # bone b puts x at GR_b x + c_b
        x = out.v_shaped + out.pose_offsets                                     # (B, V, 3)
        return (GR[:, cand] @ x[:, :, None, :, None])[..., 0] + c[:, cand]


def solve_skin_weights(moments, rhs, n, cand, W_prior):
    "Per vertex: weights over its candidate bones >= 0, summing to 1, minimising sum_n |Y w - v|^2 + prior; (V, 24)."
    from scipy.optimize import nnls
    V, K = cand.shape
    w0 = np.take_along_axis(W_prior, cand, 1)
    sum_one = 1e3 * n                                                            # the sum-to-one row, heavily weighted
    W = np.zeros((V, 24))
    for v in range(V):
        A = moments[v] + sum_one + WEIGHT_PRIOR * n * np.eye(K)
        L = np.linalg.cholesky(A)
        w, _ = nnls(L.T, np.linalg.solve(L, rhs[v] + sum_one + WEIGHT_PRIOR * n * w0[v]))
        W[v, cand[v]] = w
    W[W < WEIGHT_FLOOR] = 0
    return W / W.sum(1, keepdims=True)


def learn_skel_skin(n_poses=384, rounds=3, seed=0):
    "SKEL skinning weights (6890, 24) that make the stand-in SKEL reproduce the stand-in SMPL's deformations."
    import pickle, warnings, torch
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from hsmr import synthetic as syn
    from hsmr.smpl2skel import Converter
    warnings.filterwarnings('ignore', message='Using generated stand-in')
    V0, _, mirror = syn.standin_body()
    _, dist = syn._segment_closest(V0.astype(float), syn._skel_segments(syn.SKEL_JOINTS_T))
    cand = np.argsort(dist, 1, kind='stable')[:, :CANDIDATE_BONES]
    W = syn.skinning_weights(V0, syn._skel_segments(syn.SKEL_JOINTS_T), mirror, syn.SKEL_MIRROR)
    rng = np.random.default_rng(seed)
    poses = torch.as_tensor(plausible_smpl_poses(n_poses, rng), dtype=torch.float32)
    betas = torch.as_tensor(rng.normal(0, 1, (n_poses, 10)), dtype=torch.float32)
    folder = Path(tempfile.mkdtemp(prefix='standin-skin-'))
    for r in range(rounds + 1):
        for rel, d in syn.model_dicts(skel_skin=W).items():
            p = folder/rel; p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, 'wb') as fh: pickle.dump(d, fh, protocol=4)
        conv = Converter(folder, folder/'smpl', smpl_gender='male', skel_gender='male')
        with torch.no_grad():
            targets = conv.smpl(torch.zeros(n_poses, 3), poses, betas, torch.zeros(n_poses, 3)).vertices
            fits = [conv.fit(targets[i:i + 64], betas[i:i + 64]) for i in range(0, n_poses, 64)]
        m = torch.cat([f['max_pve'] for f in fits])
        print(f'round {r}: SKEL fits to the training bodies, maxPVE median {m.median() * 1000:.1f} mm, '
              f'95th percentile {m.quantile(0.95) * 1000:.1f} mm', flush=True)
        if r == rounds: break
        q, tr = torch.cat([f['poses'] for f in fits]), torch.cat([f['trans'] for f in fits])
        M, h = np.zeros((len(V0), CANDIDATE_BONES, CANDIDATE_BONES)), np.zeros((len(V0), CANDIDATE_BONES))
        ct = torch.as_tensor(cand)
        for i in range(0, n_poses, 32):
            Y = bone_posed_vertices(conv.skel, q[i:i + 32], betas[i:i + 32], tr[i:i + 32], ct).double()
            M += torch.einsum('bvki,bvli->vkl', Y, Y).numpy()
            h += torch.einsum('bvki,bvi->vk', Y, targets[i:i + 32].double()).numpy()
        W = solve_skin_weights(M, h, n_poses, cand, W)
        W = (W + W[mirror][:, syn.SKEL_MIRROR]) / 2                           # exactly mirror-symmetric
    return W


def save_skin(out, W, t):
    d = dict(np.load(out))
    d['skel_skin_weights'] = W.astype(np.float32)
    np.savez_compressed(out, **d)
    print(f'{out}: added skel_skin_weights, {(W > 0).sum(1).max()} bones per vertex at most ({time.time() - t:.0f} s)')


if __name__ == '__main__':
    main()
