# case: mae-dfer-lgblock-messenger-tokens-written-back-into-saved-view-fixed
# source: https://github.com/sunlicai/MAE-DFER/issues/15
# expect: clean
# torch: clean
# check: model.lg_region_tokens.grad is not None and model.blocks[0].second_attn_norm0.weight.grad is not None

# MAE-DFER's local-global video transformer block (modeling_finetune.py,
# LGBlock, as fixed by the maintainer: "`.clone()`: fix in-place error in
# higher pytorch version"). The messenger tokens are read from
# `x[:,0].clone()` (and the local tokens from `x[:,1:].clone()`), so the
# LayerNorm saves a copy and the later `x[:,0] = ...` write-back leaves it
# alone. Kept: GeneralAttention, Mlp, LGBlock (gamma_1 None
# path, first_attn_type 'self', third_attn_type 'cross' as in the
# VisionTransformer defaults) and the local_global branch of
# forward_features. Completed: einops `rearrange`/`repeat` written as the
# equivalent reshape/expand calls (same view semantics), timm DropPath
# replaced by nn.Identity (drop_path=0), a Linear stand-in for the Conv3d
# patch embedding, small sizes, one training step.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=nn.GELU, drop=0.):
        super().__init__()
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.fc2(x)
        x = self.drop(x)
        return x


class GeneralAttention(nn.Module):
    def __init__(
            self, dim, context_dim=None, num_heads=8, qkv_bias=False, qk_scale=None, attn_drop=0.,
            proj_drop=0., attn_head_dim=None):
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        if attn_head_dim is not None:
            head_dim = attn_head_dim
        all_head_dim = head_dim * self.num_heads
        self.scale = qk_scale or head_dim ** -0.5

        self.q = nn.Linear(dim, all_head_dim, bias=False)
        self.kv = nn.Linear(dim if context_dim is None else context_dim, all_head_dim * 2, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(all_head_dim))
            self.v_bias = nn.Parameter(torch.zeros(all_head_dim))
        else:
            self.q_bias = None
            self.v_bias = None

        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(all_head_dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x, context=None):
        B, T1, C = x.shape
        q_bias, kv_bias = self.q_bias, None
        if self.q_bias is not None:
            kv_bias = torch.cat((torch.zeros_like(self.v_bias, requires_grad=False), self.v_bias))
        q = F.linear(input=x, weight=self.q.weight, bias=q_bias)
        q = q.reshape(B, T1, self.num_heads, -1).transpose(1, 2)
        kv = F.linear(input=x if context is None else context, weight=self.kv.weight, bias=kv_bias)
        _, T2, _ = kv.shape
        kv = kv.reshape(B, T2, 2, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]

        q = q * self.scale
        attn = (q @ k.transpose(-2, -1))

        attn = attn.softmax(dim=-1)
        attn = self.attn_drop(attn)

        x = (attn @ v).transpose(1, 2).reshape(B, T1, -1)
        x = self.proj(x)
        x = self.proj_drop(x)
        return x


class LGBlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=4., qkv_bias=False, qk_scale=None, drop=0., attn_drop=0.,
                 drop_path=0., init_values=None, act_layer=nn.GELU, norm_layer=nn.LayerNorm,
                 attn_head_dim=None,
                 first_attn_type='self', third_attn_type='cross',
                 attn_param_sharing_first_third=False, attn_param_sharing_all=False,
                 no_second=False, no_third=False,
                 ):
        super().__init__()
        self.first_attn_type = first_attn_type
        self.third_attn_type = third_attn_type

        self.first_attn_norm0 = norm_layer(dim)
        if self.first_attn_type == 'cross':
            self.first_attn_norm1 = norm_layer(dim)
        self.first_attn = GeneralAttention(
            dim=dim, num_heads=num_heads, qkv_bias=qkv_bias, qk_scale=qk_scale,
            attn_drop=attn_drop, proj_drop=drop, attn_head_dim=attn_head_dim)

        self.no_second = no_second
        if not no_second:
            self.second_attn_norm0 = norm_layer(dim)
            if attn_param_sharing_all:
                self.second_attn = self.first_attn
            else:
                self.second_attn = GeneralAttention(
                    dim=dim, num_heads=num_heads, qkv_bias=qkv_bias, qk_scale=qk_scale,
                    attn_drop=attn_drop, proj_drop=drop, attn_head_dim=attn_head_dim)

        self.no_third = no_third
        if not no_third:
            self.third_attn_norm0 = norm_layer(dim)
            if self.third_attn_type == 'cross':
                self.third_attn_norm1 = norm_layer(dim)
            if attn_param_sharing_first_third or attn_param_sharing_all:
                self.third_attn = self.first_attn
            else:
                self.third_attn = GeneralAttention(
                    dim=dim, num_heads=num_heads, qkv_bias=qkv_bias, qk_scale=qk_scale,
                    attn_drop=attn_drop, proj_drop=drop, attn_head_dim=attn_head_dim)

        self.drop_path = nn.Identity()  # DropPath(drop_path) if drop_path > 0.
        self.norm2 = norm_layer(dim)
        mlp_hidden_dim = int(dim * mlp_ratio)
        self.mlp = Mlp(in_features=dim, hidden_features=mlp_hidden_dim, act_layer=act_layer, drop=drop)

        if init_values > 0:
            self.gamma_0 = nn.Parameter(init_values * torch.ones((dim)), requires_grad=True)
            self.gamma_1 = nn.Parameter(init_values * torch.ones((dim)), requires_grad=True)
            self.gamma_2 = nn.Parameter(init_values * torch.ones((dim)), requires_grad=True)
        else:
            self.gamma_0, self.gamma_1, self.gamma_2 = None, None, None

    def forward(self, x, b):
        bn = x.shape[0]
        n = bn // b  # number of local regions
        c = x.shape[-1]
        if self.gamma_1 is None:
            ## perform local (intra-region) self-attention
            if self.first_attn_type == 'self':
                x = x + self.drop_path(self.first_attn(self.first_attn_norm0(x)))
            else:  # 'cross'
                x[:,:1] = x[:,:1] + self.drop_path(
                    self.first_attn(
                        self.first_attn_norm0(x[:,:1]),
                        context=self.first_attn_norm1(x[:,1:])
                    )
                )

            ## perform global (inter-region) self-attention
            if not self.no_second:
                # messenger_tokens: representative tokens
                # rearrange(x[:,0].clone(), '(b n) c -> b n c', b=b)
                messenger_tokens = x[:,0].clone().reshape(b, n, c)  # attn on 'n' dim
                messenger_tokens = messenger_tokens + self.drop_path(
                    self.second_attn(self.second_attn_norm0(messenger_tokens))
                )
                # rearrange(messenger_tokens, 'b n c -> (b n) c')
                x[:,0] = messenger_tokens.reshape(b * n, c)
            else:  # for usage in the third attn
                messenger_tokens = x[:,0].clone().reshape(b, n, c)

            ## perform local-global interaction
            if not self.no_third:
                if self.third_attn_type == 'self':
                    x = x + self.drop_path(self.third_attn(self.third_attn_norm0(x)))
                else:
                    # rearrange(x[:,1:].clone(), '(b n) s c -> b (n s) c', b=b)
                    local_tokens = x[:,1:].clone().reshape(b, -1, c)  # NOTE: n merges into s (not b), (B, N*(S-1), D)
                    local_tokens = local_tokens + self.drop_path(
                        self.third_attn(
                            self.third_attn_norm0(local_tokens),  # (b, n*(s-1), c)
                            context=self.third_attn_norm1(messenger_tokens)  # (b, n*1, c)
                        )
                    )
                    # rearrange(local_tokens, 'b (n s) c -> (b n) s c', n=n)
                    x[:,1:] = local_tokens.reshape(b * n, -1, c)

            # FFN layer
            x = x + self.drop_path(self.mlp(self.norm2(x)))
        else:
            raise NotImplementedError
        return x


class LocalGlobalViT(nn.Module):
    # the attn_type='local_global' branch of VisionTransformer.forward_features
    def __init__(self, in_dim=12, embed_dim=16, depth=2, num_heads=2, num_regions=4,
                 region_size=3, num_classes=7):
        super().__init__()
        self.patch_embed = nn.Linear(in_dim, embed_dim)  # stand-in for PatchEmbed (Conv3d)
        self.blocks = nn.ModuleList([
            LGBlock(dim=embed_dim, num_heads=num_heads, mlp_ratio=4, qkv_bias=True,
                    init_values=0., first_attn_type='self', third_attn_type='cross')
            for i in range(depth)])
        self.num_regions = num_regions
        self.region_size = region_size
        self.lg_region_tokens = nn.Parameter(torch.zeros(num_regions, embed_dim))
        nn.init.trunc_normal_(self.lg_region_tokens, std=.02)
        self.fc_norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, tokens):
        x = self.patch_embed(tokens)  # (b, n*t*h*w, c), tokens already in region order
        b, _, c = x.shape
        x = x.reshape(b, self.num_regions, self.region_size, c)
        # repeat(self.lg_region_tokens, 'n c -> b n 1 c', b=b)
        region_tokens = self.lg_region_tokens[None, :, None, :].expand(b, -1, -1, -1)
        x = torch.cat([region_tokens, x], dim=2)  # (b, nt*nh*nw, 1+thw, c)
        x = x.reshape(b * self.num_regions, -1, c)  # 'b n s c -> (b n) s c'
        for blk in self.blocks:
            x = blk(x, b)  # (b*n, s, c)
        x = x.reshape(b, self.num_regions, -1, c)  # '(b n) s c -> b n s c'
        x = x[:, :, 1:].reshape(b, -1, c)  # 'org' classify tokens: 'b n s c -> b (n s) c'
        return self.head(self.fc_norm(x.mean(1)))


torch.manual_seed(0)
model = LocalGlobalViT()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
tokens = torch.randn(2, 4 * 3, 12)
target = torch.tensor([1, 5])
loss = F.cross_entropy(model(tokens), target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
