"""HSMR reimplemented: recover humans with the biomechanically accurate SKEL skeleton from images, notebook first.

Modules:

- `hsmr.data`: The training item, a synthetic rendered dataset that runs anywhere, augmentation that swaps the flipped parameter set, the HMR2/HSMR webdataset shard reader and its quality filters.
- `hsmr.keypoints`: The 44 keypoints HSMR supervises and evaluates with, how they are read off a SKEL body, and the camera that puts them into the image.
- `hsmr.regressor`: A ViT backbone (ViTPose style) and a transformer-decoder head that read one person crop and return SKEL's 46 pose angles, 10 shape betas and a weak-perspective camera.
- `hsmr.skelify`: Fitting SKEL to 2D keypoints: a batched L-BFGS in which every sample has its own curvature history, line search and stopping test.
- `hsmr.smpl`: The SMPL body model through smplx, loaded from the official pickles without chumpy, with the left-right mirror that the SMPL-to-SKEL converter needs.
- `hsmr.synthetic`: Generated SKEL and SMPL model files in the official formats, a matched pair on one human-like body, so that everything in hsmr runs and is tested without the licensed files."""

__version__ = "0.1.0"
