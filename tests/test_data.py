"The shard reader end to end on crafted shards in the exact HMR2/HSMR format: every filter, corrupt records, splits."
import pickle
from collections import Counter
import numpy as np
import pytest
import torch
from hsmr.render import SIDES
from hsmr.shards import QUALITY, ShardDataset, MixedDataset, shard_records, read_shard, write_shard, split_shards, filter_person, filter_report, CORRUPT_IMAGE_KEYS
from hsmr.augment import augment, sample_augm


def person(rng, **over):
    "A valid person in the shard format; `over` replaces fields."
    kp = np.concatenate([rng.uniform(20, 100, (44, 2)), np.ones((44, 1))], 1)
    p = dict(center=np.array([60., 60.]), scale=np.array([0.5, 0.6]), keypoints_2d=kp,
             keypoints_3d=np.concatenate([rng.normal(0, 0.3, (44, 3)), np.ones((44, 1))], 1),
             extra_info=dict(fitting_loss=dict(reprojection_loss=100.)))
    for s in SIDES:
        p.update({f'{s}_poses': rng.normal(0, 0.2, 46), f'{s}_betas': rng.normal(0, 0.5, 10), f'{s}_has_poses': 1.,
                  f'{s}_has_betas': 1., f'{s}_pve_max': 0.02})
    p.update(over)
    return p


@pytest.fixture(scope='module')
def crafted(tmp_path_factory):
    "Two shards: crafted persons that each filter must act on, and every kind of corrupt record."
    rng = np.random.default_rng(0)
    img = (rng.random((120, 160, 3)) * 255).astype(np.uint8)
    nan_poses = person(rng); nan_poses['orig_poses'][3] = np.nan
    few = person(rng); few['keypoints_2d'][4:, 2] = 0.                       # 4 visible: dropped
    five = person(rng); five['keypoints_2d'][5:, 2] = 0.                     # 5 visible: kept (strictly more than 4)
    low = person(rng); low['keypoints_2d'][3:, 2] = 0.29                     # 3 left after the 0.3 suppression: dropped
    big_beta = person(rng); big_beta['flip_betas'][2] = -3.5
    nan_pve = person(rng, orig_pve_max=np.nan)
    no_loss = person(rng); del no_loss['extra_info']                         # optional field: kept
    missing = person(rng); del missing['flip_poses']
    persons = {
        'good': person(rng), 'nan_poses': nan_poses, 'pve': person(rng, flip_pve_max=0.061), 'nan_pve': nan_pve,
        'big_beta': big_beta, 'few': few, 'five': five, 'low': low,
        'reproj': person(rng, extra_info=dict(fitting_loss=dict(reprojection_loss=31000.))),
        'reproj_ok': person(rng, extra_info=dict(fitting_loss=dict(reprojection_loss=30999.))),
        'no_loss': no_loss, 'missing': missing}
    names = list(persons)
    d = tmp_path_factory.mktemp('shards')
    s0 = write_shard(d/'000000.tar', [('a', img, [persons[n] for n in names]),
                                     ('bad_jpg', b'\xff\xd8 not really a jpeg', [person(rng)]),
                                     ('bad_pyd', img, b'this is not a pickle'),
                                     ('evil', img, pickle.dumps([person(rng)]).replace(b'numpy', b'posix', 1))])
    s1 = write_shard(d/'000001.tar', [('b', img, [person(rng), person(rng)]), ('skipme', img, [person(rng)])])
    return dict(names=names, shards=[s0, s1])


def test_each_filter_drops_exactly_what_it_should(crafted):
    c = Counter()
    recs = {r['id']: r for r in shard_records(crafted['shards'][0], c)}
    ids = {f'a_{i}': n for i, n in enumerate(crafted['names'])}
    kept = sorted(ids[k] for k in recs)
    assert kept == sorted(['good', 'nan_poses', 'pve', 'nan_pve', 'big_beta', 'five', 'reproj_ok', 'no_loss'])
    by = {ids[k]: r for k, r in recs.items()}
    # step 2 then 4: NaN poses are zeroed, the flags cleared, then maxPVE (0.02, fine) OVERWRITES them back to True
    assert np.all(by['nan_poses']['orig_poses'] == 0) and by['nan_poses']['orig_has_poses'] == 1
    # step 4: pve 0.061 >= 0.06 clears that side only; step 11 then supervises its betas towards zero
    r = by['pve']
    assert (r['orig_has_poses'], r['flip_has_poses'], r['flip_has_betas']) == (1, 0, 1) and np.all(r['flip_betas'] == 0)
    assert by['nan_pve']['orig_has_poses'] == 0
    # step 6 + 7: |beta| > 3 clears has_betas, the sync clears has_poses; step 11 zeroes the betas
    r = by['big_beta']
    assert (r['flip_has_poses'], r['flip_has_betas'], r['orig_has_poses']) == (0, 1, 1) and np.all(r['flip_betas'] == 0)
    assert np.all(by['good']['orig_betas'] != 0)
    assert c == Counter(kept=8, too_few_keypoints=2, reprojection_loss=1, corrupt_person=1, corrupt_image=1, corrupt_label=2,
                        nan_params=1, max_pve=2, large_betas=1, unsynced=1, betas_to_zero=3, low_conf_keypoints=41)


def test_corrupt_records_are_skipped_and_counted(crafted):
    c = Counter()
    out = list(read_shard(crafted['shards'][0], c))
    assert [k for k, *_ in out] == ['a']
    assert (c['corrupt_image'], c['corrupt_label']) == (1, 2)     # garbage pickle and a pickle naming a forbidden global


def test_bad_keys_and_truncated_shard(crafted, tmp_path):
    c = Counter()
    assert [r['id'] for r in shard_records(crafted['shards'][1], c, bad_keys={'skipme'})] == ['b_0', 'b_1']
    assert c['bad_image_key'] == 1
    data = crafted['shards'][0].read_bytes()
    cut = tmp_path/'cut.tar'; cut.write_bytes(data[:len(data) // 3])
    with pytest.raises(Exception):                                 # a truncated tar is an I/O error, not a silent skip
        list(read_shard(cut))


def test_missing_field_raises_for_one_person():
    with pytest.raises(KeyError):
        filter_person({'center': np.zeros(2)}, Counter())


def test_ranks_and_workers_split_shards(crafted):
    shards = [f's{i}' for i in range(7)]
    seen = [s for r in range(2) for w in range(3) for s in split_shards(shards, r, 2, w, 3)]
    assert sorted(seen) == sorted(shards)                          # every shard exactly once
    with pytest.raises(ValueError, match='cannot be split'):
        ShardDataset(crafted['shards'], world_size=3)
    r0 = {i['id'] for i in ShardDataset(crafted['shards'], rank=0, world_size=2)}
    r1 = {i['id'] for i in ShardDataset(crafted['shards'], rank=1, world_size=2)}
    assert not r0 & r1 and r1 == {'b_0', 'b_1', 'skipme_0'}


def test_dataloader_workers_and_mixture(crafted):
    ds = ShardDataset(crafted['shards'], seed=1)
    ids = sorted(i for b in torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2) for i in b['id'])
    assert ids == sorted(f'a_{i}' for i in (0, 1, 2, 3, 4, 6, 9, 10)) + ['b_0', 'b_1', 'skipme_0']
    mix = MixedDataset({'h36m': ShardDataset(crafted['shards'][1:]), 'coco14': ShardDataset(crafted['shards'][:1])},
                       epoch_size=40, shuffle_buffer=8)
    items = list(mix)
    assert len(items) == 40
    frac = np.mean([i['id'][0] == 'a' for i in items])            # equal weights (0.10 each): about half from coco14
    assert 0.2 < frac < 0.8
    with pytest.raises(ValueError, match='no mixture weight'):
        MixedDataset({'mystery': ds})


def test_items_are_deterministic(crafted):
    rec = next(shard_records(crafted['shards'][1]))
    a = augment(rec, sample_augm(torch.Generator().manual_seed(3)))
    b = augment(rec, sample_augm(torch.Generator().manual_seed(3)))
    assert torch.equal(a['img'], b['img']) and torch.equal(a['kp2d'], b['kp2d'])


def test_known_corrupt_aic_images_are_dropped(tmp_path):
    rng = np.random.default_rng(1)
    img = (rng.random((40, 40, 3)) * 255).astype(np.uint8)
    bad = sorted(CORRUPT_IMAGE_KEYS)[0]
    assert len(CORRUPT_IMAGE_KEYS) == 9                             # HSMR's list (HSMR `configs/data/skel-hsmr_v1_full.yaml` step 1)
    s = write_shard(tmp_path/'aic.tar', [(bad, img, [person(rng)]), ('fine', img, [person(rng)])])
    c = Counter()
    assert [r['id'] for r in shard_records(s, c)] == ['fine_0']
    assert c['bad_image_key'] == 1


def test_worker_filter_counts_are_merged(crafted, tmp_path):
    expected = Counter()
    for s in crafted['shards']: list(shard_records(s, expected))
    ds = ShardDataset(crafted['shards'], seed=2, report_dir=tmp_path/'report')
    n = sum(len(b['id']) for b in torch.utils.data.DataLoader(ds, batch_size=3, num_workers=2))
    report = filter_report(tmp_path/'report')
    assert len(list((tmp_path/'report').glob('*.json'))) == 2      # one file per worker, each with its own shard
    assert report == expected and report['kept'] == n
