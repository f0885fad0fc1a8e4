"Checkpoint files end to end: official HSMR / ViTPose layouts on disk, Lightning extras, bad files (hsmr.regressor)."
import argparse
import pytest
import torch
from hsmr.regressor import (MODEL_CONFIGS, CheckpointMismatch, build_model, load_hsmr_checkpoint, load_vitpose_backbone,
                            official_hsmr_layout, read_state_dict)


def official_checkpoint(seed=0, init=True):
    "A tiny-size state dict in the official HSMR layout, random values (LayerNorm weights near 1)."
    g = torch.Generator().manual_seed(seed)
    sd = {k: torch.randn(s, generator=g) * 0.05 + k.endswith(('norm.weight', 'norm1.weight', 'norm2.weight'))
          for k, s in official_hsmr_layout(MODEL_CONFIGS['tiny']).items() if init or not k.startswith('head.init')}
    return sd | {'skel_model.J_regressor': torch.zeros(24, 8)}


@pytest.fixture(scope='module')
def images():
    return torch.randn(2, 3, 256, 256, generator=torch.Generator().manual_seed(1))


def predict(model, images):
    with torch.no_grad(): return model.eval()(images)


def test_lightning_checkpoint_with_python_objects(tmp_path, images):
    sd = official_checkpoint()
    path = tmp_path / 'hsmr.ckpt'
    torch.save({'epoch': 1, 'global_step': 1000, 'state_dict': sd, 'hyper_parameters': argparse.Namespace(lr=1e-5)}, path)
    with pytest.raises(ValueError, match=r'argparse\.Namespace.*weights_only=False'):
        load_hsmr_checkpoint(build_model('tiny'), path)
    from_file = predict(load_hsmr_checkpoint(build_model('tiny'), path, weights_only=False), images)
    from_dict = predict(load_hsmr_checkpoint(build_model('tiny'), sd), images)
    assert torch.equal(from_file.poses, from_dict.poses) and torch.equal(from_file.cam, from_dict.cam)


def test_checkpoint_without_init_buffers_keeps_our_means():
    model = load_hsmr_checkpoint(build_model('tiny'), official_checkpoint(init=False))
    fresh = build_model('tiny')
    for k in ('init_rep', 'init_betas', 'init_cam'):
        assert torch.equal(getattr(model.head, k), getattr(fresh.head, k))


def test_own_state_dict_round_trip(tmp_path, images):
    torch.manual_seed(0)
    model = build_model('tiny')
    torch.save(model.state_dict(), tmp_path / 'ours.pth')
    again = load_hsmr_checkpoint(build_model('tiny'), tmp_path / 'ours.pth')
    assert torch.equal(predict(model, images).poses, predict(again, images).poses)


def test_vitpose_file_is_not_an_hsmr_checkpoint(tmp_path):
    vitpose = {k: v for k, v in official_checkpoint().items() if k.startswith('backbone.')}
    torch.save({'state_dict': vitpose | {'backbone.cls_token': torch.zeros(1, 1, 192)}}, tmp_path / 'vitpose.pth')
    with pytest.raises(CheckpointMismatch, match=r'missing: \d+ \(head\.'):
        load_hsmr_checkpoint(build_model('tiny'), tmp_path / 'vitpose.pth')
    model = load_vitpose_backbone(build_model('tiny'), tmp_path / 'vitpose.pth')
    assert torch.equal(model.backbone.blocks[0].attn.qkv.weight.detach(), vitpose['backbone.blocks.0.attn.qkv.weight'])


def test_wrong_size_lists_every_kind_of_difference():
    with pytest.raises(CheckpointMismatch) as e:
        load_hsmr_checkpoint(build_model('tiny', depth=5, head_depth=1), official_checkpoint())
    msg = str(e.value)
    assert 'missing: 12 (backbone.blocks.4.' in msg and 'unexpected: 18 (head.layers.1.' in msg and 'vit_h/vit_b/tiny' in msg


def test_bad_files(tmp_path):
    (tmp_path / 'notes.ckpt').write_text('these are not weights')
    with pytest.raises(ValueError, match='not a PyTorch checkpoint'):
        load_hsmr_checkpoint(build_model('tiny'), tmp_path / 'notes.ckpt')
    torch.save({'state_dict': official_checkpoint()}, tmp_path / 'full.ckpt')
    data = (tmp_path / 'full.ckpt').read_bytes()
    (tmp_path / 'cut.ckpt').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated'):
        read_state_dict(tmp_path / 'cut.ckpt')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_vitpose_backbone(build_model('tiny'), tmp_path / 'missing.pth')
    with pytest.raises(ValueError, match='dict of tensors'):
        read_state_dict([torch.zeros(1)])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_cuda_bf16_matches_fp32(images):
    torch.manual_seed(0)
    model = build_model('tiny').cuda().eval()
    x = images.cuda()
    with torch.no_grad():
        ref = model(x)
        with torch.autocast('cuda', dtype=torch.bfloat16): bf = model(x)
    assert bf.poses.dtype == torch.float32
    assert (bf.betas - ref.betas).abs().max() < 0.05 and (bf.cam - ref.cam).abs().max() < 0.05
