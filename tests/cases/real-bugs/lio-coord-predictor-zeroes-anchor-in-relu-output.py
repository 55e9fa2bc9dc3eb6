# case: lio-coord-predictor-zeroes-anchor-in-relu-output
# source: https://github.com/JDAI-CV/LIO/issues/9
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# JDAI-CV/LIO (Look-into-Object, fine-grained classification), classification/models/coord_predict.py:
# RelativeCoordPredictor's `self.predictor` is nn.Sequential(Linear, ReLU); its output is reshaped with .view() and
# the anchor position is then zeroed in place (`preds_coord[basic_index, reduced_x_max_index, :] = 0.`), which
# rewrites the tensor ReLU saved for backward. The reporter got the inplace error at loss.backward() when
# training ("Change the inplace=True into inplace=False?"; later "Now I have solved this problem", no details).
# Their message names a [10, 49] SubBackward0 output: under torch 1.6 index backward also saved `gap_angle`, so the
# later `gap_angle[gap_angle < 0] += 1` failed first; current torch no longer saves it there, and the ReLU output
# write is what raises. Kept: SCLModule and RelativeCoordPredictor as in the repo (numpy replaced by torch.arange /
# math.pi, .cuda() dropped), the coord loss weighting of utils/train_util_index.py. Completed: a one-conv stand-in
# for the ResNet-50 backbone, a 7x7 map, batch of 2, one training step without the positive images and the
# mask-relation loss.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RelativeCoordPredictor(nn.Module):
    def __init__(self, in_dim, size=7):
        super().__init__()
        self.in_dim = in_dim
        self.size = size

        self.predictor = nn.Sequential(
                nn.Linear(2*in_dim, 2),
                nn.ReLU(),
        )
        self.basic_label = self.build_basic_label(size).float()
        self.dist_loss_f = nn.MSELoss(reduction='none')

    def forward(self, x, mask):
        N, C, H, W = x.shape
        reduced_x = x.view(N, C, H*W).transpose(1, 2).contiguous()  # (N, S, C)

        mask = mask.view(N, H*W)
        thresholds = torch.mean(mask, dim=1, keepdim=True)
        binary_mask = (mask > thresholds).float()
        binary_mask = binary_mask.view(N, H, W)

        masked_x = x * binary_mask.view(N, 1, H, W)
        masked_x = masked_x.view(N, C, H*W).transpose(1, 2).contiguous()  # (N, S, C)
        _, reduced_x_max_index = torch.max(torch.mean(masked_x, dim=-1), dim=-1)

        basic_index = torch.arange(N)
        max_features = reduced_x[basic_index, reduced_x_max_index, :]  # (N, C)
        max_features_to_concat = max_features.unsqueeze(1).expand((N, H*W, C))

        discriminative_feature = torch.cat((max_features_to_concat, reduced_x), dim=-1)  # (N, S, 2*C)
        discriminative_feature = discriminative_feature.view(N*H*W, 2*C)
        preds_coord = self.predictor(discriminative_feature)  # (N*H*W, 2)
        preds_coord = preds_coord.view(N, H*W, 2)
        preds_coord[basic_index, reduced_x_max_index, :] = 0.  # error: IPL003
        preds_coord = preds_coord.view(N, H, W, 2)

        # Build Label
        label = self.basic_label
        label = label.unsqueeze(0).expand((N, H, W, 2)).view(N, H*W, 2)  # (N, S, 2)
        basic_anchor = label[basic_index, reduced_x_max_index, :].unsqueeze(1)  # (N, 2)
        relative_coord = label - basic_anchor
        relative_coord = relative_coord / self.size
        relative_dist = torch.sqrt(torch.sum(relative_coord**2, dim=-1))  # (N, S)
        relative_angle = torch.atan2(relative_coord[:, :, 1], relative_coord[:, :, 0])  # (N, S) in (-pi, pi)
        relative_angle = (relative_angle / math.pi + 1) / 2  # (N, S) in (0, 1)

        # Calc Loss
        preds_dist, preds_angle = preds_coord[:, :, :, 0], preds_coord[:, :, :, 1]

        preds_dist = preds_dist.view(N, H, W)
        relative_dist = relative_dist.view(N, H, W)
        dist_loss = self.dist_loss_f(preds_dist, relative_dist)

        preds_angle = preds_angle.view(N, H*W)
        gap_angle = preds_angle - relative_angle  # (N, S) in (0, 1) - (0, 1) = (-1, 1)
        gap_angle[gap_angle < 0] += 1
        gap_angle = gap_angle - torch.mean(gap_angle, dim=-1, keepdim=True)  # (N, H*W)
        gap_angle = gap_angle.view(N, H, W)
        angle_loss = torch.pow(gap_angle, 2)
        return dist_loss + angle_loss

    def build_basic_label(self, size):
        ii, jj = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
        return torch.stack((ii, jj), dim=-1)


class SCLModule(nn.Module):
    def __init__(self, size, feature_dim, structure_dim, *, avg):
        super().__init__()

        self.size = size
        self.feature_dim = feature_dim
        self.structure_dim = structure_dim
        self.avg = avg

        self.strutureg = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(self.feature_dim, self.structure_dim, 1, 1),
            nn.ReLU(),
        )
        self.coord_predictor = RelativeCoordPredictor(in_dim=self.structure_dim,
                                                      size=self.size)
        self.maskg = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(self.feature_dim, 1, 1, 1),
        )

        if self.avg:
            self.avgpool = nn.AvgPool2d(2, 2)

    def forward(self, feature):
        if self.avg:
            feature = self.avgpool(feature)

        mask = self.maskg(feature)
        N, _, H, W = mask.shape
        mask = mask.view(N, H, W)

        structure_map = self.strutureg(feature)
        coord_loss = self.coord_predictor(structure_map, mask)

        return feature, mask, coord_loss


class Extractor(nn.Module):
    """Stand-in for LIO's resnet_index backbone: features, then the SCL branch on the 7x7 map."""
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.scl = SCLModule(7, 16, 8, avg=False)

    def forward(self, imgs):
        feature = self.backbone(imgs)
        feature, mask, coord_loss = self.scl(feature)
        return feature, feature, mask, coord_loss


class Classifier(nn.Module):
    def __init__(self, in_dim, num_classes):
        super(Classifier, self).__init__()
        self.classifier = nn.Linear(in_dim, num_classes)
        self.avgpool = nn.AdaptiveAvgPool2d(output_size=1)

    def forward(self, x):
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        out = self.classifier(x)
        return out


def mask_to_binary(x):
    N, H, W = x.shape
    x = x.view(N, H*W)
    thresholds = torch.mean(x, dim=1, keepdim=True)
    binary_x = (x > thresholds).float()
    return binary_x.view(N, H, W)


torch.manual_seed(0)
extractor, classifier = Extractor(), Classifier(16, 5)
optimizer = torch.optim.SGD(list(extractor.parameters()) + list(classifier.parameters()), lr=0.01)
criterion = nn.CrossEntropyLoss()
loss_weight = {'mask': 0.1, 'coord': 0.1}
imgs, labels = torch.randn(2, 3, 14, 14), torch.tensor([1, 3])

optimizer.zero_grad()
main_cls_feature, main_img_f, main_mask, coord_loss_1 = extractor(imgs)
main_probs = classifier(main_cls_feature)
cls_loss_1 = criterion(main_probs, labels)
coord_loss_1 = torch.mean(coord_loss_1 * mask_to_binary(main_mask))
loss = cls_loss_1 + coord_loss_1 * loss_weight['coord']
loss.backward()
optimizer.step()
