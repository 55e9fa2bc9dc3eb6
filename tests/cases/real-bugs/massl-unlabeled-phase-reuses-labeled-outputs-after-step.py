# case: massl-unlabeled-phase-reuses-labeled-outputs-after-step
# source: https://github.com/ShuaiChenBIGR/MASSL-segmentation-framework/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Semi-supervised segmentation (MASSL, MICCAI 2019). train_model() alternates two phases per
# batch: 'trainLabeled' (segmentation loss, optimizer[0]) and 'trainUnlabeled' (reconstruction
# loss, optimizer[1]). Kept from Network_training_SSL_epoch_attention_BraTS18.py: the phase loop,
# the function-level variables outputsU_back / outputsU_fore that are set only in the labeled
# phase, `loss.backward(retain_graph=True)` + `optimizer[0].step()` in the labeled phase, and the
# unlabeled loss that reads outputsU_back / outputsU_fore again. The unlabeled phase never
# recomputes them, so its loss reaches back into the labeled phase's graph, whose saved weights
# optimizer[0].step() has just updated in place.
# Completed: a tiny 3-D encoder with a segmentation and a reconstruction decoder in place of
# MASSL_norm, an MSE criterion in place of Dice, random volumes, two optimizers over the same
# parameters as in network_training_ssl_epoch (Adam, lr 1e-2 and 1e-3), one batch, mode='fuse'.
import torch
import torch.nn as nn


class MASSL(nn.Module):
    def __init__(self, ch=4):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv3d(1, ch, 3, padding=1), nn.ReLU())
        self.decoder_seg = nn.Sequential(nn.Conv3d(ch, 1, 1), nn.Sigmoid())
        self.decoder_rec = nn.Conv3d(ch, 2, 1)

    def forward(self, x, phase):
        h = self.encoder(x)
        return self.decoder_seg(h), self.decoder_rec(h)


def train_model(model, batches, criterion, optimizer, mode="fuse"):
    outputsU_back = 0
    outputsU_fore = 0
    for sample1, sample2 in batches:
        for phase in ["trainLabeled", "trainUnlabeled"]:
            optimizer[0].zero_grad()
            optimizer[1].zero_grad()
            if phase == "trainLabeled":
                inputs, labels, image = sample1["image"], sample1["mask"], sample1["image"]
                outputsL, outputsU = model(inputs, phase=phase)
                outputsU_back = outputsU[:, 0]
                outputsU_fore = outputsU[:, 1]
                labels_back = (1.0 - outputsL) * image
                labels_fore = outputsL * image
                w1, w2, w3 = 1.0, 0.0, 0.0
                loss = (w1 * criterion[0](outputsL, labels)
                        + w2 * criterion[1](outputsU_back, labels_back[:, 0])
                        + w3 * criterion[1](outputsU_fore, labels_fore[:, 0]))
                loss.backward(retain_graph=True)
                optimizer[0].step()  # error: IPL003
            else:
                inputs, image = sample2["image"], sample2["image"]
                outputsL, outputsU = model(inputs, phase=phase)
                # outputsU_back / outputsU_fore are NOT taken from this forward: still the labeled ones
                labels_back = (1.0 - outputsL) * image
                labels_fore = outputsL * image
                w2 = torch.sum(1.0 - outputsL)
                w3 = torch.sum(outputsL)
                total = w2 + w3
                w2, w3 = w2 / total, w3 / total
                loss = (w2 * criterion[1](outputsU_back, labels_back[:, 0])
                        + w3 * criterion[1](outputsU_fore, labels_fore[:, 0]))
                loss.backward()
                optimizer[1].step()
    return model


torch.manual_seed(0)
model = MASSL()
criterion = (nn.MSELoss(), nn.MSELoss())
optimizer = (torch.optim.Adam(model.parameters(), lr=1e-2),
             torch.optim.Adam(model.parameters(), lr=1e-3))
vol = lambda: torch.rand(2, 1, 4, 6, 6)
batches = [({"image": vol(), "mask": (vol() > 0.5).float()}, {"image": vol()})]
train_model(model, batches, criterion, optimizer)
