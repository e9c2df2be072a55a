"""CLIP- and CLAP-shaped encoders in plain PyTorch, exported to ONNX in the layout transformers.js reads.

The graphs take and return exactly what the real Xenova exports do (input_ids / attention_mask /
pixel_values / input_features -> text_embeds / image_embeds / audio_embeds), so the TypeScript side
runs the same code on fixtures, on full-size random graphs and on the real models.
"""
from __future__ import annotations

import math

import torch
from torch import nn

OPSET = 17


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        b, n, w = x.shape
        q = self.q_proj(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        if bias is not None:
            scores = scores + bias
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out_proj(out.transpose(1, 2).reshape(b, n, w))


class PreNormLayer(nn.Module):
    """CLIP encoder layer: pre-LayerNorm attention and quick-GELU MLP."""

    def __init__(self, width: int, heads: int, mlp: int, act=quick_gelu):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width, eps=1e-5)
        self.self_attn = Attention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width, eps=1e-5)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)
        self.act = act

    def forward(self, x, bias=None):
        x = x + self.self_attn(self.layer_norm1(x), bias)
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class PostNormLayer(nn.Module):
    """RoBERTa encoder layer: attention and GELU MLP, each followed by a residual LayerNorm."""

    def __init__(self, width: int, heads: int, mlp: int):
        super().__init__()
        self.attention = Attention(width, heads)
        self.attention_norm = nn.LayerNorm(width, eps=1e-5)
        self.intermediate = nn.Linear(width, mlp)
        self.output = nn.Linear(mlp, width)
        self.output_norm = nn.LayerNorm(width, eps=1e-5)

    def forward(self, x, bias=None):
        x = self.attention_norm(x + self.attention(x, bias))
        return self.output_norm(x + self.output(nn.functional.gelu(self.intermediate(x))))


class ClipVision(nn.Module):
    """CLIPVisionModelWithProjection: pixel_values [B,3,H,W] -> image_embeds [B,P]."""

    def __init__(self, width, layers, heads, mlp, patch, image, projection):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        tokens = (image // patch) ** 2 + 1
        self.class_embedding = nn.Parameter(torch.randn(width) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(tokens, width) * 0.02)
        self.pre_layrnorm = nn.LayerNorm(width, eps=1e-5)
        self.layers = nn.ModuleList(PreNormLayer(width, heads, mlp) for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(width, eps=1e-5)
        self.visual_projection = nn.Linear(width, projection, bias=False)

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.position_embedding
        x = self.pre_layrnorm(x)
        for layer in self.layers:
            x = layer(x)
        pooled = self.post_layernorm(x[:, 0])
        return self.visual_projection(pooled), x


class ClipText(nn.Module):
    """CLIPTextModelWithProjection: input_ids, attention_mask [B,L] -> text_embeds [B,P].

    `embed_factor` > 0 factorises the 49408-row token table (rows of that width, then a linear map to
    the model width) so tiny fixtures stay small on disk; 0 gives the real, full-width table.
    """

    def __init__(self, vocab, context, width, layers, heads, mlp, projection, embed_factor=0):
        super().__init__()
        if embed_factor:
            self.token_embedding = nn.Embedding(vocab, embed_factor)
            self.token_up = nn.Linear(embed_factor, width, bias=False)
        else:
            self.token_embedding = nn.Embedding(vocab, width)
            self.token_up = None
        nn.init.normal_(self.token_embedding.weight, std=0.02 if not embed_factor else 1.0)
        self.position_embedding = nn.Parameter(torch.randn(context, width) * 0.01)
        self.layers = nn.ModuleList(PreNormLayer(width, heads, mlp) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(width, eps=1e-5)
        self.text_projection = nn.Linear(width, projection, bias=False)

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        x = self.token_embedding(input_ids)
        if self.token_up is not None:
            x = self.token_up(x)
        x = x + self.position_embedding[:n]
        causal = torch.triu(torch.full((n, n), -1e9), diagonal=1)
        padding = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e9
        bias = causal + padding
        for layer in self.layers:
            x = layer(x, bias)
        x = self.final_layer_norm(x)
        # The original CLIP config (eos_token_id 2) pools at the highest token id: <|endoftext|>.
        eos = input_ids.to(torch.int32).argmax(dim=-1)
        pooled = x[torch.arange(x.shape[0]), eos]
        return self.text_projection(pooled), x


class ClapAudio(nn.Module):
    """ClapAudioModelWithProjection-shaped: input_features [B,1,T,M] log-mel -> audio_embeds [B,P].

    HTSAT's Swin stages are replaced by a patch transformer (same input and output contract); the
    mel-bin BatchNorm and the two-layer projection are as in CLAP.
    """

    def __init__(self, mels, width, layers, heads, mlp, patch, frames, projection):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(mels)
        self.patch_embed = nn.Conv2d(1, width, patch, stride=patch)
        tokens = (frames // patch[0]) * (mels // patch[1])
        self.position_embedding = nn.Parameter(torch.randn(tokens, width) * 0.02)
        self.layers = nn.ModuleList(PreNormLayer(width, heads, mlp, act=nn.functional.gelu) for _ in range(layers))
        self.norm = nn.LayerNorm(width, eps=1e-5)
        self.linear1 = nn.Linear(width, projection)
        self.linear2 = nn.Linear(projection, projection)
        with torch.no_grad():
            self.bn0.running_mean.fill_(-50.0)
            self.bn0.running_var.fill_(400.0)

    def forward(self, input_features):
        x = self.bn0(input_features.transpose(1, 3)).transpose(1, 3)
        x = self.patch_embed(x).flatten(2).transpose(1, 2) + self.position_embedding
        for layer in self.layers:
            x = layer(x)
        pooled = self.norm(x).mean(dim=1)
        return self.linear2(torch.relu(self.linear1(pooled)))


class ClapText(nn.Module):
    """ClapTextModelWithProjection: RoBERTa (positions from the padding mask, pooler on <s>) and the
    two-layer CLAP projection. input_ids, attention_mask [B,L] -> text_embeds [B,P]."""

    def __init__(self, vocab, positions, width, layers, heads, mlp, projection, pad_id=1):
        super().__init__()
        self.pad_id = pad_id
        self.word_embeddings = nn.Embedding(vocab, width)
        self.position_embeddings = nn.Embedding(positions, width)
        self.token_type_embeddings = nn.Embedding(1, width)
        self.embeddings_norm = nn.LayerNorm(width, eps=1e-5)
        self.layers = nn.ModuleList(PostNormLayer(width, heads, mlp) for _ in range(layers))
        self.pooler = nn.Linear(width, width)
        self.linear1 = nn.Linear(width, projection)
        self.linear2 = nn.Linear(projection, projection)

    def forward(self, input_ids, attention_mask):
        not_pad = (input_ids != self.pad_id).to(torch.int64)
        position_ids = torch.cumsum(not_pad, dim=1) * not_pad + self.pad_id
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids) + self.token_type_embeddings.weight[0]
        x = self.embeddings_norm(x)
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e9
        for layer in self.layers:
            x = layer(x, bias)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.linear2(torch.relu(self.linear1(pooled)))


class First(nn.Module):
    """Keeps only the first output (the embeddings) of a module that returns a tuple."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, *args):
        out = self.inner(*args)
        return out[0] if isinstance(out, tuple) else out


def export(module: nn.Module, args: tuple, path: str, inputs: dict, output: str) -> None:
    """Exports with dynamic batch (and sequence) axes, constant-folded so weights are initializers."""
    module.eval()
    names = list(inputs)
    with torch.no_grad():
        torch.onnx.export(
            First(module),
            args,
            path,
            input_names=names,
            output_names=[output],
            dynamic_axes={**inputs, output: {0: 'batch_size'}},
            opset_version=OPSET,
            do_constant_folding=True,
        )


class SwinBlock(nn.Module):
    """One HTSAT (Swin) block: windowed attention with a relative position bias, shifted on odd blocks."""

    def __init__(self, width: int, heads: int, resolution: int, window: int, shift: int):
        super().__init__()
        if resolution <= window:
            window, shift = resolution, 0
        self.width, self.heads, self.resolution, self.window, self.shift = width, heads, resolution, window, shift
        self.layernorm_before = nn.LayerNorm(width, eps=1e-5)
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.relative_position_bias_table = nn.Parameter(torch.randn((2 * window - 1) ** 2, heads) * 0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
        self.register_buffer('relative_position_index', rel[..., 0] * (2 * window - 1) + rel[..., 1], persistent=False)
        self.output = nn.Linear(width, width)
        self.layernorm_after = nn.LayerNorm(width, eps=1e-5)
        self.intermediate = nn.Linear(width, 4 * width)
        self.mlp_output = nn.Linear(4 * width, width)
        self.register_buffer('attn_mask', self._shift_mask() if shift else None, persistent=False)

    def _shift_mask(self) -> torch.Tensor:
        r, w, s = self.resolution, self.window, self.shift
        img = torch.zeros(1, r, r, 1)
        count = 0
        for hs in (slice(0, -w), slice(-w, -s), slice(-s, None)):
            for ws in (slice(0, -w), slice(-w, -s), slice(-s, None)):
                img[:, hs, ws, :] = count
                count += 1
        windows = self._partition(img).squeeze(-1)
        mask = windows[:, None, :] - windows[:, :, None]
        return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)

    def _partition(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        n = self.window
        x = x.view(b, h // n, n, w // n, n, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(-1, n * n, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, tokens, c = x.shape
        r, n = self.resolution, self.window
        shortcut = x
        x = self.layernorm_before(x).view(b, r, r, c)
        if self.shift:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = self._partition(x)
        bw = windows.shape[0]
        d = c // self.heads
        q = self.query(windows).view(bw, n * n, self.heads, d).transpose(1, 2)
        k = self.key(windows).view(bw, n * n, self.heads, d).transpose(1, 2)
        v = self.value(windows).view(bw, n * n, self.heads, d).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (d ** -0.5)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n * n, n * n, -1)
        scores = scores + bias.permute(2, 0, 1)[None]
        if self.attn_mask is not None:
            nw = self.attn_mask.shape[0]
            scores = scores.view(bw // nw, nw, self.heads, n * n, n * n) + self.attn_mask[None, :, None]
            scores = scores.view(bw, self.heads, n * n, n * n)
        out = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(bw, n * n, c)
        out = self.output(out)
        out = out.view(b, r // n, r // n, n, n, c).permute(0, 1, 3, 2, 4, 5).reshape(b, r, r, c)
        if self.shift:
            out = torch.roll(out, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + out.reshape(b, tokens, c)
        return x + self.mlp_output(nn.functional.gelu(self.intermediate(self.layernorm_after(x))))


class PatchMerging(nn.Module):
    """Swin downsampling: 2x2 neighbouring tokens concatenated (4C), normalised, projected to 2C."""

    def __init__(self, width: int, resolution: int):
        super().__init__()
        self.resolution = resolution
        self.norm = nn.LayerNorm(4 * width, eps=1e-5)
        self.reduction = nn.Linear(4 * width, 2 * width, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, c = x.shape
        r = self.resolution
        x = x.view(b, r, r, c)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class HtsatAudio(nn.Module):
    """ClapAudioModelWithProjection with the HTSAT-unfused encoder (laion/clap-htsat-unfused's config):
    input_features [B,1,1001,64] log-mel -> mel-bin BatchNorm -> bicubic stretch to 1024 frames ->
    folded into a 256x256 image (freq_ratio 4) -> 4x4 patches (96 wide) -> Swin stages (depths 2,2,6,2,
    heads 4,8,16,32, window 8) with patch merging -> LayerNorm -> mean over tokens (the tscam-free
    pooler of the unfused model) -> two-layer ReLU projection -> audio_embeds [B,P]."""

    def __init__(self, mels=64, spec_size=256, patch=4, embed=96, depths=(2, 2, 6, 2), heads=(4, 8, 16, 32),
                 window=8, projection=512):
        super().__init__()
        self.mels, self.spec_size = mels, spec_size
        self.freq_ratio = spec_size // mels
        self.batch_norm = nn.BatchNorm2d(mels)
        self.patch_embed = nn.Conv2d(1, embed, patch, stride=patch)
        self.patch_norm = nn.LayerNorm(embed, eps=1e-5)
        stages = []
        resolution, width = spec_size // patch, embed
        for i, (depth, head) in enumerate(zip(depths, heads)):
            blocks = [SwinBlock(width, head, resolution, window, 0 if j % 2 == 0 else window // 2) for j in range(depth)]
            if i < len(depths) - 1:
                blocks.append(PatchMerging(width, resolution))
                resolution, width = resolution // 2, width * 2
            stages.append(nn.Sequential(*blocks))
        self.layers = nn.ModuleList(stages)
        self.norm = nn.LayerNorm(width, eps=1e-5)
        self.linear1 = nn.Linear(width, projection)
        self.linear2 = nn.Linear(projection, projection)
        with torch.no_grad():
            self.batch_norm.running_mean.fill_(-50.0)
            self.batch_norm.running_var.fill_(400.0)

    def forward(self, input_features):
        x = self.batch_norm(input_features.transpose(1, 3)).transpose(1, 3)
        b = x.shape[0]
        x = nn.functional.interpolate(x, (self.spec_size * self.freq_ratio, self.mels), mode='bicubic', align_corners=True)
        x = x.reshape(b, self.freq_ratio, self.spec_size, self.mels).permute(0, 1, 3, 2)
        x = x.reshape(b, 1, self.mels * self.freq_ratio, self.spec_size)
        x = self.patch_norm(self.patch_embed(x).flatten(2).transpose(1, 2))
        for stage in self.layers:
            x = stage(x)
        pooled = self.norm(x).mean(dim=1)
        return self.linear2(torch.relu(self.linear1(pooled)))
