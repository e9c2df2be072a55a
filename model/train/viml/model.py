"""ViML heads: per-modality Transformer encoders, video+text fusion, music encoder.

Masks are boolean with True = a real position (frame, token, window), False = padding, the same
convention as the exported ONNX graphs. An all-False text mask means "no text".

Attention is written out by hand instead of using nn.TransformerEncoder: torch 1.13's fast path
turns fully padded rows into NaN and behaves differently under ONNX tracing, whereas a finite mask
value keeps every row finite and exports to plain MatMul/Softmax/Where nodes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict
from typing import Tuple

import torch
from torch import Tensor, nn
import torch.nn.functional as F

FUSIONS = ("add", "concat", "transformer")
# exp(-1e9 - max) underflows to exactly 0 in float32, so padded keys get zero weight, and a fully
# padded row softmaxes to a uniform (finite) distribution instead of NaN.
_MASKED = -1e9


@dataclass
class ModelConfig:
    video_dim: int
    text_dim: int
    music_dim: int
    dim: int = 256  # D, the joint embedding size
    width: int = 256  # Transformer width inside the heads
    layers: int = 2
    heads: int = 4
    ff_mult: int = 2
    dropout: float = 0.1
    fusion: str = "transformer"
    text_dropout: float = 0.5  # p: probability of dropping a sample's whole text while training
    max_frames: int = 64
    max_text: int = 77
    max_windows: int = 64

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}; got {self.fusion!r}")
        if self.width % self.heads:
            raise ValueError(f"width {self.width} is not divisible by heads {self.heads}")
        if not 0.0 <= self.text_dropout <= 1.0:
            raise ValueError(f"text_dropout must lie in [0, 1]; got {self.text_dropout}")

    def to_dict(self) -> dict:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        b, n = x.shape[0], x.shape[1]
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        scores = scores.masked_fill(~mask[:, None, None, :], _MASKED)
        attn = self.drop(torch.softmax(scores, dim=-1))
        y = torch.matmul(attn, v).transpose(1, 2).reshape(b, n, self.heads * self.head_dim)
        return self.out(y)


class Block(nn.Module):
    """Pre-norm Transformer block."""

    def __init__(self, width: int, heads: int, ff_mult: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = SelfAttention(width, heads, dropout)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(
            nn.Linear(width, ff_mult * width), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff_mult * width, width)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = x + self.drop(self.attn(self.norm1(x), mask))
        return x + self.drop(self.ff(self.norm2(x)))


def masked_mean(x: Tensor, mask: Tensor) -> Tensor:
    """Mean over the real positions; zeros for a row with none."""
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


class SequenceEncoder(nn.Module):
    """Input projection + learned positions + Transformer blocks over one modality."""

    def __init__(self, in_dim: int, width: int, layers: int, heads: int, ff_mult: int, dropout: float, max_len: int) -> None:
        super().__init__()
        self.max_len = max_len
        # Per-dimension standardisation with training-set statistics (set_input_stats): embeddings of
        # one encoder share a large common direction, and the differences that matter are small.
        self.register_buffer("in_mean", torch.zeros(in_dim))
        self.register_buffer("in_std", torch.ones(in_dim))
        self.proj = nn.Linear(in_dim, width)
        self.pos = nn.Parameter(torch.randn(1, max_len, width) * 0.02)
        self.blocks = nn.ModuleList([Block(width, heads, ff_mult, dropout) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)

    @torch.no_grad()
    def set_input_stats(self, x: Tensor, mask: Tensor) -> None:
        """Mean and standard deviation of the real positions of x [N, L, in_dim]."""
        rows = x[mask]
        if rows.shape[0] == 0:
            return
        self.in_mean.copy_(rows.mean(dim=0))
        self.in_std.copy_(rows.std(dim=0, unbiased=False).clamp(min=1e-4) if rows.shape[0] > 1 else torch.ones_like(self.in_std))

    def forward(self, x: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns (token states [B, N, W], masked-mean pooled state [B, W])."""
        h = self.proj((x - self.in_mean) / self.in_std) + self.pos[:, : x.shape[1]]
        for block in self.blocks:
            h = block(h, mask)
        h = self.norm(h)
        return h, masked_mean(h, mask)


class QueryEncoder(nn.Module):
    """(video, video_mask, text, text_mask) -> L2-normalised query [B, D]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.fusion = cfg.fusion
        self.text_dropout = cfg.text_dropout
        w = cfg.width
        self.video = SequenceEncoder(cfg.video_dim, w, cfg.layers, cfg.heads, cfg.ff_mult, cfg.dropout, cfg.max_frames)
        self.text = SequenceEncoder(cfg.text_dim, w, cfg.layers, cfg.heads, cfg.ff_mult, cfg.dropout, cfg.max_text)
        if cfg.fusion == "concat":
            self.mix = nn.Sequential(nn.Linear(2 * w + 1, 2 * w), nn.GELU(), nn.Linear(2 * w, w))
        elif cfg.fusion == "transformer":
            self.modality = nn.Parameter(torch.randn(2, w) * 0.02)  # 0: video, 1: text
            self.joint = nn.ModuleList([Block(w, cfg.heads, cfg.ff_mult, cfg.dropout) for _ in range(cfg.layers)])
            self.joint_norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, cfg.dim)

    def drop_text(self, text_mask: Tensor) -> Tensor:
        """Text dropout: in training, each sample loses its whole text with probability p."""
        if not self.training or self.text_dropout <= 0.0:
            return text_mask
        keep = torch.rand(text_mask.shape[0], device=text_mask.device) >= self.text_dropout
        return text_mask & keep[:, None]

    def forward(self, video: Tensor, video_mask: Tensor, text: Tensor, text_mask: Tensor) -> Tensor:
        text_mask = self.drop_text(text_mask)
        has_text = text_mask.any(dim=1)  # [B]
        v_tokens, v_pooled = self.video(video, video_mask)
        t_tokens, t_pooled = self.text(text, text_mask)
        t_pooled = t_pooled * has_text[:, None].to(t_pooled.dtype)
        if self.fusion == "add":
            z = v_pooled + t_pooled
        elif self.fusion == "concat":
            z = self.mix(torch.cat([v_pooled, t_pooled, has_text[:, None].to(v_pooled.dtype)], dim=1))
        else:
            tokens = torch.cat([v_tokens + self.modality[0], t_tokens + self.modality[1]], dim=1)
            mask = torch.cat([video_mask, text_mask], dim=1)
            for block in self.joint:
                tokens = block(tokens, mask)
            z = masked_mean(self.joint_norm(tokens), mask)
        return F.normalize(self.head(z), dim=-1)


class MusicEncoder(nn.Module):
    """(music, music_mask) -> L2-normalised music embedding [B, D]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.encoder = SequenceEncoder(cfg.music_dim, cfg.width, cfg.layers, cfg.heads, cfg.ff_mult, cfg.dropout, cfg.max_windows)
        self.head = nn.Linear(cfg.width, cfg.dim)

    def forward(self, music: Tensor, music_mask: Tensor) -> Tensor:
        _, pooled = self.encoder(music, music_mask)
        return F.normalize(self.head(pooled), dim=-1)


class ViML(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.query = QueryEncoder(cfg)
        self.music = MusicEncoder(cfg)
        # CLIP's initialisation: logits scaled by 1/0.07, learnable, capped at 100.
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def temperature(self) -> float:
        return float(1.0 / self.logit_scale.detach().clamp(max=math.log(100.0)).exp())

    def loss(self, query: Tensor, music: Tensor) -> Tensor:
        return info_nce(query, music, self.logit_scale)


def info_nce(query: Tensor, music: Tensor, logit_scale: Tensor) -> Tensor:
    """Symmetric InfoNCE over a batch of matching (query_i, music_i) pairs."""
    scale = logit_scale.clamp(max=math.log(100.0)).exp()
    logits = scale * query @ music.t()
    target = torch.arange(query.shape[0], device=query.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
