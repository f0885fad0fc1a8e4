"""HSMR reimplemented: recover humans with the biomechanically accurate SKEL skeleton from images, notebook first.

Modules:

- `hsmr.detect`: People (boxes) and their 44 keypoints in a photo, from a real detector whose weights come with `pip`: MediaPipe's Pose, behind a small interface that other backends can join.
- `hsmr.eval`: `python -m hsmr.eval CHECKPOINT`: load a checkpoint (ours or an official HSMR one), run it on the synthetic held-out set or on the HMR2.0 / HSMR evaluation files, print the metrics as one JSON line and write an HTML report.
- `hsmr.export`: A SKEL motion as an OpenSim `.mot` file and a `.csv` table: the camera-to-world turn, the SKEL-to-OpenSim frame change of the pelvis, and what is (and is not) the same between SKEL's 46 angles and the BSM model's coordinates.
- `hsmr.keypoints`: The 44 keypoints HSMR supervises and evaluates with, how they are read off a SKEL body, and the camera that puts them into the image.
- `hsmr.refine`: The pseudo-GT store and the iterative refinement of HSMR's labels during training (supplement S.3.1): every few hundred steps, fit SKEL to the 2D keypoints of the latest predictions and keep a fit when it explains the keypoints better than the label it would replace.
- `hsmr.regressor`: A ViT backbone (ViTPose style) and a transformer-decoder head that read one person crop and return SKEL's 46 pose angles, 10 shape betas and a weak-perspective camera.
- `hsmr.skelify`: Fitting SKEL to 2D keypoints: a batched L-BFGS in which every sample has its own curvature history, line search and stopping test.
- `hsmr.smpl`: The SMPL body model through smplx, loaded from the official pickles without chumpy, with the left-right mirror that the SMPL-to-SKEL converter needs.
- `hsmr.synthetic`: Generated SKEL and SMPL model files in the official formats, a matched pair on one human-like body, so that everything in hsmr runs and is tested without the licensed files."""

__version__ = "0.1.0"
