# case: rdd-softdetect-grid-moved-under-inference-mode
# source: https://github.com/xtcpete/rdd/issues/11
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
# known-miss: the grid is stored in a module attribute by `detect_keypoints` during a call made under `RDD_helper.match`'s `@torch.inference_mode()`, and read by a later training call; the analysis does not carry attribute values from one method call to a later one under another mode

# RDD (xtcpete/rdd): training the detector, the trainer validates every test_every_iter steps; validate() calls
# model.eval(), which builds a new SoftDetect, then RDD_helper.match, decorated with @torch.inference_mode(), runs
# RDD.extract -> softdetect -> detect_keypoints, whose `self.hw_grid = self.hw_grid.to(patches)` stores the grid
# copied under inference mode as the module attribute. RDD.train() in that version only called super().train(), so
# the next training step's compute_correspondence reuses that SoftDetect and the soft-argmax matmul saves the
# inference grid for backward. Kept: simple_nms, SoftDetect (top_k path) and RDD.train/eval/set_softdetect/extract
# as in RDD/models/soft_detect.py and RDD/RDD.py, RDD_helper.match without the matcher, the trainer's
# _inference/validate/train loop. Completed/reduced: one conv stands in for the detector and descriptor, a sum of
# scores and dispersities for DetectorLoss; the first SoftDetect is set in __init__; torch.meshgrid gets
# indexing="ij" (its default, without the warning); on the reporter's GPU, .to(patches) copied the CPU grid to the
# device inside inference mode -- on CPU with equal dtypes .to() returns the same tensor, so the grid is built as
# float64 here to make .to() copy as well.
import torch
import torch.nn as nn
import torch.nn.functional as F


def simple_nms(scores, nms_radius: int):
    """ Fast Non-maximum suppression to remove nearby points """
    assert (nms_radius >= 0)

    def max_pool(x):
        return torch.nn.functional.max_pool2d(
            x, kernel_size=nms_radius * 2 + 1, stride=1, padding=nms_radius)

    zeros = torch.zeros_like(scores)
    max_mask = scores == max_pool(scores)

    for _ in range(2):
        supp_mask = max_pool(max_mask.float()) > 0
        supp_scores = torch.where(supp_mask, zeros, scores)
        new_max_mask = supp_scores == max_pool(supp_scores)
        max_mask = max_mask | (new_max_mask & (~supp_mask))
    return torch.where(max_mask, scores, zeros)


class SoftDetect(nn.Module):
    def __init__(self, radius=2, top_k=0, scores_th=0.2, n_limit=20000):
        super().__init__()
        self.radius = radius
        self.top_k = top_k
        self.scores_th = scores_th
        self.n_limit = n_limit
        self.kernel_size = 2 * self.radius + 1
        self.temperature = 0.1  # tuned temperature
        self.unfold = nn.Unfold(kernel_size=self.kernel_size, padding=self.radius)
        # local xy grid
        x = torch.linspace(-self.radius, self.radius, self.kernel_size, dtype=torch.float64)
        # (kernel_size*kernel_size) x 2 : (w,h)
        self.hw_grid = torch.stack(torch.meshgrid([x, x], indexing="ij")).view(2, -1).t()[:, [1, 0]]

    def detect_keypoints(self, scores_map, normalized_coordinates=True):
        b, c, h, w = scores_map.shape
        scores_nograd = scores_map.detach()

        nms_scores = simple_nms(scores_nograd, 2)

        # remove border
        nms_scores[:, :, :self.radius + 1, :] = 0
        nms_scores[:, :, :, :self.radius + 1] = 0
        nms_scores[:, :, h - self.radius:, :] = 0
        nms_scores[:, :, :, w - self.radius:] = 0

        # detect keypoints without grad
        topk = torch.topk(nms_scores.view(b, -1), self.top_k)
        indices_keypoints = topk.indices  # B x top_k

        # detect soft keypoints with grad backpropagation
        patches = self.unfold(scores_map)  # B x (kernel**2) x (H*W)
        self.hw_grid = self.hw_grid.to(patches)  # to device
        keypoints = []
        scoredispersitys = []
        kptscores = []
        for b_idx in range(b):
            patch = patches[b_idx].t()  # (H*W) x (kernel**2)
            indices_kpt = indices_keypoints[b_idx]  # one dimension vector, say its size is M
            patch_scores = patch[indices_kpt]  # M x (kernel**2)

            # max is detached to prevent undesired backprop loops in the graph
            max_v = patch_scores.max(dim=1).values.detach()[:, None]
            x_exp = ((patch_scores - max_v) / self.temperature).exp()  # M * (kernel**2), in [0, 1]

            xy_residual = x_exp @ self.hw_grid / x_exp.sum(dim=1)[:, None]  # error: IPL011

            hw_grid_dist2 = torch.norm((self.hw_grid[None, :, :] - xy_residual[:, None, :]) / self.radius,
                                       dim=-1) ** 2
            scoredispersity = (x_exp * hw_grid_dist2).sum(dim=1) / x_exp.sum(dim=1)

            # compute result keypoints
            keypoints_xy_nms = torch.stack([indices_kpt % w, indices_kpt // w], dim=1)  # Mx2
            keypoints_xy = keypoints_xy_nms + xy_residual
            if normalized_coordinates:
                keypoints_xy = keypoints_xy / keypoints_xy.new_tensor([w - 1, h - 1]) * 2 - 1  # (w,h) -> (-1~1,-1~1)

            kptscore = torch.nn.functional.grid_sample(scores_map[b_idx].unsqueeze(0), keypoints_xy.view(1, 1, -1, 2),
                                                       mode='bilinear', align_corners=True)[0, 0, 0, :]  # CxN

            keypoints.append(keypoints_xy)
            scoredispersitys.append(scoredispersity)
            kptscores.append(kptscore)

        return keypoints, scoredispersitys, kptscores

    def forward(self, scores_map, normalized_coordinates=True):
        keypoints, scoredispersitys, kptscores = self.detect_keypoints(scores_map, normalized_coordinates)
        return keypoints, kptscores, scoredispersitys


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.conv(x))


class Descriptor(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.stride = 4

    def forward(self, x):
        feats = self.conv(x)
        return feats, feats.mean(dim=1, keepdim=True)


class RDD(nn.Module):

    def __init__(self, detector, descriptor, detection_threshold=0.5, top_k=8, train_detector=True, device='cpu'):
        super().__init__()
        self.detector = detector
        self.descriptor = descriptor
        self.detection_threshold = detection_threshold
        self.top_k = top_k
        self.device = device
        if train_detector:
            for p in self.detector.parameters():
                p.requires_grad = True
            for p in self.descriptor.parameters():
                p.requires_grad = False
        self.set_softdetect(top_k=4, scores_th=0.2)
        self.stride = descriptor.stride

    def train(self, mode=True):
        super().train(mode)

    def eval(self):
        super().eval()
        self.set_softdetect(top_k=self.top_k, scores_th=0.01)

    def forward(self, samples):
        scoremap = self.detector(samples)
        feats, matchibility = self.descriptor(samples)
        return feats, scoremap, matchibility

    def set_softdetect(self, top_k=4096, scores_th=0.01):
        self.softdetect = SoftDetect(radius=2, top_k=top_k, scores_th=scores_th)

    @torch.inference_mode()
    def extract(self, x):
        x = x.to(self.device).float()
        B, _, _H1, _W1 = x.shape
        M1, K1, H1 = self.forward(x)
        M1 = F.normalize(M1, dim=1)
        keypoints, kptscores, scoredispersitys = self.softdetect(K1)
        return [{'keypoints': keypoints[b], 'scores': kptscores[b]} for b in range(B)]


class RDD_helper(nn.Module):
    def __init__(self, RDD):
        super().__init__()
        self.RDD = RDD

    @torch.inference_mode()
    def match(self, img0, img1, thr=0.01, resize=None, top_k=8):
        if top_k is not None and top_k != self.RDD.top_k:
            self.RDD.top_k = top_k
            self.RDD.set_softdetect(top_k=top_k)
        out0 = self.RDD.extract(img0)[0]
        out1 = self.RDD.extract(img1)[0]
        return out0['keypoints'], out1['keypoints']


def compute_correspondence(model, pred0, pred1):
    kps, score_dispersity, scores = model.softdetect.detect_keypoints(pred0['scores_map'])
    kps1, score_dispersity1, scores1 = model.softdetect.detect_keypoints(pred1['scores_map'])
    return (kps, kps1), (score_dispersity, scores), (score_dispersity1, scores1)


def detector_loss(correspondences, pred0_with_rand, pred1_with_rand):
    loss = 0.
    for dispersity, scores in (pred0_with_rand, pred1_with_rand):
        loss = loss + sum(d.mean() for d in dispersity) - sum(s.mean() for s in scores)
    return loss


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = RDD(Detector(), Descriptor())
        self.opt = torch.optim.AdamW(filter(lambda x: x.requires_grad, self.model.parameters()), lr=1e-3)

    def validate(self):
        with torch.no_grad():
            self.model.eval()
            model_helper = RDD_helper(self.model)
            model_helper.match(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16))
        self.model.train()

    def _inference(self, p1, p2):
        feats1, scores_map1, hmap1 = self.model(p1)
        feats2, scores_map2, hmap2 = self.model(p2)
        pred0 = {'scores_map': scores_map1}
        pred1 = {'scores_map': scores_map2}
        correspondences, pred0_with_rand, pred1_with_rand = compute_correspondence(self.model, pred0, pred1)
        return detector_loss(correspondences, pred0_with_rand, pred1_with_rand)

    def train(self, steps=3, test_every_iter=1):
        self.model.train()
        for total_steps in range(steps):
            loss = self._inference(torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.)
            self.opt.step()
            self.opt.zero_grad()
            if (total_steps + 1) % test_every_iter == 0:
                self.validate()


trainer = Trainer()
trainer.train()
