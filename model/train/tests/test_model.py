import pytest
import torch

from viml.model import FUSIONS, ModelConfig, ViML, info_nce

from conftest import CLIP_DIM, CLAP_DIM, TINY_MODEL


def make(fusion: str, p: float = 0.0) -> ViML:
    torch.manual_seed(0)
    return ViML(ModelConfig(video_dim=CLIP_DIM, text_dim=CLIP_DIM, music_dim=CLAP_DIM, fusion=fusion, text_dropout=p, **TINY_MODEL)).eval()


def inputs(b=3, t=5, l=2, s=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    video, text, music = torch.randn(b, t, CLIP_DIM, generator=g), torch.randn(b, l, CLIP_DIM, generator=g), torch.randn(b, s, CLAP_DIM, generator=g)
    vm = torch.arange(t)[None] < torch.tensor([t, 2, 1])[:b, None]
    tm = torch.arange(l)[None] < torch.tensor([l, 1, 0])[:b, None]
    mm = torch.arange(s)[None] < torch.tensor([s, 1, 2])[:b, None]
    return video, vm, text, tm, music, mm


def pad(x: torch.Tensor, mask: torch.Tensor, extra: int, seed: int = 9):
    """Appends `extra` positions of random garbage, masked out."""
    g = torch.Generator().manual_seed(seed)
    x2 = torch.cat([x, 100 * torch.randn(x.shape[0], extra, x.shape[2], generator=g)], dim=1)
    return x2, torch.cat([mask, torch.zeros(mask.shape[0], extra, dtype=torch.bool)], dim=1)


@pytest.mark.parametrize("fusion", FUSIONS)
def test_given_any_fusion_outputs_unit_vectors_of_dimension_D(fusion):
    model = make(fusion)
    v, vm, t, tm, m, mm = inputs()
    q, e = model.query(v, vm, t, tm), model.music(m, mm)
    assert q.shape == (3, TINY_MODEL["dim"]) and e.shape == (3, TINY_MODEL["dim"])
    assert torch.allclose(q.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.allclose(e.norm(dim=1), torch.ones(3), atol=1e-5)


@pytest.mark.parametrize("fusion", FUSIONS)
def test_padding_frames_tokens_or_windows_does_not_change_outputs(fusion):
    model = make(fusion)
    v, vm, t, tm, m, mm = inputs()
    with torch.no_grad():
        q, e = model.query(v, vm, t, tm), model.music(m, mm)
        q_padded = model.query(*pad(v, vm, 4), *pad(t, tm, 3, seed=3))
        e_padded = model.music(*pad(m, mm, 2))
    assert (q - q_padded).abs().max() < 1e-5
    assert (e - e_padded).abs().max() < 1e-5


@pytest.mark.parametrize("fusion", FUSIONS)
def test_an_all_false_text_mask_means_no_text_and_stays_finite(fusion):
    model = make(fusion)
    v, vm, t, _, _, _ = inputs()
    none = torch.zeros(3, t.shape[1], dtype=torch.bool)
    with torch.no_grad():
        a = model.query(v, vm, t, none)
        b = model.query(v, vm, torch.full_like(t, float(1e3)), none)
        with_text = model.query(v, vm, t, torch.ones_like(none))
    assert torch.isfinite(a).all()
    assert torch.equal(a, b)
    assert (a - with_text).abs().max() > 1e-3  # text does matter when present


def test_text_dropout_acts_in_training_only():
    model = make("transformer", p=1.0)
    v, vm, t, tm, _, _ = inputs()
    no_text = torch.zeros_like(tm)
    with torch.no_grad():
        eval_out = model.query(v, vm, t, tm)
        model.train()
        train_out = model.query(v, vm, t, tm)
        model.eval()
        eval_no_text = model.query(v, vm, t, no_text)
    assert torch.allclose(train_out, eval_no_text, atol=1e-6)  # dropout=0, so only text dropout differs
    assert (eval_out - eval_no_text).abs().max() > 1e-3


def test_text_dropout_drops_whole_samples_with_probability_p():
    model = make("add", p=0.3).train()
    torch.manual_seed(0)
    mask = torch.ones(4000, 5, dtype=torch.bool)
    kept = model.query.drop_text(mask)
    assert torch.equal(kept.all(dim=1), kept.any(dim=1))  # a sample keeps all its tokens or none
    assert abs(1 - kept.any(dim=1).float().mean().item() - 0.3) < 0.03


def test_info_nce_is_low_for_matching_pairs_and_symmetric():
    q = torch.nn.functional.normalize(torch.randn(8, 4), dim=1)
    scale = torch.tensor(4.0)
    assert info_nce(q, q, scale) < info_nce(q, q.roll(1, dims=0), scale)
    m = torch.nn.functional.normalize(torch.randn(8, 4), dim=1)
    assert torch.allclose(info_nce(q, m, scale), info_nce(m, q, scale))


def test_rejects_an_unknown_fusion_with_the_valid_choices():
    with pytest.raises(ValueError, match="add, concat, transformer"):
        ModelConfig(video_dim=4, text_dim=4, music_dim=4, fusion="sum")
