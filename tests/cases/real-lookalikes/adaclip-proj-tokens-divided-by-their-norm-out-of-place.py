# case: adaclip-proj-tokens-divided-by-their-norm-out-of-place
# source: https://github.com/caoyunkang/AdaCLIP/pull/46
# expect: clean
# torch: clean
# check: normalised and all(g is not None and bool(torch.isfinite(g).all()) for g in grads) and len(grads) == 6

# The PR's fix to AdaCLIP's proj_visual_tokens: the projected class token and each projected patch-token level are
# divided by their norm out of place (`x = x / x.norm(dim=-1, keepdim=True)`), so the tensor the norm saved stays
# as it was. TextEmbebddingLayer.encode_text keeps its `/=` normalisations, which run under the no_grad of
# extract_feat (text prompting off). Same reduced AdaCLIP, frozen stand-in CLIP and loss as the bug case
# adaclip-proj-tokens-divided-by-their-norm-in-place; the check compares the tokens with F.normalize.
import math
from typing import List, Union

import torch
from torch import nn
from torch.nn import functional as F


class ProjectLayer(nn.Module):
    def __init__(self, input_dim, output_dim, num_replicas, stack=False, is_array=True):
        super(ProjectLayer, self).__init__()

        self.head = nn.ModuleList([nn.Linear(input_dim, output_dim) for _ in range(num_replicas)])
        self.num_replicas = num_replicas
        self.stack = stack
        self.is_array = is_array

    def forward(self, tokens):
        out_tokens = []
        for i in range(self.num_replicas):
            if self.is_array:
                temp = self.head[i](tokens[i][:, 1:, :])  # for ViT, we exclude the class token and only extract patch tokens here.
            else:
                temp = self.head[i](tokens)

            out_tokens.append(temp)

        if self.stack:
            out_tokens = torch.stack(out_tokens, dim=1)

        return out_tokens


class TextEmbebddingLayer(nn.Module):
    def __init__(self, fixed):
        super(TextEmbebddingLayer, self).__init__()
        self.ensemble_text_features = {}
        self.prompt_normal = ['{}', 'flawless {}']
        self.prompt_abnormal = ['damaged {}', '{} with defect']
        self.prompt_state = [self.prompt_normal, self.prompt_abnormal]
        self.prompt_templates = ['a bad photo of a {}.', 'a cropped photo of the {}.']
        self.fixed = fixed

    def tokenize(self, texts: Union[str, List[str]], context_length: int = 12) -> torch.LongTensor:
        if isinstance(texts, str):
            texts = [texts]
        result = torch.zeros(len(texts), context_length, dtype=torch.long)
        for i, text in enumerate(texts):
            tokens = [sum(map(ord, word)) % 97 + 1 for word in text.split()][:context_length]
            result[i, :len(tokens)] = torch.tensor(tokens)
        return result

    def forward(self, model, texts, device):
        text_feature_list = []

        for indx, text in enumerate(texts):

            if self.fixed:
                if self.ensemble_text_features.get(text) is None:
                    text_features = self.encode_text(model, text, device)
                    self.ensemble_text_features[text] = text_features
                else:
                    text_features = self.ensemble_text_features[text]
            else:
                text_features = self.encode_text(model, text, device)
                self.ensemble_text_features[text] = text_features

            text_feature_list.append(text_features)

        text_features = torch.stack(text_feature_list, dim=0)
        text_features = F.normalize(text_features, dim=1)

        return text_features

    def encode_text(self, model, text, device):
        text_features = []
        for i in range(len(self.prompt_state)):
            text = text.replace('-', ' ')
            prompted_state = [state.format(text) for state in self.prompt_state[i]]
            prompted_sentence = []
            for s in prompted_state:
                for template in self.prompt_templates:
                    prompted_sentence.append(template.format(s))
            prompted_sentence = self.tokenize(prompted_sentence).to(device)

            class_embeddings = model.encode_text(prompted_sentence)

            class_embeddings /= class_embeddings.norm(dim=-1, keepdim=True)
            class_embedding = class_embeddings.mean(dim=0)
            class_embedding /= class_embedding.norm()
            text_features.append(class_embedding)

        text_features = torch.stack(text_features, dim=1)

        return text_features


class FrozenCLIP(nn.Module):
    """Stand-in for the frozen open_clip towers: patch embedding + blocks, and a bag-of-tokens text encoder."""

    def __init__(self, visual_channel=12, text_channel=8, patch=4, n_blocks=2):
        super().__init__()
        self.conv1 = nn.Conv2d(3, visual_channel, patch, stride=patch)
        self.class_embedding = nn.Parameter(torch.randn(visual_channel))
        self.resblocks = nn.ModuleList([nn.Linear(visual_channel, visual_channel) for _ in range(n_blocks)])
        self.proj = nn.Parameter(torch.randn(visual_channel, text_channel) / visual_channel ** 0.5)
        self.token_embedding = nn.Embedding(100, text_channel)
        self.text_projection = nn.Parameter(torch.randn(text_channel, text_channel) / text_channel ** 0.5)
        for p in self.parameters():
            p.requires_grad_(False)


class AdaCLIP(nn.Module):
    def __init__(self, freeze_clip, text_channel, visual_channel, prompting_branch, output_layers, device,
                 image_size):
        super(AdaCLIP, self).__init__()
        self.freeze_clip = freeze_clip
        self.output_layers = output_layers
        self.enable_text_prompt = 'L' in prompting_branch
        self.enable_visual_prompt = 'V' in prompting_branch
        self.use_hsf = False

        self.text_embedding_layer = TextEmbebddingLayer(fixed=(not self.enable_text_prompt))

        self.patch_token_layer = ProjectLayer(
            visual_channel,
            text_channel,
            len(output_layers), stack=False, is_array=True
        )

        self.cls_token_layer = ProjectLayer(
            text_channel,
            text_channel,
            1, stack=False, is_array=False
        )
        self.image_size = image_size
        self.device = device

    def encode_image(self, image):
        x = self.freeze_clip.conv1(image)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        x = torch.cat([self.freeze_clip.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1]), x], dim=1)
        patch_tokens = []
        for indx, r in enumerate(self.freeze_clip.resblocks):
            x = x + torch.tanh(r(x))
            if (indx + 1) in self.output_layers:
                patch_tokens.append(x)
        pooled = x[:, 0] @ self.freeze_clip.proj
        return pooled, patch_tokens, None

    def proj_visual_tokens(self, image_features, patch_tokens):

        # for patch tokens
        proj_patch_tokens = self.patch_token_layer(patch_tokens)
        for layer in range(len(proj_patch_tokens)):
            proj_patch_tokens[layer] = proj_patch_tokens[layer] / proj_patch_tokens[layer].norm(dim=-1, keepdim=True)

        # for cls tokens
        proj_cls_tokens = self.cls_token_layer(image_features)[0]
        proj_cls_tokens = proj_cls_tokens / proj_cls_tokens.norm(dim=-1, keepdim=True)

        return proj_cls_tokens, proj_patch_tokens

    def encode_text(self, text):
        x = self.freeze_clip.token_embedding(text).mean(dim=1)
        return x @ self.freeze_clip.text_projection

    def visual_text_similarity(self, image_feature, patch_token, text_feature, aggregation):
        anomaly_maps = []

        for layer in range(len(patch_token)):
            anomaly_map = (100.0 * patch_token[layer] @ text_feature)
            anomaly_maps.append(anomaly_map)

        cur_image_feature = image_feature

        anomaly_score = (100.0 * cur_image_feature.unsqueeze(1) @ text_feature)
        anomaly_score = anomaly_score.squeeze(1)
        anomaly_score = torch.softmax(anomaly_score, dim=1)

        for i in range(len(anomaly_maps)):
            B, L, C = anomaly_maps[i].shape
            H = int(math.sqrt(L))
            anomaly_maps[i] = anomaly_maps[i].permute(0, 2, 1).view(B, 2, H, H)
            anomaly_maps[i] = F.interpolate(anomaly_maps[i], size=self.image_size, mode='bilinear', align_corners=True)

        if aggregation:
            anomaly_map = torch.mean(torch.stack(anomaly_maps, dim=1), dim=1)
            anomaly_map = torch.softmax(anomaly_map, dim=1)
            anomaly_map = (anomaly_map[:, 1:, :, :] + 1 - anomaly_map[:, 0:1, :, :]) / 2.0
            anomaly_score = anomaly_score[:, 1]
            return anomaly_map, anomaly_score
        else:
            for i in range(len(anomaly_maps)):
                anomaly_maps[i] = torch.softmax(anomaly_maps[i], dim=1)
            return anomaly_maps, anomaly_score

    def extract_feat(self, image, cls_name):
        if self.enable_visual_prompt:
            image_features, patch_tokens, _ = self.encode_image(image)
        else:
            with torch.no_grad():
                image_features, patch_tokens, _ = self.encode_image(image)

        if self.enable_text_prompt:
            text_features = self.text_embedding_layer(self, cls_name, self.device)
        else:
            with torch.no_grad():
                text_features = self.text_embedding_layer(self, cls_name, self.device)

        proj_cls_tokens, proj_patch_tokens = self.proj_visual_tokens(image_features, patch_tokens)

        return proj_cls_tokens, proj_patch_tokens, text_features

    def forward(self, image, cls_name, aggregation=True):
        image_features, patch_tokens, text_features = self.extract_feat(image, cls_name)
        anomaly_map, anomaly_score = self.visual_text_similarity(image_features, patch_tokens, text_features, aggregation)

        if aggregation:
            return anomaly_map.squeeze(1), anomaly_score
        else:
            return anomaly_map, anomaly_score


torch.manual_seed(0)
model = AdaCLIP(FrozenCLIP(), text_channel=8, visual_channel=12, prompting_branch='', output_layers=[1, 2],
                device='cpu', image_size=16)
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
trainable = [p for p in model.parameters() if p.requires_grad]
image = torch.rand(1, 3, 16, 16)
gt_mask = (torch.rand(1, 16, 16) > 0.7).long()
label = torch.tensor([1])
anomaly_maps, anomaly_score = model(image, ['bottle'], aggregation=False)
loss = sum(F.nll_loss(torch.log(m + 1e-8), gt_mask) for m in anomaly_maps) + F.nll_loss(torch.log(anomaly_score), label)
optimizer.zero_grad()
loss.backward()
grads = [p.grad.clone() for p in trainable]
with torch.no_grad():
    ref_cls, ref_patch = model.cls_token_layer(model.encode_image(image)[0])[0], model.patch_token_layer(model.encode_image(image)[1])
    out_cls, out_patch = model.proj_visual_tokens(model.encode_image(image)[0], model.encode_image(image)[1])
normalised = torch.allclose(out_cls, F.normalize(ref_cls, dim=-1)) and all(
    torch.allclose(o, F.normalize(r, dim=-1)) for o, r in zip(out_patch, ref_patch))
optimizer.step()
